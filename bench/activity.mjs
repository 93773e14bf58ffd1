// npm run bench:activity — the activity log under load, through the real portal.
// 1. Fan-out: SUBSCRIBERS live sockets on one account's log; EVENTS appended one
//    durable append at a time, paced at RATE/s (or as fast as the log takes them with
//    BENCH_RATE=max); appends/s, delivery latency (append → every subscriber) p50/p99,
//    lost and duplicated deliveries.
// 2. Search: SEARCH_EVENTS events in one log; filtered query (actor + type + text) p50/p95.
// 3. Export: CSV of the whole log, streamed; rows, seconds, and the worker process's
//    peak resident memory during the export compared with before it.
//
// Runtime (BENCH_RUNTIME): `workerd` (default) serves the built web + API workers straight
// in workerd through wrangler's own Miniflare, as Cloudflare runs them: one process, no
// proxy. `wrangler` serves them through `wrangler dev`, whose proxy worker (a second
// workerd process) relays every WebSocket frame once more.
import os from 'node:os'
import WebSocket from 'ws'
import { accountIdOf, burst, percentile, signIn, startPortal, workerdCpu, workerdRss } from './portal-session.mjs'

const PORT = Number(process.env.BENCH_PORT ?? 8789)
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9231)
const RUNTIME = process.env.BENCH_RUNTIME ?? 'workerd'
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000)
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000)
const SEARCH_EVENTS = Number(process.env.BENCH_SEARCH_EVENTS ?? 1_000_000)
/** Appends per second during the fan-out (paced, so the rate is one the log sustains); `max` = unpaced. */
const RATE = process.env.BENCH_RATE === 'max' ? undefined : Number(process.env.BENCH_RATE ?? 200)
/** Which parts to run (comma-separated): fanout, search, export. */
const PARTS = new Set((process.env.BENCH_PARTS ?? 'fanout,search,export').split(','))
const base = `http://127.0.0.1:${PORT}`

const { stop } = await startPortal({ port: PORT, inspectorPort: INSPECTOR_PORT, state: '.wrangler/bench-state', runtime: RUNTIME })

const report = []
try {
  const cookie = await signIn(base, 'owner@acme.test')

  // ---- 1. fan-out ------------------------------------------------------------
  if (PARTS.has('fanout')) {
    const acme = await accountIdOf(base, cookie, 'Acme Hosting')
    // The raw append rate first, before any subscriber connects.
    const raw = await burst(base, cookie, { accountId: acme, count: 2000, batch: 1 })
    const url = `ws://127.0.0.1:${PORT}/api/v1/accounts/${acme}/activity/live?events=1&kind=all&q=`
    // The client must stay cheap: 1,000 sockets in this process share the 2 cores with
    // workerd. Frames arrive as Buffers (no UTF-8 decode, no JSON.parse); each event's seq
    // and append time are read at their byte offsets. Every frame is checked per socket:
    // seqs must run on without a gap or a repeat, so lost and duplicated are exact.
    const SEQ = Buffer.from('"seq":')
    const TIME = Buffer.from('"time":')
    const EVENTS_FRAME = Buffer.from('{"type":"events"')
    const CAUGHT_UP = Buffer.from('"caughtUp":true')
    const readInt = (buf, at) => {
      let n = 0
      for (let c = buf[at]; c >= 48 && c <= 57; c = buf[++at]) n = n * 10 + c - 48
      return n
    }
    let firstSeq = 0 // set once the subscribers are caught up: the fan-out counts seqs above it
    const appendTime = new Float64Array(EVENTS + 1) // by seq - firstSeq
    const lastArrival = new Float64Array(EVENTS + 1) // latest arrival over all subscribers
    const firstArrival = new Float64Array(EVENTS + 1) // earliest arrival over all subscribers
    let duplicates = 0
    let outOfRange = 0
    const subscribers = []
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const sub = { received: 0, frames: 0, lastSeq: 0, lost: 0, ws: null, ready: null }
      const ws = new WebSocket(url, { headers: { cookie }, skipUTF8Validation: true, perMessageDeflate: false })
      sub.ws = ws
      sub.ready = new Promise((resolve, reject) => {
        ws.on('error', () => reject(new Error(`socket ${i} failed`)))
        ws.on('message', (buf) => {
          if (buf.indexOf(EVENTS_FRAME) !== 0) return
          const now = Date.now()
          if (!firstSeq) {
            if (buf.indexOf(CAUGHT_UP) !== -1) resolve()
            return
          }
          sub.frames++
          for (let at = buf.indexOf(SEQ); at !== -1; at = buf.indexOf(SEQ, at + 6)) {
            const seq = readInt(buf, at + 6)
            const k = seq - firstSeq
            if (k <= 0 || k > EVENTS) {
              outOfRange++
              continue
            }
            if (seq <= sub.lastSeq) duplicates++
            else {
              sub.lost += seq - sub.lastSeq - 1
              sub.lastSeq = seq
              sub.received++
            }
            if (!appendTime[k]) appendTime[k] = readInt(buf, buf.indexOf(TIME, at) + 7)
            if (lastArrival[k] < now) lastArrival[k] = now
            if (!firstArrival[k] || firstArrival[k] > now) firstArrival[k] = now
          }
        })
      })
      subscribers.push(sub)
      if (i % 100 === 99) await Promise.all(subscribers.slice(-100).map((s) => s.ready))
    }
    await Promise.all(subscribers.map((s) => s.ready))
    // Every subscriber has replayed the log; the fan-out's events come after this seq.
    const page = await (await fetch(`${base}/api/v1/accounts/${acme}/activity?kind=all&limit=1`, { headers: { cookie } })).json()
    firstSeq = page.items[0]?.seq ?? 0
    for (const s of subscribers) s.lastSeq = firstSeq
    const loadBefore = os.loadavg().map((l) => l.toFixed(1)).join(' ')
    const cpuBefore = { workerd: workerdCpu(), client: process.cpuUsage(), at: performance.now() }
    const appended = await burst(base, cookie, { accountId: acme, count: EVENTS, batch: 1, ratePerSecond: RATE })
    const deadline = Date.now() + 120_000
    while (Date.now() < deadline && !subscribers.every((s) => s.lastSeq >= firstSeq + EVENTS)) await new Promise((r) => setTimeout(r, 100))
    const clientCpu = process.cpuUsage(cpuBefore.client)
    const cpu = {
      workerd: workerdCpu() - cpuBefore.workerd,
      client: (clientCpu.user + clientCpu.system) / 1e6,
      wall: (performance.now() - cpuBefore.at) / 1000,
    }
    const latencies = []
    const firstLatencies = []
    for (let k = 1; k <= EVENTS; k++) {
      if (!appendTime[k] || !lastArrival[k]) continue
      latencies.push(lastArrival[k] - appendTime[k])
      firstLatencies.push(firstArrival[k] - appendTime[k])
    }
    const lost = subscribers.reduce((n, s) => n + s.lost + (firstSeq + EVENTS - s.lastSeq), 0)
    for (const s of subscribers) s.ws.close()
    report.push(
      `runtime: ${RUNTIME === 'wrangler' ? 'wrangler dev (proxy worker in front)' : 'workerd via Miniflare (no proxy)'}`,
      `append: ${raw.perSecond.toLocaleString('en')} durable single appends/s with no live subscribers (2,000 events)`,
      `fan-out: ${SUBSCRIBERS.toLocaleString('en')} subscribers, ${EVENTS.toLocaleString('en')} events appended one by one, ${RATE ? `paced at ${RATE}/s` : 'unpaced'} (achieved ${appended.perSecond.toLocaleString('en')}/s)`,
      `  delivery latency append → every subscriber: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${percentile(latencies, 100)} ms (target p99 < 100 ms)`,
      `  CPU during the fan-out (${cpu.wall.toFixed(1)} s): workerd ${cpu.workerd.toFixed(1)} s, this client (1 process, ${SUBSCRIBERS.toLocaleString('en')} sockets) ${cpu.client.toFixed(1)} s; load average before ${loadBefore}`,
      `  frames: ${(subscribers.reduce((n, s) => n + s.frames, 0) / SUBSCRIBERS).toFixed(0)} per socket, ${(subscribers.reduce((n, s) => n + s.received, 0) / Math.max(1, subscribers.reduce((n, s) => n + s.frames, 0))).toFixed(1)} events per frame`,
      `  append → first subscriber: p50 ${percentile(firstLatencies, 50)} ms, p99 ${percentile(firstLatencies, 99)} ms`,
      `  deliveries: ${(SUBSCRIBERS * EVENTS).toLocaleString('en')} expected, lost ${lost}, duplicated ${duplicates}${outOfRange ? `, ${outOfRange} outside the run` : ''} (target 0 and 0)`,
    )
  }

  // ---- 2. search ---------------------------------------------------------------
  const globexCookie = await signIn(base, 'owner@globex.test')
  const globex = await accountIdOf(base, globexCookie, 'Globex Partners')
  const seeded = PARTS.has('search') || PARTS.has('export') ? await burst(base, globexCookie, { accountId: globex, count: SEARCH_EVENTS, batch: 1000 }) : null
  if (PARTS.has('search')) {
    // The synthetic log gives sarah@ only page views, so the first query (the one measured
    // since issue 4) matches nothing: the worst case for a plan that walks the text matches.
    // tom@'s query returns full pages: the case where the index must feed the page.
    report.push(`search: ${SEARCH_EVENTS.toLocaleString('en')} events in one log (seeded at ${seeded.perSecond.toLocaleString('en')}/s in batches of 1,000)`)
    for (const actor of ['sarah@acme.test', 'tom@acme.test']) {
      const timings = []
      let items = 0
      for (let i = 0; i < 100; i++) {
        const q = ['firewall', 'certificate', 'backup quota', 'dns record', 'migrated'][i % 5]
        const started = performance.now()
        const res = await fetch(`${base}/api/v1/accounts/${globex}/activity?actor=${actor}&type=update_server,server_action,update_license&q=${encodeURIComponent(q)}&limit=50`, { headers: { cookie: globexCookie } })
        items += (await res.json()).items.length
        timings.push(performance.now() - started)
      }
      report.push(
        `  ${actor} + 3 types + text, 50 per page, 100 queries (${(items / 100).toFixed(1)} rows each on average): p50 ${percentile(timings, 50).toFixed(1)} ms, p95 ${percentile(timings, 95).toFixed(1)} ms (target p95 < 50 ms)`,
      )
    }
  }

  // ---- 3. export ---------------------------------------------------------------
  if (PARTS.has('export')) {
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
  }
} finally {
  await stop()
}
console.log(`\n${new Date().toISOString()} · ${os.cpus()[0]?.model} × ${os.cpus().length} · node ${process.version}`)
console.log(report.join('\n'))
