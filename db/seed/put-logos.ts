/**
 * Put the demo brands' logos into the local R2 bucket (wrangler dev's state).
 * Usage: node db/seed/put-logos.ts <persist-to folder>. Idempotent: same keys, same bytes.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { demoBrands, demoLogoKey } from './demo.ts'

const persistTo = process.argv[2]
if (!persistTo) throw new Error('usage: node db/seed/put-logos.ts <persist-to>')
const root = path.resolve(import.meta.dirname, '../..')
for (const b of demoBrands) {
  const file = path.join(root, 'db/seed/logos', b.logo)
  const args = ['r2', 'object', 'put', `trellis-branding/${demoLogoKey(b.account)}`, '--file', file, '--content-type', 'image/svg+xml', '--local', '--persist-to', persistTo, '-c', 'wrangler.toml']
  const result = spawnSync('wrangler', args, { cwd: root, stdio: 'pipe', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } })
  if (result.status !== 0) {
    process.stderr.write(String(result.stdout) + String(result.stderr))
    throw new Error(`wrangler ${args.join(' ')} exited with ${result.status}`)
  }
}
