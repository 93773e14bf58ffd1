// Compiles the English and French messages (Paraglide) into typed functions: the web app's
// (web/messages → web/src/lib/paraglide) and the API's problem titles and emails
// (worker/messages → worker/src/i18n/paraglide). Both outputs are generated, never committed.
// Vite compiles the web app's itself on build; this script serves tsc, svelte-check,
// vitest and wrangler, which do not run Vite's plugin.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Where each project's messages compile to, and how its runtime picks the locale (decision 034).
 * @type {{ project: string, outdir: string, strategy: ('globalVariable' | 'baseLocale')[] }[]}
 */
export const i18nProjects = [
  { project: 'web/project.inlang', outdir: 'web/src/lib/paraglide', strategy: ['globalVariable', 'baseLocale'] },
  { project: 'worker/project.inlang', outdir: 'worker/src/i18n/paraglide', strategy: ['globalVariable', 'baseLocale'] },
]

/**
 * A digest of a project's settings and message files: an unchanged project is not compiled again.
 * @param {(typeof i18nProjects)[number]} p
 */
function digest(p) {
  const dir = path.join(root, path.dirname(p.project))
  const hash = createHash('sha256').update(JSON.stringify(p)).update(readFileSync(path.join(root, p.project, 'settings.json')))
  for (const locale of readdirSync(path.join(dir, 'messages')).sort()) {
    for (const file of readdirSync(path.join(dir, 'messages', locale)).sort()) {
      hash.update(`${locale}/${file}\0`).update(readFileSync(path.join(dir, 'messages', locale, file)))
    }
  }
  return hash.digest('hex')
}

export async function compileMessages() {
  for (const p of i18nProjects) {
    const stamp = path.join(root, p.outdir, '.digest')
    const current = digest(p)
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === current) continue
    const { compile } = await import('@inlang/paraglide-js')
    await compile({
      project: path.join(root, p.project),
      outdir: path.join(root, p.outdir),
      strategy: p.strategy,
      outputStructure: 'message-modules',
      emitTsDeclarations: false,
      emitReadme: false,
      emitPrettierIgnore: false,
      isServer: "typeof window === 'undefined'",
    })
    // Paraglide's request middleware is not used (hooks.server.ts sets the locale) and does not
    // type-check against the Workers' Request; it stays out of the checks.
    const server = path.join(root, p.outdir, 'server.js')
    if (existsSync(server)) writeFileSync(server, `// @ts-nocheck\n${readFileSync(server, 'utf8')}`)
    writeFileSync(stamp, current)
  }
}

/** A Vite plugin that compiles the messages before each build (and each test run under vitest). */
export function messages() {
  return { name: 'trellis-messages', buildStart: compileMessages }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await compileMessages()
  // The inlang SDK leaves a timer behind; nothing else is pending once the files are written.
  process.exit(0)
}
