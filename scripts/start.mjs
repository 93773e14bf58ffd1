// npm start: the whole portal with demo data on http://localhost:8787
// (and the Acme brand on http://acme.localhost:8787).
import { spawn } from 'node:child_process'
import path from 'node:path'
import { buildWeb, prepareDatabase, root, servePortal } from './portal.mjs'

// --watch (npm run dev): rebuild the web app on every change; wrangler reloads it.
const watch = process.argv.includes('--watch')

const port = Number(process.env.PORT ?? 8787)
const persistTo = path.join(root, '.wrangler/state')

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
console.log('  Demo logins use the password trellis-demo (development only). Ctrl+C stops.\n')
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { stop(); process.exit(0) })
child.on('exit', (code) => process.exit(code ?? 0))
