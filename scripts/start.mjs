// npm start: the whole portal with demo data on http://localhost:8787
// (and the Acme brand on http://acme.localhost:8787).
import path from 'node:path'
import { buildWeb, prepareDatabase, root, servePortal } from './portal.mjs'

const port = Number(process.env.PORT ?? 8787)
const persistTo = path.join(root, '.wrangler/state')

buildWeb()
prepareDatabase(persistTo)
const { child, stop } = await servePortal({ port, persistTo })
console.log(`\n  Trellis is running:  http://localhost:${port}   (Acme's portal: http://acme.localhost:${port})`)
console.log('  Demo logins use the password trellis-demo (development only). Ctrl+C stops.\n')
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { stop(); process.exit(0) })
child.on('exit', (code) => process.exit(code ?? 0))
