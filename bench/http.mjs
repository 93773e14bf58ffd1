// npm run bench: requests/s and latency of GET /api/v1/health, of an
// authenticated GET /api/v1/me, and of one account read (GET /api/v1/accounts/{id})
// with a session cookie and with an API key (keys have no /me: it is a person's),
// through the same origin users hit (web worker → service binding → API worker),
// in one run on a fresh local database.
import autocannon from 'autocannon'
import os from 'node:os'
import { signIn, startPortal } from './portal-session.mjs'
import { DEMO_API_KEY, demoId } from '../db/seed/demo.ts'

const PORT = Number(process.env.BENCH_PORT ?? 8789)
const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const base = `http://127.0.0.1:${PORT}`

const { stop } = await startPortal({ port: PORT, inspectorPort: Number(process.env.BENCH_INSPECTOR_PORT ?? 9231), state: '.wrangler/bench-state', runtime: 'wrangler' })

try {
  const cookie = await signIn(base, 'owner@acme.test')

  const load = (path, headers = {}) =>
    autocannon({ url: `${base}${path}`, connections: CONNECTIONS, duration: DURATION, headers })

  // Warm both paths so neither pays for isolate start-up in its measurement.
  await autocannon({ url: `${base}/api/v1/health`, connections: 2, amount: 200 })
  await autocannon({ url: `${base}/api/v1/me`, connections: 2, amount: 200, headers: { cookie } })
  const account = `/api/v1/accounts/${demoId('acc', DEMO_API_KEY.account)}`
  const bearer = { authorization: `Bearer ${DEMO_API_KEY.key}` }
  await autocannon({ url: `${base}${account}`, connections: 2, amount: 200, headers: { cookie } })
  await autocannon({ url: `${base}${account}`, connections: 2, amount: 200, headers: bearer })

  const health = await load('/api/v1/health')
  const me = await load('/api/v1/me', { cookie })
  const withCookie = await load(account, { cookie })
  const withKey = await load(account, bearer)
  const row = (name, r) => ({
    route: name,
    'req/s': Math.round(r.requests.average),
    'p50 ms': r.latency.p50,
    'p99 ms': r.latency.p99,
    errors: r.errors + r.non2xx,
  })
  console.log(`\n${new Date().toISOString()} · ${os.cpus()[0]?.model} × ${os.cpus().length} · ${CONNECTIONS} connections × ${DURATION}s each`)
  console.table([
    row('GET /api/v1/health', health),
    row('GET /api/v1/me (signed in)', me),
    row('GET /api/v1/accounts/{id} (cookie)', withCookie),
    row('GET /api/v1/accounts/{id} (API key)', withKey),
  ])
  const ratio = me.requests.average / health.requests.average
  console.log(`me/health throughput ratio: ${(ratio * 100).toFixed(1)}% (target ≥ 50%)`)
  const keyRatio = withKey.requests.average / withCookie.requests.average
  console.log(`API key/cookie throughput ratio on the account read: ${(keyRatio * 100).toFixed(1)}% (target ≥ 90%)`)
  if (me.non2xx || health.non2xx || withCookie.non2xx || withKey.non2xx) process.exitCode = 1
} finally {
  stop()
}
