// What the benchmarks that drive the built portal share: starting it (the web build, a seeded
// database, the workers in workerd through Miniflare or under `wrangler dev`), signing in as a
// demo login, appending synthetic events through the dev route, and reading the CPU and memory
// of the workerd processes a benchmark started.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { buildWeb, prepareDatabase, servePortal } from '../scripts/portal.mjs'
import { serveWorkerd } from './workerd-portal.mjs'

/**
 * Build the web app (unless `build` is false), seed the database kept in `state` (a fresh one,
 * or with `fresh: false` the kept one with the migrations added since), run `seed()` for a
 * benchmark's own rows, and serve the portal on 127.0.0.1:port — in workerd (`runtime:
 * 'workerd'`, the default; the other options go to serveWorkerd) or under `wrangler dev`
 * (`runtime: 'wrangler'`). Resolves to `{ stop }`.
 */
export async function startPortal({ port, inspectorPort, state, fresh = true, build = true, seed, runtime = 'workerd', ...options }) {
  if (build) buildWeb({ quiet: true })
  prepareDatabase(state, { quiet: true, fresh })
  seed?.()
  return runtime === 'wrangler'
    ? servePortal({ port, inspectorPort, persistTo: state, quiet: true })
    : serveWorkerd({ port, inspectorPort, persistTo: state, ...options })
}

/** Sign a demo login in; resolves to its session cookie (`trellis_session=…`). */
export async function signIn(base, email, password = 'trellis-demo') {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email, password }),
  })
  const cookie = /trellis_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0]
  if (res.status !== 200 || !cookie) throw new Error(`login ${email}: ${res.status} ${await res.text()}`)
  return cookie
}

/** The id of the signed-in person's account called `name`. */
export async function accountIdOf(base, cookie, name) {
  const me = await (await fetch(`${base}/api/v1/me`, { headers: { cookie } })).json()
  return me.accounts.find((a) => a.name === name).id
}

/** POST `body` as JSON through node:http (no client timeout: a burst may take minutes); resolves to the 200 answer's JSON. */
export function postJson(base, path, cookie, body) {
  const text = JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const headers = { ...(cookie && { cookie }), origin: base, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }
    const req = http.request(`${base}${path}`, { method: 'POST', headers }, (res) => {
      let out = ''
      res.on('data', (d) => (out += d))
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(out)) : reject(new Error(`${path}: ${res.statusCode} ${out}`))))
    })
    req.on('error', reject)
    req.end(text)
  })
}

/** Append synthetic events to an account's log through the dev route: `{ accountId, count, batch, ratePerSecond? }`; resolves to `{ perSecond, … }`. */
export const burst = (base, cookie, options) => postJson(base, '/api/dev/activity/burst', cookie, options)

/** The workerd processes this benchmark started (its descendants), with RSS (KiB). */
function ourWorkerd() {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,rss=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [pid, ppid, rss, ...args] = l.trim().split(/\s+/)
      return { pid: Number(pid), ppid: Number(ppid), rss: Number(rss), args: args.join(' ') }
    })
  const ours = new Set([process.pid])
  for (let grew = true; grew; ) {
    grew = false
    for (const r of rows) if (!ours.has(r.pid) && ours.has(r.ppid)) (ours.add(r.pid), (grew = true))
  }
  return rows.filter((r) => ours.has(r.pid) && r.args.includes('workerd'))
}

/** Resident memory (KiB) of our workerd processes. */
export const workerdRss = () => ourWorkerd().reduce((sum, r) => sum + r.rss, 0)

/** CPU seconds (user + system) spent so far by our workerd processes. */
export function workerdCpu() {
  const tick = 100 // USER_HZ on Linux
  return ourWorkerd().reduce((sum, r) => {
    try {
      const fields = readFileSync(`/proc/${r.pid}/stat`, 'utf8').split(') ')[1].split(' ')
      return sum + (Number(fields[11]) + Number(fields[12])) / tick
    } catch {
      return sum
    }
  }, 0)
}

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}
