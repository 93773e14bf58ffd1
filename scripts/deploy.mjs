// npm run deploy: remote D1 migrations, then both workers. Never applies demo data.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { buildWeb, root } from './portal.mjs'

function run(args, cwd = root) {
  console.log(`\n$ wrangler ${args.join(' ')}`)
  const r = spawnSync('wrangler', args, { cwd, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

run(['d1', 'migrations', 'apply', 'DB', '--remote', '-c', 'wrangler.toml'])
run(['deploy', '-c', 'wrangler.toml'])
buildWeb()
run(['deploy', '-c', path.join('web', 'wrangler.toml')])
