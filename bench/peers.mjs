// npm run bench:peers — Trellis beside what a user would pick instead, in the same run on
// the same workerd (wrangler's own Miniflare, as bench:activity): "who am I and what are my
// organisations" for a signed-in person with three organisations.
//
// - better-auth (pinned devDependency) with its organization plugin on D1, set up as its
//   documentation recommends (bench/peers/better-auth/worker.ts). Its way to answer the
//   question: GET /api/auth/get-session (user + session) then GET
//   /api/auth/organization/list (the user's organisations), one after the other.
// - Trellis: GET /api/v1/me (user + every account with level, roles and parent), once on
//   the API worker's own socket (like better-auth's: no web worker in front) and once
//   through the web worker (what a browser hits).
//
// Each side gets its own D1 database in the same workerd process; each peer its own socket.
// Measured: latency of one whole answer (1 connection, sequential, keep-alive), then
// throughput (CONNECTIONS connections × SECONDS s, autocannon); ROUNDS rounds in
// alternating order, medians. Same machine, same run.
import autocannon from 'autocannon'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { buildWeb, prepareDatabase, root } from '../scripts/portal.mjs'
import { bundle, serveWorkerd } from './workerd-portal.mjs'

const PORT = Number(process.env.BENCH_PORT ?? 8789)
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9231)
const API_PORT = Number(process.env.BENCH_API_PORT ?? PORT + 1)
const PEER_PORT = Number(process.env.BENCH_PEER_PORT ?? PORT + 2)
const STATE = '.wrangler/bench-peers-state'
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 300)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const ORGS = ['Bluebird Bakery', 'Copperleaf Studio', 'Evergreen Legal']

const web = `http://127.0.0.1:${PORT}`
const apiDirect = `http://127.0.0.1:${API_PORT}`
const peer = `http://127.0.0.1:${PEER_PORT}`

buildWeb({ quiet: true })
prepareDatabase(STATE, { quiet: true, fresh: true })
// Sam (two customers in the demo data) gets a third, so both sides list three organisations.
const extra = spawnSync(
  'wrangler',
  ['d1', 'execute', 'DB', '--local', '--persist-to', STATE, '-c', 'wrangler.toml', '--command',
    `INSERT INTO memberships (id, user_id, account_id, level) SELECT 'mem_bench_sam', u.id, a.id, 'user' FROM users u, accounts a WHERE u.email = 'sam@freelance.test' AND a.name = 'Copperleaf Studio';
     INSERT INTO membership_roles (membership_id, role_id) VALUES ('mem_bench_sam', 'technical');`],
  { cwd: root, stdio: 'pipe', env: { ...process.env, CI: 'true' } },
)
if (extra.status !== 0) throw new Error(`seeding failed: ${extra.stdout}${extra.stderr}`)

const peerScript = bundle('bench/peers/better-auth/wrangler.toml', path.join(root, '.wrangler', 'bench-build', 'peer-better-auth'))
const { stop } = await serveWorkerd({
  port: PORT,
  inspectorPort: INSPECTOR_PORT,
  persistTo: STATE,
  apiPort: API_PORT,
  peers: [
    {
      name: 'peer-better-auth',
      modules: true,
      scriptPath: peerScript,
      bindings: { BETTER_AUTH_URL: peer, BETTER_AUTH_SECRET: randomBytes(32).toString('base64') },
      d1Databases: { DB: 'peer-better-auth' },
      port: PEER_PORT,
    },
  ],
})

/** The cookie pairs a response sets, as one Cookie header. */
const cookiesOf = (res) => res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')

async function call(url, init = {}) {
  const res = await fetch(url, init)
  const text = await res.text()
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${text}`)
  return { res, json: text ? JSON.parse(text) : null }
}
const post = (url, body, cookie) =>
  call(url, { method: 'POST', headers: { 'content-type': 'application/json', origin: new URL(url).origin, ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) })

/** `count` answers one after another on one keep-alive connection; each answer is `paths` in turn. */
function sequential(base, paths, cookie, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const get = (p) =>
    new Promise((resolve, reject) => {
      http
        .get(`${base}${p}`, { agent, headers: { cookie } }, (res) => {
          res.on('data', () => {})
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${p}: ${res.statusCode}`))))
        })
        .on('error', reject)
    })
  return (async () => {
    const times = []
    for (let i = 0; i < count; i++) {
      const start = process.hrtime.bigint()
      for (const p of paths) await get(p)
      times.push(Number(process.hrtime.bigint() - start) / 1e6)
    }
    agent.destroy()
    times.sort((a, b) => a - b)
    const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))]
    return { p50: at(0.5), p99: at(0.99) }
  })()
}

/** Throughput of whole answers: autocannon cycles through `paths` on each connection. */
async function throughput(base, paths, cookie) {
  const requests = paths.map((p) => ({ method: 'GET', path: p }))
  const result = await autocannon({ url: base, connections: CONNECTIONS, duration: SECONDS, headers: { cookie }, requests })
  const errors = result.errors + result.non2xx
  return { answers: result.requests.average / paths.length, errors }
}

try {
  // better-auth: its tables, one user signing up, three organisations, a fresh sign-in.
  await call(`${peer}/migrate`, { method: 'POST' })
  const email = 'sam@peer.test'
  const password = 'a long enough bench password'
  const signup = await post(`${peer}/api/auth/sign-up/email`, { email, password, name: 'Sam Rivera' })
  for (const name of ORGS) await post(`${peer}/api/auth/organization/create`, { name, slug: name.toLowerCase().replace(/\W+/g, '-') }, cookiesOf(signup.res))
  const signin = await post(`${peer}/api/auth/sign-in/email`, { email, password })
  const peerCookie = cookiesOf(signin.res)
  const session = (await call(`${peer}/api/auth/get-session`, { headers: { cookie: peerCookie } })).json
  const orgs = (await call(`${peer}/api/auth/organization/list`, { headers: { cookie: peerCookie } })).json
  if (session?.user?.email !== email || orgs.length !== ORGS.length) throw new Error(`better-auth set-up: ${JSON.stringify({ session, orgs })}`)

  // Trellis: Sam signs in through the portal; the same cookie works on the API's own socket.
  const login = await post(`${web}/api/v1/auth/login`, { email: 'sam@freelance.test', password: 'trellis-demo' })
  const trellisCookie = /trellis_session=[^;]+/.exec(login.res.headers.get('set-cookie') ?? '')[0]
  for (const base of [web, apiDirect]) {
    const me = (await call(`${base}/api/v1/me`, { headers: { cookie: trellisCookie } })).json
    if (me.accounts.length !== ORGS.length) throw new Error(`Trellis /me at ${base}: ${me.accounts.length} accounts`)
  }

  const sides = [
    { label: 'better-auth: get-session + organization/list', base: peer, paths: ['/api/auth/get-session', '/api/auth/organization/list'], cookie: peerCookie },
    { label: 'Trellis: GET /api/v1/me (API worker socket)', base: apiDirect, paths: ['/api/v1/me'], cookie: trellisCookie },
    { label: 'Trellis: GET /api/v1/me (through the web worker)', base: web, paths: ['/api/v1/me'], cookie: trellisCookie },
    { label: 'better-auth: get-session alone', base: peer, paths: ['/api/auth/get-session'], cookie: peerCookie },
    { label: 'better-auth: organization/list alone', base: peer, paths: ['/api/auth/organization/list'], cookie: peerCookie },
  ]
  // Warm both isolates.
  for (const s of sides) await sequential(s.base, s.paths, s.cookie, 50)

  const load = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim()
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim()
  console.log(`\n${new Date().toISOString()} · commit ${commit} · load ${load} · better-auth ${JSON.parse(readFileSync(path.join(root, 'node_modules', 'better-auth', 'package.json'), 'utf8')).version}`)
  // Rounds in alternating order (forward, backward, …), so a change of load on the shared
  // machine falls on every side alike; each figure is the median over the rounds.
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const runs = sides.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    const order = sides.map((_, i) => i)
    if (round % 2) order.reverse()
    for (const i of order) {
      const s = sides[i]
      runs[i].push({ ...(await sequential(s.base, s.paths, s.cookie, SEQUENTIAL)), ...(await throughput(s.base, s.paths, s.cookie)) })
    }
  }
  const results = sides.map((s, i) => ({
    ...s,
    p50: median(runs[i].map((r) => r.p50)),
    p99: median(runs[i].map((r) => r.p99)),
    answers: median(runs[i].map((r) => r.answers)),
    errors: runs[i].reduce((n, r) => n + r.errors, 0),
  }))
  for (const r of results) {
    console.log(`${r.label.padEnd(52)} one answer p50 ${r.p50.toFixed(2)} ms p99 ${r.p99.toFixed(2)} ms · ${Math.round(r.answers)} answers/s (${CONNECTIONS} conn × ${SECONDS} s) · errors ${r.errors}`)
  }
  const [ba, direct, viaWeb] = results
  console.log(`\nTrellis /me (API socket) vs better-auth: ${(direct.answers / ba.answers).toFixed(2)}× the answers/s, p50 ${(direct.p50 / ba.p50).toFixed(2)}× the time`)
  console.log(`Trellis /me (via web worker) vs better-auth: ${(viaWeb.answers / ba.answers).toFixed(2)}× the answers/s, p50 ${(viaWeb.p50 / ba.p50).toFixed(2)}× the time`)
  console.log(`load after: ${spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim()}`)
} finally {
  await stop()
}
