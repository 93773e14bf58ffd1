// Part of npm run bench:authz — authorization at tree scale, through the real portal
// (web worker → service binding → API worker → D1):
// 1. The services list for a tagged-scope user over SERVICES services in one customer
//    (default 100,000; one in ten in scope). Target: p50 under 20 ms.
// 2. The tenancy check for a reseller with CUSTOMERS customers (default 50,000): its
//    owner reads its last customer (GET /accounts/{id}) and that customer's services,
//    against Acme's owner doing the same with Acme's 3 customers. The check is a
//    constant number of D1 statements whatever the size of the tree (counted by
//    test/worker/routes/tenancy-scale.test.ts); here its time is measured.
//
// BENCH_RUNTIME: `workerd` (default) serves the built workers straight in workerd through
// Miniflare (as bench:activity does); `wrangler` through `wrangler dev`.
import autocannon from 'autocannon'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { root } from '../scripts/portal.mjs'
import { signIn, startPortal } from './portal-session.mjs'

const PORT = Number(process.env.BENCH_PORT ?? 8789)
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9231)
const RUNTIME = process.env.BENCH_RUNTIME ?? 'workerd'
const STATE = '.wrangler/bench-services-state'
const SERVICES = Number(process.env.SERVICES ?? 100_000)
const CUSTOMERS = Number(process.env.CUSTOMERS ?? 50_000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const base = `http://127.0.0.1:${PORT}`

// Generated inside SQLite (a recursive count), so 100,000 rows seed in seconds.
const count = (n) => `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${n - 1})`
const sql = [
  // Tom joins Bluebird Bakery as a user with the Technical role and a tagged scope.
  `INSERT INTO memberships (id, user_id, account_id, level, scope)
   SELECT 'mem_bench_tom', u.id, a.id, 'user', '{"mode":"tagged","tags":["managed"]}' FROM users u, accounts a
   WHERE u.email = 'tom@acme.test' AND a.name = 'Bluebird Bakery';`,
  `INSERT INTO membership_roles (membership_id, role_id) VALUES ('mem_bench_tom', 'technical');`,
  // SERVICES services in Bluebird, one in ten tagged "managed".
  `INSERT INTO services (id, account_id, type, name, status, partner_access)
   ${count(SERVICES)} SELECT 'svc_bench_' || i, (SELECT id FROM accounts WHERE name = 'Bluebird Bakery'),
     CASE i % 6 WHEN 0 THEN 'hosting' WHEN 1 THEN 'domain' WHEN 2 THEN 'server' WHEN 3 THEN 'mailbox' WHEN 4 THEN 'dns_zone' ELSE 'broadband' END,
     'bench-' || substr('000000' || i, -6), 'active', 1 FROM n;`,
  `INSERT INTO service_tags (service_id, tag) ${count(SERVICES)} SELECT 'svc_bench_' || i, CASE WHEN i % 10 = 0 THEN 'managed' ELSE 'other' END FROM n;`,
  // A reseller under the platform with CUSTOMERS customers, its owner signing in with the demo password.
  `INSERT INTO accounts (id, parent_id, kind, name, path)
   SELECT 'acc_bench_big', id, 'reseller', 'Bench Reseller', path || 'acc_bench_big/' FROM accounts WHERE kind = 'platform';`,
  `INSERT INTO accounts (id, parent_id, kind, name, path)
   ${count(CUSTOMERS)} SELECT 'acc_bench_c' || i, 'acc_bench_big', 'customer', 'Bench customer ' || substr('000000' || i, -6),
     (SELECT path FROM accounts WHERE id = 'acc_bench_big') || 'acc_bench_c' || i || '/' FROM n;`,
  `INSERT INTO services (id, account_id, type, name, status, partner_access)
   SELECT 'svc_bench_big_' || id, id, 'hosting', 'site of ' || name, 'active', 1 FROM accounts WHERE parent_id = 'acc_bench_big';`,
  `INSERT INTO users (id, email, name, password_hash, email_verified_at)
   SELECT 'usr_bench_big', 'owner@bench-reseller.test', 'Bench Owner', password_hash, email_verified_at FROM users WHERE email = 'tom@acme.test';`,
  `INSERT INTO memberships (id, user_id, account_id, level) VALUES ('mem_bench_big', 'usr_bench_big', 'acc_bench_big', 'owner');`,
]

function seed() {
  const file = path.join(root, STATE, 'bench-services.sql')
  writeFileSync(file, sql.join('\n'))
  const seeded = Date.now()
  const r = spawnSync('wrangler', ['d1', 'execute', 'DB', '--local', '--persist-to', STATE, '-c', 'wrangler.toml', '--file', file], { cwd: root, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: 'true' } })
  if (r.status !== 0) throw new Error(`seeding failed (${r.error ?? r.status}): ${r.stdout}${r.stderr}`)
  console.log(`seeded ${SERVICES.toLocaleString('en')} services and ${CUSTOMERS.toLocaleString('en')} customers in ${((Date.now() - seeded) / 1000).toFixed(1)} s`)
}

const { stop } = await startPortal({ port: PORT, inspectorPort: INSPECTOR_PORT, state: STATE, seed, runtime: RUNTIME })

/** Warm up, then 1 connection × SECONDS s; p50/p99 and req/s. */
async function measure(url, cookie) {
  const check = await fetch(url, { headers: { cookie } })
  if (check.status !== 200) throw new Error(`${url}: ${check.status} ${await check.text()}`)
  await autocannon({ url, connections: 1, amount: 100, headers: { cookie } })
  const result = await autocannon({ url, connections: 1, duration: SECONDS, headers: { cookie } })
  return { p50: result.latency.p50, p99: result.latency.p99, rps: Math.round(result.requests.average), errors: result.errors + result.non2xx }
}
const line = (label, m) => console.log(`${label.padEnd(62)} p50 ${String(m.p50).padStart(3)} ms · p99 ${String(m.p99).padStart(3)} ms · ${m.rps} req/s · errors ${m.errors}`)

try {
  const load = () => (process.platform === 'linux' ? spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim() : '')
  console.log(`\n${new Date().toISOString()} · runtime ${RUNTIME} · load ${load()}`)

  // 1. The services list for a tagged-scope user.
  const tom = await signIn(base, 'tom@acme.test')
  const me = await (await fetch(`${base}/api/v1/me`, { headers: { cookie: tom } })).json()
  const bluebird = me.accounts.find((a) => a.name === 'Bluebird Bakery').id
  const url = `${base}/api/v1/accounts/${bluebird}/services?limit=50`
  const first = await (await fetch(url, { headers: { cookie: tom } })).json()
  if (first.items.length !== 50 || first.items.some((s) => !s.tags.includes('managed'))) throw new Error('unexpected list result')
  line(`services list, tagged scope, ${SERVICES.toLocaleString('en')} services, page 1`, await measure(url, tom))
  // A page deep in the list (keyset: the cursor of page 100 costs what page 1 does).
  let cursor = first.nextCursor
  for (let i = 0; i < 99 && cursor; i++) cursor = (await (await fetch(`${url}&cursor=${encodeURIComponent(cursor)}`, { headers: { cookie: tom } })).json()).nextCursor
  if (cursor) line(`services list, tagged scope, ${SERVICES.toLocaleString('en')} services, page 101`, await measure(`${url}&cursor=${encodeURIComponent(cursor)}`, tom))

  // 2. The tenancy check: a small reseller's owner and a big one's, each reading its last customer.
  const acme = await signIn(base, 'owner@acme.test')
  const acmeMe = await (await fetch(`${base}/api/v1/me`, { headers: { cookie: acme } })).json()
  const acmeId = acmeMe.accounts.find((a) => a.name === 'Acme Hosting').id
  const acmeCustomers = (await (await fetch(`${base}/api/v1/accounts/${acmeId}/customers?limit=200`, { headers: { cookie: acme } })).json()).items
  const small = acmeCustomers.at(-1).id
  const big = await signIn(base, 'owner@bench-reseller.test')
  const last = `acc_bench_c${CUSTOMERS - 1}`
  line(`tenancy: Acme owner → its customer (${acmeCustomers.length} customers)`, await measure(`${base}/api/v1/accounts/${small}`, acme))
  line(`tenancy: Bench owner → its customer (${CUSTOMERS.toLocaleString('en')} customers)`, await measure(`${base}/api/v1/accounts/${last}`, big))
  line(`services of that customer, Acme owner`, await measure(`${base}/api/v1/accounts/${small}/services?limit=50`, acme))
  line(`services of that customer, Bench owner`, await measure(`${base}/api/v1/accounts/${last}/services?limit=50`, big))
  // The reseller's own list spans its whole subtree, ordered by name: it sorts every service
  // of the subtree (no index orders across accounts), so it grows with the subtree.
  line(`services list of Acme itself (${(SERVICES + 30).toLocaleString('en')}-odd services below)`, await measure(`${base}/api/v1/accounts/${acmeId}/services?limit=50`, acme))
  line(`services list of Bench Reseller itself (${CUSTOMERS.toLocaleString('en')} services below)`, await measure(`${base}/api/v1/accounts/acc_bench_big/services?limit=50`, big))
  console.log('targets: services list p50 < 20 ms; the tenancy check the same for both resellers')
} finally {
  await stop()
}
