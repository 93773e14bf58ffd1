// npm run bench:brand — what the Host → brand lookup costs per request, with 10,000
// verified hostnames in D1. Two measurements in one run:
// 1. through the whole local portal: GET /api/v1/health with a plain Host (platform
//    brand), the branded acme.localhost, and 1,000 rotating branded hostnames,
//    interleaved in rounds so machine noise hits each alike;
// 2. in-process: the cached lookup itself (brandForHost on a warm cache), in ns.
import autocannon from 'autocannon'
import { writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { buildWeb, prepareDatabase, root, servePortal } from '../scripts/portal.mjs'
import { demoId } from '../db/seed/demo.ts'
import { brandForHost, invalidateBrandCache } from '../worker/src/domain/brands.ts'

const PORT = 8795
const HOSTNAMES = 10_000
const HOT = 1_000
const DURATION = Number(process.env.BENCH_SECONDS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const persistTo = '.wrangler/bench-brand-state'
const base = `http://127.0.0.1:${PORT}`
const hostname = (i) => `h${i}.bench-brand.example`

// --- 2. in-process cached lookup (no I/O once warm) --------------------------------------
async function microbench() {
  const brand = { accountId: 'acc_x', name: 'Acme', logoKey: null, logoContentType: null, logoVersion: 0, primaryColor: '#c2410c', accentColor: '#f59e0b', supportEmail: null, supportUrl: null, loginMessage: null, updatedAt: 0 }
  const row = { id: 'acc_x', name: 'Acme', path: '/p/acc_x/', brand }
  // A stand-in for drizzle: any query chain answers one row (only misses reach it).
  const chain = new Proxy(function () {}, { get: (_, key) => (key === 'get' ? async () => row : key === 'then' ? undefined : chain), apply: () => chain })
  const db = { select: () => chain }
  invalidateBrandCache()
  for (let i = 0; i < HOSTNAMES; i++) await brandForHost(db, hostname(i))
  const n = 1_000_000
  const started = process.hrtime.bigint()
  for (let i = 0; i < n; i++) await brandForHost(db, hostname(i % HOSTNAMES))
  return Number(process.hrtime.bigint() - started) / n
}

// --- 1. through the portal --------------------------------------------------------------
buildWeb({ quiet: true })
prepareDatabase(persistTo, { quiet: true, fresh: true })
const acme = demoId('acc', 'acme')
const sql = []
for (let i = 0; i < HOSTNAMES; i += 500) {
  const values = []
  for (let j = i; j < Math.min(i + 500, HOSTNAMES); j++) values.push(`('hst_bench_${j}', '${hostname(j)}', '${acme}', 'verified', 'trellis-verify=bench', 0)`)
  sql.push(`INSERT INTO hostnames (id, hostname, reseller_account_id, status, verification_token, verified_at) VALUES ${values.join(', ')};`)
}
const sqlFile = path.join(root, persistTo, 'bench-hostnames.sql')
writeFileSync(sqlFile, sql.join('\n'))
const seeded = spawnSync('wrangler', ['d1', 'execute', 'DB', '--local', '--persist-to', persistTo, '-c', 'wrangler.toml', '--file', sqlFile], {
  cwd: root, stdio: 'pipe', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
})
if (seeded.status !== 0) throw new Error(`seeding hostnames failed: ${seeded.stderr}`)

const { stop } = await servePortal({ port: PORT, inspectorPort: 9295, persistTo, quiet: true })
try {
  const hosts = Array.from({ length: HOT }, (_, i) => hostname(i * (HOSTNAMES / HOT)))
  let next = 0
  const cases = {
    'plain Host (platform brand)': { headers: { host: `localhost:${PORT}` } },
    'acme.localhost (branded)': { headers: { host: `acme.localhost:${PORT}` } },
    [`${HOT} rotating branded hosts`]: {
      requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, host: `${hosts[next++ % HOT]}:${PORT}` } }) }],
    },
  }
  // node:http, not fetch: fetch drops a Host header.
  const brand = await new Promise((resolve, reject) => {
    http
      .get(`${base}/api/v1/brand`, { headers: { host: `${hostname(0)}:${PORT}` } }, (res) => {
        let body = ''
        res.on('data', (d) => (body += d))
        res.on('end', () => resolve(JSON.parse(body).brand))
      })
      .on('error', reject)
  })
  if (brand.resellerId !== acme) throw new Error(`a seeded hostname is not branded: ${JSON.stringify(brand)}`)

  // Warm every path (isolate start-up, the cache).
  for (const options of Object.values(cases)) await autocannon({ url: `${base}/api/v1/health`, connections: 2, amount: 2 * HOT, ...options })

  const totals = Object.fromEntries(Object.keys(cases).map((k) => [k, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, options] of Object.entries(cases)) {
      const r = await autocannon({ url: `${base}/api/v1/health`, connections: CONNECTIONS, duration: DURATION, ...options })
      if (r.non2xx || r.errors) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors`)
      totals[name].push(r)
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const rows = Object.entries(totals).map(([name, rs]) => ({
    Host: name,
    'req/s (median round)': Math.round(median(rs.map((r) => r.requests.average))),
    'mean ms': median(rs.map((r) => r.latency.average)).toFixed(2),
    'p50 ms': median(rs.map((r) => r.latency.p50)),
    'p99 ms': median(rs.map((r) => r.latency.p99)),
  }))
  console.log(`\n${new Date().toISOString()} · ${os.cpus()[0]?.model} × ${os.cpus().length} · ${HOSTNAMES} verified hostnames · ${ROUNDS} rounds × ${DURATION}s × ${CONNECTIONS} connections`)
  console.table(rows)
  console.log('req/s per round:', Object.fromEntries(Object.entries(totals).map(([k, rs]) => [k, rs.map((r) => Math.round(r.requests.average)).join(' ')])))
  const ns = await microbench()
  console.log(`cached brandForHost lookup, in-process, ${HOSTNAMES} hosts warm: ${ns.toFixed(0)} ns (${(ns / 1e6).toFixed(4)} ms) per lookup (target < 0.1 ms)`)
} finally {
  stop()
}
