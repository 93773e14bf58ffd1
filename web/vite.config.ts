import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { sveltekit } from '@sveltejs/kit/vite'
import tailwindcss from '@tailwindcss/vite'
import { defineConfig, type Plugin } from 'vite'
import { contractTypesPlugin } from '../scripts/contract-types.mjs'
import { messages } from '../scripts/i18n.mjs'

type ModuleGraph = { getModuleInfo(id: string): { importedIds: readonly string[]; code: string | null } | null }
const src = path.resolve(import.meta.dirname, 'src')
const kit = path.resolve(import.meta.dirname, '.svelte-kit/generated')
const messageDir = path.join(src, 'lib/paraglide/messages')
const inlang = JSON.parse(readFileSync(path.resolve(import.meta.dirname, 'project.inlang/settings.json'), 'utf8')) as { baseLocale: string; locales: string[] }
const messageBarrels = new Set([`${messageDir}.js`, path.join(messageDir, '_index.js')])
/**
 * Every module these files import statically, directly or not — except that the messages barrel
 * (`import { m } from '$lib/paraglide/messages.js'`, which re-exports every message of every page)
 * stands for just the messages the importing module names (`m.some_key`). Walking the barrel would
 * put all ~1,500 messages of both languages in the first chunk every page loads.
 */
function closure(graph: ModuleGraph, roots: string[]): Set<string> {
  const seen = new Set<string>()
  const walk = (id: string) => {
    if (seen.has(id)) return
    seen.add(id)
    const info = graph.getModuleInfo(id)
    for (const next of info?.importedIds ?? []) {
      if (!messageBarrels.has(next)) walk(next)
      else for (const [, key] of (info?.code ?? '').matchAll(/\bm\.(\w+)/g)) {
        const message = path.join(messageDir, `${key}.js`)
        if (graph.getModuleInfo(message)) walk(message)
      }
    }
  }
  for (const root of roots) walk(root)
  return seen
}

/**
 * Two chunks where there would be some sixty small ones (one file compresses far better than many,
 * and each costs a request): `base`, what every page loads (Svelte, SvelteKit's client, the root
 * layout and error page, and what the sign-in page shares with the shell), and `shell`, the
 * signed-in shell (the account layout and the dashboard with everything they import), which every
 * account page loads anyway. The rest (other pages, menus loaded on first use) is split as usual.
 * A module these groups hold carries every export any page uses: keep the first pages' modules to
 * what they use (docs/decisions/031).
 */
const baseRoots = [path.join(kit, 'root.svelte'), path.join(src, 'routes/+layout.svelte'), path.join(src, 'routes/+error.svelte')]
const shellRoots = [path.join(src, 'routes/a/[accountId]/+layout.svelte'), path.join(src, 'routes/a/[accountId]/+page.svelte')]
const signInRoot = path.join(src, 'routes/login/+page.svelte')
/** The pages everyone meets first: what `base` and `shell` are made of. */
const firstPages = [...baseRoots, ...shellRoots]
let groups: { base: Set<string>; shell: Set<string> } | undefined
function chunkGroups(graph: ModuleGraph) {
  if (!groups) {
    const base = closure(graph, baseRoots)
    const shell = closure(graph, shellRoots)
    // What the sign-in page shares with the shell (buttons, fields, formatting) goes with `base` too.
    const signIn = closure(graph, [signInRoot])
    for (const id of signIn) if (shell.has(id)) base.add(id)
    groups = { base, shell }
  }
  return groups
}
// Paraglide's registry (plural rules and the like) goes with `base`: the first pages' message table, which every page loads, imports it.
const runtime = /[\\/]node_modules[\\/](@sveltejs[\\/]kit|devalue|esm-env|clsx)[\\/]|vite[\\/]preload-helper|[\\/]lib[\\/]paraglide[\\/]registry\.js$/
const baseChunk = (id: string, graph: ModuleGraph) => (runtime.test(id) || chunkGroups(graph).base.has(id) ? 'base' : null)
const shellChunk = (id: string, graph: ModuleGraph) => (chunkGroups(graph).shell.has(id) ? 'shell' : null)

/**
 * The browser build only (the server's chunks do not travel). No JavaScript preloading for dynamic
 * imports: the lists of every page's chunks it needs weighed 2 kB in the client's entry, while a
 * page's node needs little beyond `base` and `shell` (already loaded) and SvelteKit preloads a page's
 * code on hover anyway. Stylesheets of dynamic imports are still fetched with them.
 */
const clientChunks: Plugin = {
  name: 'trellis:client-chunks',
  config(config) {
    if (config.build?.ssr) return
    return {
      build: {
        modulePreload: false,
        // SOURCEMAP=1 vite build: maps to weigh what each chunk carries, module by module.
        sourcemap: Boolean(process.env.SOURCEMAP),
        rolldownOptions: { output: { codeSplitting: { groups: [{ name: baseChunk, priority: 2 }, { name: shellChunk, priority: 1 }] } } },
      },
    }
  },
}

/**
 * The browser's Paraglide runtime. The server chooses each page's language (decision 034) and the
 * root layout hands it to the browser (`setLocale`) before anything else renders; another language is
 * another page load. So the browser needs one variable — not the generated runtime's locale detection
 * (strategies, cookies, URL patterns), which every page carried because each message calls
 * `getLocale()`. It offers what the browser's code imports from the runtime, and nothing else.
 */
const paraglideRuntime = path.join(src, 'lib/paraglide/runtime.js')
const browserRuntime = '\0trellis:browser-paraglide-runtime'
const browserLocale: Plugin = {
  name: 'trellis:browser-locale',
  // Before Vite's own resolver, which would settle the relative imports of the message modules.
  enforce: 'pre',
  async resolveId(source, importer) {
    if (this.environment.config.consumer !== 'client' || !source.endsWith('runtime.js')) return null
    const resolved = await this.resolve(source, importer, { skipSelf: true })
    return resolved?.id === paraglideRuntime ? browserRuntime : null
  },
  load(id) {
    if (id !== browserRuntime) return null
    return `export const baseLocale = ${JSON.stringify(inlang.baseLocale)}
export const locales = ${JSON.stringify(inlang.locales)}
export const experimentalStaticLocale = undefined
let locale = baseLocale
export const getLocale = () => locale
export const setLocale = (next, options) => {
  const changed = next !== locale
  locale = next
  if (changed && options?.reload !== false) location.reload()
}
// Reading Accept-Language is the server's (lib/i18n.ts's negotiateLocale, never called in the browser).
export const extractLocaleFromHeader = () => undefined`
  },
}

/**
 * Vite's helper for dynamic imports (`__vitePreload`) preloads a chunk's JavaScript dependencies and
 * stylesheets. With `modulePreload: false` (above) it only ever receives stylesheets, yet every page
 * carried all of it (≈ 3.4 kB before compression: modulepreload detection, CSP nonces, settled-promise
 * bookkeeping). This one does what is left: adds each stylesheet a page's code needs (the few pages with
 * a `<style>` of their own), once, and waits for it, before the code runs.
 */
const preloadHelper = '\0vite/preload-helper.js'
const stylesheetsOnlyPreload: Plugin = {
  name: 'trellis:stylesheets-only-preload',
  load(id) {
    const { consumer, base, build } = this.environment.config
    if (id !== preloadHelper || consumer !== 'client' || build.modulePreload !== false) return null
    return `const seen = {}
const base = new URL(${JSON.stringify(base)}, location.href)
export const __vitePreload = (load, deps, importer) =>
  Promise.all(
    (deps ?? []).map((dep) => {
      const href = new URL(dep, importer ?? base).href
      if (seen[href] || [...document.querySelectorAll('link[rel=stylesheet]')].some((link) => link.href === href)) return seen[href]
      return (seen[href] = new Promise((resolve, reject) => {
        const link = document.createElement('link')
        link.rel = 'stylesheet'
        link.href = href
        link.onload = resolve
        link.onerror = () => {
          delete seen[href]
          link.remove()
          reject(new Error('Unable to load the stylesheet ' + href))
        }
        document.head.append(link)
      }))
    }),
  ).then(() => load())`
  },
}

/**
 * The browser's messages. Paraglide compiles each message to a module of its own holding every
 * language's version and a function choosing one (≈ 50 bytes once minified, per message). In the
 * browser build:
 * - the messages of the pages everyone meets first (what `base` and `shell` carry, as listed by the
 *   server build, which runs first: `firstMessages`) draw from a table holding only the page's
 *   language, loaded before the page hydrates (hooks.client.ts: the server chose the language,
 *   decision 034, and another one is another page load). So the first pages carry each message once;
 * - every other message keeps both versions, its choosing function made by one shared helper, a
 *   plain-text version passed as its text.
 * Either way the choice is Paraglide's (the static locale, else `options.locale`, else `getLocale()`,
 * a language without a version of its own getting the base one). A module not in the expected shape
 * is left as Paraglide wrote it.
 */
const firstMessagesFile = path.resolve(import.meta.dirname, '.svelte-kit/trellis-first-messages.json')
const messageHelper = 'virtual:trellis/messages'
const tablePrefix = `${messageHelper}/`
const chooser =
  /export const (\w+) = \/\*\*[^\n]*?\*\/ \(\((?:inputs|inputs = \{\}), options = \{\}\) => \{\n\tconst locale = experimentalStaticLocale \?\? options\.locale \?\? getLocale\(\)\n((?:\tif \(locale === "[\w-]+"\) return \w+\(inputs\)\n)*)\treturn (\w+)\(inputs\)\n\}\);/
/** A message module's version for each language: its text when plain, else its function's source. */
function versions(code: string): { statement: string; key: string; byLocale: string[]; names: string[] } | null {
  const found = chooser.exec(code)
  if (!found) return null
  const [statement, key, branches, fallback] = found as unknown as [string, string, string, string]
  const chosen = new Map([...branches.matchAll(/"([\w-]+)"\) return (\w+)/g)].map(([, locale, fn]) => [locale, fn!]))
  const names = inlang.locales.map((locale) => chosen.get(locale) ?? fallback)
  const source = (name: string) => {
    const text = new RegExp(`^const ${name} = /\\*\\*[^\\n]*?\\*/ \\(\\) => \\{\\n\\treturn /\\*\\* @type \\{LocalizedString\\} \\*/ \\((\`[^\`$\\\\]*\`)\\)\\n\\};$`, 'm').exec(code)?.[1]
    return text ?? new RegExp(`^const ${name} = /\\*\\*[^\\n]*?\\*/ ([\\s\\S]*?\\n\\});$`, 'm').exec(code)?.[1] ?? name
  }
  return { statement, key, byLocale: names.map(source), names }
}
let firstMessages: string[] = []
const browserMessages: Plugin = {
  name: 'trellis:browser-messages',
  buildStart() {
    if (this.environment.config.consumer === 'client') firstMessages = existsSync(firstMessagesFile) ? JSON.parse(readFileSync(firstMessagesFile, 'utf8')) : []
  },
  buildEnd(error) {
    if (error || this.environment.config.consumer === 'client') return
    const keys = [...closure(this, firstPages)].flatMap((id) => /[\\/]paraglide[\\/]messages[\\/](\w+)\.js$/.exec(id)?.[1] ?? [])
    writeFileSync(firstMessagesFile, JSON.stringify(keys.filter((key) => key !== '_index').sort()))
  },
  resolveId: (id) => (id.startsWith(messageHelper) ? `\0${id}` : null),
  load(id) {
    if (id === `\0${messageHelper}`) {
      const tables = inlang.locales.map((locale) => `${JSON.stringify(locale)}: () => import(${JSON.stringify(tablePrefix + locale)})`)
      return `import { getLocale, experimentalStaticLocale } from ${JSON.stringify(paraglideRuntime)}
const locales = ${JSON.stringify(inlang.locales)}
const tables = { ${tables.join(', ')} }
let table = [], tableLocale
/** Loads the first pages' messages in the page's language; call it before anything draws one. */
export const loadMessages = async (locale) => {
  tableLocale = tables[locale] ? locale : ${JSON.stringify(inlang.baseLocale)}
  table = (await tables[tableLocale]()).default
}
const draw = (version, inputs) => (typeof version === 'string' ? version : version(inputs))
export const message = (...versions) => (inputs, options = {}) =>
  draw(versions[locales.indexOf(experimentalStaticLocale ?? options.locale ?? getLocale())] ?? versions[${inlang.locales.indexOf(inlang.baseLocale)}], inputs)
export const fromTable = (index) => (inputs, options = {}) => {
  if (options.locale && options.locale !== tableLocale) throw new Error('Only the page\\'s language is loaded: ' + tableLocale)
  return draw(table[index], inputs)
}`
    }
    if (!id.startsWith(`\0${tablePrefix}`)) return null
    const locale = inlang.locales.indexOf(id.slice(tablePrefix.length + 1))
    const rows = firstMessages.map((key) => {
      const found = versions(readFileSync(path.join(messageDir, `${key}.js`), 'utf8'))
      if (!found) throw new Error(`The message ${key} is not in the shape trellis:browser-messages expects`)
      return found.byLocale[locale]
    })
    return `import * as registry from ${JSON.stringify(path.join(src, 'lib/paraglide/registry.js'))}\nexport default [\n${rows.join(',\n')}\n]`
  },
  transform: {
    filter: { id: /[\\/]lib[\\/]paraglide[\\/]messages[\\/]\w+\.js$/ },
    handler(code) {
      if (this.environment.config.consumer !== 'client') return null
      const found = versions(code)
      if (!found) return null
      const index = firstMessages.indexOf(found.key)
      const made = index >= 0 ? `fromTable(${index})` : `message(${found.byLocale.map((v, i) => (v.startsWith('`') ? v : found.names[i])).join(', ')})`
      return { code: `import { message, fromTable } from ${JSON.stringify(messageHelper)}\n${code.replace(found.statement, () => `export const ${found.key} = /* @__PURE__ */ ${made}`)}`, map: null }
    },
  },
}

export default defineConfig(() => ({
  plugins: [messages(), contractTypesPlugin(), tailwindcss(), sveltekit(), clientChunks, browserLocale, stylesheetsOnlyPreload, browserMessages],
  server: {
    allowedHosts: ['.localhost'],
    proxy: { '/api': { target: 'http://127.0.0.1:8787', ws: true } },
  },
}))
