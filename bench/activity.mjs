// npm run bench:activity — the activity log under load, through the real portal.
// 1. Fan-out: SUBSCRIBERS live sockets on one account's log; EVENTS appended one
//    durable append at a time as fast as the log takes them; appends/s, delivery
//    latency (append → every subscriber) p50/p99, lost and duplicated deliveries.
// 2. Search: SEARCH_EVENTS events in one log; filtered query (actor + type + text) p50/p95.
// 3. Export: CSV of the whole log, streamed; rows, seconds, and the worker process's
//    peak resident memory during the export compared with before it.
import { execFileSync } from 'node:child_process'
import http from 'node:http'
import os from 'node:os'
import { buildWeb, prepareDatabase, servePortal } from '../scripts/portal.mjs'

const PORT = 8789
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000)
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000)
const SEARCH_EVENTS = Number(process.env.BENCH_SEARCH_EVENTS ?? 1_000_000)
/** Appends per second during the fan-out (paced, so the rate is one the log sustains). */
const RATE = Number(process.env.BENCH_RATE ?? 200)
const base = `http://127.0.0.1:${PORT}`

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

buildWeb({ quiet: true })
prepareDatabase('.wrangler/bench-state', { quiet: true, fresh: true })
const { stop, child } = await servePortal({ port: PORT, inspectorPort: 9231, persistTo: '.wrangler/bench-state', quiet: true })

async function signIn(email) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email, password: 'trellis-demo' }),
  })
  return /trellis_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')[0]
}

async function accountIdOf(cookie, name) {
  const me = await (await fetch(`${base}/api/v1/me`, { headers: { cookie } })).json()
  return me.accounts.find((a) => a.name === name).id
}

/** Append synthetic events through the dev route (node:http: no client timeout, a burst may take minutes). */
function burst(cookie, accountId, count, batch, ratePerSecond) {
  const body = JSON.stringify({ accountId, count, batch, ratePerSecond })
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/dev/activity/burst`, { method: 'POST', headers: { cookie, origin: base, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`burst: ${res.statusCode} ${text}`))))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Resident memory (KiB) of all workerd processes serving this port's portal. */
function workerdRss() {
  const out = execFileSync('ps', ['-e', '-o', 'rss=,args='], { encoding: 'utf8' })
  return out
    .split('\n')
    .filter((l) => l.includes('workerd') && l.includes('serve'))
    .reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0]), 0)
}

const report = []
try {
  const cookie = await signIn('owner@acme.test')

  // ---- 1. fan-out ------------------------------------------------------------
  const acme = await accountIdOf(cookie, 'Acme Hosting')
  // The raw append rate first, before any subscriber connects.
  const raw = await burst(cookie, acme, 2000, 1)
  const url = `ws://127.0.0.1:${PORT}/api/v1/accounts/${acme}/activity/live?events=1&kind=all&q=`
  const subscribers = []
  const lastArrival = new Map() // seq → latest arrival (ms) over all subscribers
  const eventTime = new Map()
  let duplicates = 0
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const seen = new Set()
    const ws = new WebSocket(url, { headers: { cookie } })
    const ready = new Promise((resolve, reject) => {
      ws.onerror = () => reject(new Error(`socket ${i} failed`))
      ws.onmessage = (m) => {
        const text = String(m.data)
        if (!text.startsWith('{"type":"events"')) return
        if (text.includes('"caughtUp":true')) resolve()
        const now = Date.now()
        for (const match of text.matchAll(/"seq":(\d+),"id":"[^"]*","time":(\d+)/g)) {
          const seq = Number(match[1])
          if (seen.has(seq)) duplicates++
          seen.add(seq)
          eventTime.set(seq, Number(match[2]))
          if ((lastArrival.get(seq) ?? 0) < now) lastArrival.set(seq, now)
        }
      }
    })
    subscribers.push({ ws, seen, ready })
    if (i % 100 === 99) await Promise.all(subscribers.slice(-100).map((s) => s.ready))
  }
  await Promise.all(subscribers.map((s) => s.ready))
  const appended = await burst(cookie, acme, EVENTS, 1, RATE)
  const deadline = Date.now() + 120_000
  const expected = (s) => s.seen.size >= EVENTS
  while (Date.now() < deadline && !subscribers.every(expected)) await new Promise((r) => setTimeout(r, 100))
  const latencies = [...lastArrival.entries()].map(([seq, at]) => at - eventTime.get(seq))
  const lost = subscribers.reduce((n, s) => n + (EVENTS - s.seen.size), 0)
  for (const s of subscribers) s.ws.close()
  report.push(
    `append: ${raw.perSecond.toLocaleString('en')} durable single appends/s with no live subscribers (2,000 events)`,
    `fan-out: ${SUBSCRIBERS.toLocaleString('en')} subscribers, ${EVENTS.toLocaleString('en')} events appended one by one, paced at ${RATE}/s (achieved ${appended.perSecond.toLocaleString('en')}/s)`,
    `  delivery latency append → every subscriber: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms (target p99 < 100 ms)`,
    `  deliveries: ${(SUBSCRIBERS * EVENTS).toLocaleString('en')} expected, lost ${lost}, duplicated ${duplicates} (target 0 and 0)`,
  )

  // ---- 2. search ---------------------------------------------------------------
  const globex = await accountIdOf(await signIn('owner@globex.test'), 'Globex Partners')
  const globexCookie = await signIn('owner@globex.test')
  const seeded = await burst(globexCookie, globex, SEARCH_EVENTS, 1000)
  const timings = []
  for (let i = 0; i < 100; i++) {
    const q = ['firewall', 'certificate', 'backup quota', 'dns record', 'migrated'][i % 5]
    const started = performance.now()
    const res = await fetch(`${base}/api/v1/accounts/${globex}/activity?actor=sarah@acme.test&type=update_server,server_action,update_license&q=${encodeURIComponent(q)}&limit=50`, { headers: { cookie: globexCookie } })
    await res.json()
    timings.push(performance.now() - started)
  }
  report.push(
    `search: ${SEARCH_EVENTS.toLocaleString('en')} events in one log (seeded at ${seeded.perSecond.toLocaleString('en')}/s in batches of 1,000)`,
    `  actor + type + text query, 50 per page, 100 queries: p50 ${percentile(timings, 50).toFixed(1)} ms, p95 ${percentile(timings, 95).toFixed(1)} ms (target p95 < 50 ms)`,
  )

  // ---- 3. export ---------------------------------------------------------------
  const before = workerdRss()
  let peak = before
  const sampler = setInterval(() => (peak = Math.max(peak, workerdRss())), 250)
  const started = performance.now()
  const res = await fetch(`${base}/api/v1/accounts/${globex}/activity/export?format=csv&kind=all`, { headers: { cookie: globexCookie } })
  let bytes = 0
  let rows = 0
  for await (const chunk of res.body) {
    bytes += chunk.length
    for (const b of chunk) if (b === 10) rows++
  }
  clearInterval(sampler)
  const seconds = (performance.now() - started) / 1000
  report.push(
    `export: CSV of ${(rows - 1).toLocaleString('en')} rows (${(bytes / 1e6).toFixed(0)} MB) in ${seconds.toFixed(1)} s`,
    `  workerd resident memory: ${(before / 1024).toFixed(0)} MiB before, peak ${(peak / 1024).toFixed(0)} MiB during (+${((peak - before) / 1024).toFixed(0)} MiB for ${(bytes / 1e6).toFixed(0)} MB streamed)`,
  )
} finally {
  stop()
}
console.log(`\n${new Date().toISOString()} · ${os.cpus()[0]?.model} × ${os.cpus().length} · node ${process.version}`)
console.log(report.join('\n'))
void child
