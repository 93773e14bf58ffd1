// npm start: the whole portal with demo data on http://localhost:8787
// (and the Acme brand on http://acme.localhost:8787).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { buildWeb, prepareDatabase, root, servePortal } from './portal.mjs'
import { DEMO_API_KEY, demoId } from '../db/seed/demo.ts'

// --watch (npm run dev): rebuild the web app on every change; wrangler reloads it.
const watch = process.argv.includes('--watch')

// PORT moves the portal and its debugger port (PORT + 442) together, so two checkouts can run side by side.
const port = Number(process.env.PORT ?? 8787)
if (!Number.isInteger(port) || port < 1024 || port > 65535 - 442) {
  console.error(`\n  PORT must be a number between 1024 and ${65535 - 442}; got ${process.env.PORT}.\n`)
  process.exit(1)
}
const persistTo = path.join(root, '.wrangler/state')

console.log(`\n  Building the web app${existsSync(path.join(root, 'web', '.svelte-kit', 'cloudflare')) ? '' : ' (the first start takes a minute or two)'}, then preparing the demo database…\n`)
buildWeb()
prepareDatabase(persistTo)
const { child, stop: stopServer } = await servePortal({ port, persistTo, snapshot: !watch })
const watcher = watch
  ? spawn('vite', ['build', '--watch', '--logLevel', 'warn'], { cwd: path.join(root, 'web'), stdio: 'inherit' })
  : null
const stop = () => {
  watcher?.kill()
  stopServer()
}
console.log(`\n  Trellis is running:  http://localhost:${port}   (Acme's portal: http://acme.localhost:${port}, Globex's: http://globex.localhost:${port})`)
console.log('  Demo logins use the password trellis-demo (development only).')
console.log(`  Demo API key of Acme Hosting (seeded, development only):\n    curl -H "Authorization: Bearer ${DEMO_API_KEY.key}" http://localhost:${port}/api/v1/accounts/${demoId('acc', DEMO_API_KEY.account)}/services`)
console.log('  Ctrl+C stops.\n')
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { stop(); process.exit(0) })
child.on('exit', (code) => process.exit(code ?? 0))
