// npm run deploy: remote D1 migrations, then both workers. Never applies demo data.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { buildWeb, root } from './portal.mjs'

function run(args, cwd = root) {
  console.log(`\n$ wrangler ${args.join(' ')}`)
  const r = spawnSync('wrangler', args, { cwd, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

// Links in every email are built on PUBLIC_ORIGIN: a deploy that still says localhost would mail dead links.
const publicOrigin = /^PUBLIC_ORIGIN = "(.*)"$/m.exec(readFileSync(path.join(root, 'wrangler.toml'), 'utf8'))?.[1] ?? ''
if (!publicOrigin.startsWith('https://')) {
  console.error(`\n  Set PUBLIC_ORIGIN in wrangler.toml to your portal's https origin before deploying (it is ${JSON.stringify(publicOrigin)}).\n`)
  process.exit(1)
}

run(['d1', 'migrations', 'apply', 'DB', '--remote', '-c', 'wrangler.toml'])
run(['deploy', '-c', 'wrangler.toml'])
buildWeb()
run(['deploy', '-c', path.join('web', 'wrangler.toml')])
