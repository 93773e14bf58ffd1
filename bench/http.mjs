// npm run bench: requests/s and latency of GET /api/v1/health and of an
// authenticated GET /api/v1/me, through the same origin users hit (web worker →
// service binding → API worker), in one run on a fresh local database.
import autocannon from 'autocannon'
import os from 'node:os'
import { buildWeb, prepareDatabase, servePortal } from '../scripts/portal.mjs'

const PORT = 8789
const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const base = `http://127.0.0.1:${PORT}`

buildWeb({ quiet: true })
prepareDatabase('.wrangler/bench-state', { quiet: true, fresh: true })
const { stop } = await servePortal({ port: PORT, inspectorPort: 9231, persistTo: '.wrangler/bench-state', quiet: true })

try {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email: 'owner@acme.test', password: 'trellis-demo' }),
  })
  if (!login.ok) throw new Error(`login failed: ${login.status}`)
  const cookie = /trellis_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')[0]

  const load = (path, headers = {}) =>
    autocannon({ url: `${base}${path}`, connections: CONNECTIONS, duration: DURATION, headers })

  // Warm both paths so neither pays for isolate start-up in its measurement.
  await autocannon({ url: `${base}/api/v1/health`, connections: 2, amount: 200 })
  await autocannon({ url: `${base}/api/v1/me`, connections: 2, amount: 200, headers: { cookie } })

  const health = await load('/api/v1/health')
  const me = await load('/api/v1/me', { cookie })
  const row = (name, r) => ({
    route: name,
    'req/s': Math.round(r.requests.average),
    'p50 ms': r.latency.p50,
    'p99 ms': r.latency.p99,
    errors: r.errors + r.non2xx,
  })
  console.log(`\n${new Date().toISOString()} · ${os.cpus()[0]?.model} × ${os.cpus().length} · ${CONNECTIONS} connections × ${DURATION}s each`)
  console.table([row('GET /api/v1/health', health), row('GET /api/v1/me (signed in)', me)])
  const ratio = me.requests.average / health.requests.average
  console.log(`me/health throughput ratio: ${(ratio * 100).toFixed(1)}% (target ≥ 50%)`)
  if (me.non2xx || health.non2xx) process.exitCode = 1
} finally {
  stop()
}
