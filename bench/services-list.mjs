// Part of npm run bench:authz — the services list for a tagged-scope user over
// 10,000 services in one customer, through the real portal (web worker →
// service binding → API worker → D1). Target: p50 under 20 ms.
import autocannon from 'autocannon'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { buildWeb, prepareDatabase, root, servePortal } from '../scripts/portal.mjs'

const PORT = 8789
const STATE = '.wrangler/bench-state'
const COUNT = 10_000
const base = `http://127.0.0.1:${PORT}`

buildWeb({ quiet: true })
prepareDatabase(STATE, { quiet: true, fresh: true })

// 10,000 services in Bluebird Bakery, one in ten tagged "managed"; Tom joins
// Bluebird as a user with the Technical role and a tagged scope.
const sql = [
  `INSERT INTO memberships (id, user_id, account_id, level, scope)
   SELECT 'mem_bench_tom', u.id, a.id, 'user', '{"mode":"tagged","tags":["managed"]}' FROM users u, accounts a
   WHERE u.email = 'tom@acme.test' AND a.name = 'Bluebird Bakery';`,
  `INSERT INTO membership_roles (membership_id, role_id) VALUES ('mem_bench_tom', 'technical');`,
]
const types = ['hosting', 'domain', 'server', 'mailbox', 'dns_zone', 'broadband']
for (let i = 0; i < COUNT; i++) {
  const id = `svc_bench_${i}`
  sql.push(`INSERT INTO services (id, account_id, type, name, status, partner_access) SELECT '${id}', id, '${types[i % 6]}', 'bench-${String(i).padStart(5, '0')}', 'active', 1 FROM accounts WHERE name = 'Bluebird Bakery';`)
  sql.push(`INSERT INTO service_tags (service_id, tag) VALUES ('${id}', '${i % 10 === 0 ? 'managed' : 'other'}');`)
}
const file = path.join(root, STATE, 'bench-services.sql')
writeFileSync(file, sql.join('\n'))
const r = spawnSync('wrangler', ['d1', 'execute', 'DB', '--local', '--persist-to', STATE, '-c', 'wrangler.toml', '--file', file], { cwd: root, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: 'true' } })
if (r.status !== 0) throw new Error(`seeding failed (${r.error ?? r.status}): ${r.stdout}${r.stderr}`)

const { stop } = await servePortal({ port: PORT, inspectorPort: 9231, persistTo: STATE, quiet: true })
try {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email: 'tom@acme.test', password: 'trellis-demo' }),
  })
  const cookie = /trellis_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')[0]
  const me = await (await fetch(`${base}/api/v1/me`, { headers: { cookie } })).json()
  const bluebird = me.accounts.find((a) => a.name === 'Bluebird Bakery').id
  const url = `${base}/api/v1/accounts/${bluebird}/services?limit=50`
  const first = await (await fetch(url, { headers: { cookie } })).json()
  if (first.items.length !== 50 || first.items.some((s) => !s.tags.includes('managed'))) throw new Error('unexpected list result')

  await autocannon({ url, connections: 1, amount: 100, headers: { cookie } })
  const result = await autocannon({ url, connections: 1, duration: 10, headers: { cookie } })
  console.log(`\n${new Date().toISOString()} · services list, tagged-scope user, ${COUNT.toLocaleString('en')} services in one customer (1 in 10 in scope), 50 per page, 1 connection × 10 s`)
  console.log(`p50 ${result.latency.p50} ms · p99 ${result.latency.p99} ms · ${Math.round(result.requests.average)} req/s · errors ${result.errors + result.non2xx}; target p50 < 20 ms`)
} finally {
  stop()
}
