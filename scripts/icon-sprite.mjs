// npm run icons: writes web/src/lib/components/icons.svg, the lucide icons named in
// web/src/lib/icon-names.ts as one SVG sprite of <symbol>s, from the installed @lucide/svelte.
// `--check` (part of npm run check) fails when the file is not what this would write.
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { MENU_ICONS, SHELL_ICONS } from '../web/src/lib/icon-names.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const out = path.join(root, 'web/src/lib/components/icons.svg')
const escape = (v) => String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')

const names = [...new Set([...MENU_ICONS, ...SHELL_ICONS])].sort()
const symbols = names.map((name) => {
  // Some names are aliases: their module re-exports another icon's component.
  const alias = readFileSync(path.join(root, 'node_modules/@lucide/svelte/dist/icons', `${name}.js`), 'utf8').match(/from ['"]\.\/([a-z0-9-]+)\.svelte['"]/)
  const source = readFileSync(path.join(root, 'node_modules/@lucide/svelte/dist/icons', `${alias ? alias[1] : name}.svelte`), 'utf8')
  const data = source.match(/const iconData = (\{.*\});/)
  if (!data) throw new Error(`no icon data in @lucide/svelte's ${name}.svelte`)
  const { node, size = 24 } = JSON.parse(data[1])
  const children = node.map(([tag, attrs]) => `<${tag} ${Object.entries(attrs).map(([k, v]) => `${k}="${escape(v)}"`).join(' ')}/>`).join('')
  return `<symbol id="${name}" viewBox="0 0 ${size} ${size}">${children}</symbol>`
})
const { version } = JSON.parse(readFileSync(path.join(root, 'node_modules/@lucide/svelte/package.json'), 'utf8'))
const svg = `<svg xmlns="http://www.w3.org/2000/svg"><!-- Lucide ${version} (ISC), written by scripts/icon-sprite.mjs -->\n${symbols.join('\n')}\n</svg>\n`

if (process.argv.includes('--check')) {
  let current = ''
  try {
    current = readFileSync(out, 'utf8')
  } catch {}
  if (current !== svg) {
    console.error('web/src/lib/components/icons.svg is stale: run `npm run icons` and commit it.')
    process.exit(1)
  }
} else {
  writeFileSync(out, svg)
  console.log(`wrote ${path.relative(root, out)} (${names.length} icons, ${svg.length} bytes)`)
}
