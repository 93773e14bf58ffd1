// npm run bench:fanout — the live fan-out through relay objects (docs/decisions/029), in
// workerd through Miniflare (one process, as bench:activity runs it).
// 1. Relays: SUBSCRIBERS live sockets (default 10,000) on one reseller's log, spread over
//    LIVE_RELAYS relays (BENCH_RELAYS, a comma-separated list: one run per value, each on a
//    fresh server); EVENTS appended one durable append at a time at RATE/s. Reports delivery
//    latency append → last subscriber (p50/p99), lost and duplicated deliveries, and workerd
//    CPU per delivered frame and per relay publish, so the production figure can be computed.
// 2. Bare minimum (BENCH_PARTS includes `bare`): in the same workerd, a bare Durable Object
//    that only batches events on the same 50 ms tick and broadcasts each frame to BARE_SUBSCRIBERS
//    sockets (default 1,000), against Trellis's live fan-out to as many sockets, same events and
//    rate: workerd CPU per delivered frame, Trellis / bare.
import { execFileSync } from 'node:child_process'
import os from 'node:os'
import WebSocket from 'ws'
import { accountIdOf, burst as append, percentile, postJson, signIn, startPortal, workerdCpu } from './portal-session.mjs'

const PORT = Number(process.env.BENCH_PORT ?? 8801)
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9251)
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 10_000)
const BARE_SUBSCRIBERS = Number(process.env.BENCH_BARE_SUBSCRIBERS ?? 1000)
const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000)
const RATE = Number(process.env.BENCH_RATE ?? 200)
const RELAYS = (process.env.BENCH_RELAYS ?? '16').split(',').map(Number)
const PARTS = new Set((process.env.BENCH_PARTS ?? 'relays,bare').split(','))
const base = `http://127.0.0.1:${PORT}`

/**
 * The bare minimum: one Durable Object holding hibernatable sockets that batches events on
 * a 50 ms tick (as Trellis's log does) and sends each frame to every socket. No storage, no
 * rights, no filters, no proxy worker in front: only the broadcast.
 */
const BARE = `
const WORDS = ['firewall', 'certificate', 'backup', 'quota', 'dns', 'record', 'migrated', 'mailbox', 'restart', 'license']
export class Bare {
  constructor(ctx) { this.ctx = ctx; this.batch = []; this.timer = null; this.seq = 0 }
  flush() {
    this.timer = null
    const frame = JSON.stringify({ type: 'events', events: this.batch })
    this.batch = []
    for (const ws of this.ctx.getWebSockets()) ws.send(frame)
  }
  async fetch(request) {
    const url = new URL(request.url)
    if (url.pathname === '/bare/ws') {
      const pair = new WebSocketPair()
      this.ctx.acceptWebSocket(pair[1])
      return new Response(null, { status: 101, webSocket: pair[0] })
    }
    const { count, rate } = await request.json()
    this.seq = 0
    const started = performance.now()
    for (let i = 0; i < count; i++) {
      const wait = started + (i / rate) * 1000 - performance.now()
      if (wait > 1) await new Promise((r) => setTimeout(r, wait))
      const actor = 'sarah@acme.test'
      this.batch.push({ seq: ++this.seq, id: 'acc_bare:' + this.seq, time: Date.now(), accountId: 'acc_bare', accountPath: '/acc_platform/acc_bare/', type: 'server_action', kind: 'action',
        actor: { id: 'usr_bench_' + (i % 7), email: actor }, impersonator: null, subject: null, target: { kind: 'service', id: 'svc_bench_' + (i % 1000), label: 'bench-' + (i % 1000) },
        description: actor + ' ' + WORDS[i % 10] + ' ' + WORDS[(i * 7) % 10] + ' #' + i, ip: '127.0.0.1', userAgent: 'bench' })
      this.timer ??= setTimeout(() => this.flush(), 50)
    }
    return Response.json({ perSecond: Math.round(count / ((performance.now() - started) / 1000)) })
  }
  webSocketClose(ws) { try { ws.close(1000, 'bye') } catch {} }
}
export default { fetch: (request, env) => env.BARE.get(env.BARE.idFromName('bare')).fetch(request) }
`

// The client must stay cheap (thousands of sockets share the 2 cores with workerd): frames stay
// Buffers; each event's seq and append time are read at their byte offsets. Per socket, seqs
// must run on without a gap or a repeat, so lost and duplicated are exact.
const SEQ = Buffer.from('"seq":')
const TIME = Buffer.from('"time":')
const EVENTS_FRAME = Buffer.from('{"type":"events"')
const CAUGHT_UP = Buffer.from('"caughtUp":true')
const readInt = (buf, at) => {
  let n = 0
  for (let c = buf[at]; c >= 48 && c <= 57; c = buf[++at]) n = n * 10 + c - 48
  return n
}

/**
 * Open `count` sockets to `url`, `waitCaughtUp`: Trellis's replay frame marks each ready.
 * Returns a run object: call `start(firstSeq)` before the events and `result()` after.
 */
async function subscribers(url, headers, count, waitCaughtUp) {
  let firstSeq = -1
  const appendTime = new Float64Array(EVENTS + 1)
  const lastArrival = new Float64Array(EVENTS + 1)
  let duplicates = 0
  const subs = []
  /** Open one socket; a handshake the loaded machine drops is tried again (up to 3 times). */
  const open = (sub, i, attempt = 1) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, skipUTF8Validation: true, perMessageDeflate: false })
      sub.ws = ws
      let opened = false
      ws.on('error', (e) => {
        if (opened) return
        if (attempt < 3) setTimeout(() => open(sub, i, attempt + 1).then(resolve, reject), 500)
        else reject(new Error(`socket ${i} failed: ${e.message}`))
      })
      ws.on('open', () => {
        opened = true
        sub.retries += attempt - 1
        if (!waitCaughtUp) resolve()
      })
      ws.on('close', () => {
        if (opened && firstSeq >= 0) sub.closed = true
      })
      ws.on('message', (buf) => {
        if (buf.indexOf(EVENTS_FRAME) !== 0) return
        const now = Date.now()
        if (firstSeq < 0) {
          if (buf.indexOf(CAUGHT_UP) !== -1) resolve()
          return
        }
        sub.frames++
        for (let at = buf.indexOf(SEQ); at !== -1; at = buf.indexOf(SEQ, at + 6)) {
          const seq = readInt(buf, at + 6)
          const k = seq - firstSeq
          if (k <= 0 || k > EVENTS) continue
          if (seq <= sub.lastSeq) duplicates++
          else {
            sub.lost += seq - sub.lastSeq - 1
            sub.lastSeq = seq
            sub.received++
          }
          if (!appendTime[k]) appendTime[k] = readInt(buf, buf.indexOf(TIME, at) + 7)
          if (lastArrival[k] < now) lastArrival[k] = now
        }
      })
    })
  for (let i = 0; i < count; i++) {
    const sub = { received: 0, frames: 0, lastSeq: 0, lost: 0, retries: 0, closed: false }
    sub.ready = open(sub, i)
    subs.push(sub)
    if (i % 200 === 199) await Promise.all(subs.slice(-200).map((s) => s.ready))
  }
  await Promise.all(subs.map((s) => s.ready))
  return {
    start(seq) {
      firstSeq = seq
      for (const s of subs) s.lastSeq = seq
    },
    async finish() {
      const deadline = Date.now() + 120_000
      while (Date.now() < deadline && !subs.every((s) => s.lastSeq >= firstSeq + EVENTS)) await new Promise((r) => setTimeout(r, 100))
    },
    result() {
      const latencies = []
      for (let k = 1; k <= EVENTS; k++) if (appendTime[k] && lastArrival[k]) latencies.push(lastArrival[k] - appendTime[k])
      const frames = subs.reduce((n, s) => n + s.frames, 0)
      return {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: percentile(latencies, 100),
        lost: subs.reduce((n, s) => n + s.lost + (firstSeq + EVENTS - s.lastSeq), 0),
        duplicates,
        frames,
        framesPerSocket: frames / subs.length,
        retries: subs.reduce((n, s) => n + s.retries, 0),
        closed: subs.filter((s) => s.closed).length,
      }
    },
    close() {
      for (const s of subs) s.ws.close()
    },
  }
}

/** Run the events against a set of subscribers; CPU of workerd and of this client meanwhile. */
async function measure(subs, firstSeq, drive) {
  subs.start(firstSeq)
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ')
  const before = { workerd: workerdCpu(), client: process.cpuUsage(), at: performance.now() }
  const driven = await drive()
  await subs.finish()
  const client = process.cpuUsage(before.client)
  const cpu = { workerd: workerdCpu() - before.workerd, client: (client.user + client.system) / 1e6, wall: (performance.now() - before.at) / 1000 }
  return { ...subs.result(), cpu, load, perSecond: driven.perSecond }
}

async function lastSeqOf(cookie, account) {
  const page = await (await fetch(`${base}/api/v1/accounts/${account}/activity?kind=all&limit=1`, { headers: { cookie } })).json()
  return page.items[0]?.seq ?? 0
}

const fmt = (n) => n.toLocaleString('en')
const report = []
/** Print each part as it finishes (a long run stopped midway keeps what it measured) and again at the end. */
const say = (...lines) => (console.log(lines.join("\n")), report.push(...lines))
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()

for (const [run, relays] of RELAYS.entries()) {
  // Built once; each run on a fresh database.
  const { stop } = await startPortal({
    port: PORT,
    inspectorPort: INSPECTOR_PORT,
    state: '.wrangler/bench-fanout',
    build: run === 0,
    bindings: { LIVE_RELAYS: String(relays) },
    extraWorkers: [{ name: 'bare', modules: true, script: BARE, routes: ['*/bare/*'], durableObjects: { BARE: { className: 'Bare', useSQLite: false } } }],
  })
  try {
    const cookie = await signIn(base, 'owner@acme.test')
    const acme = await accountIdOf(base, cookie, 'Acme Hosting')
    const url = `ws://127.0.0.1:${PORT}/api/v1/accounts/${acme}/activity/live?events=1&kind=all&q=`
    const burst = () => append(base, cookie, { accountId: acme, count: EVENTS, batch: 1, ratePerSecond: RATE })
    // Appends alone (no socket) for the same events: what Trellis spends per event before any fan-out.
    const quiet = { before: workerdCpu() }
    await burst()
    quiet.cpu = workerdCpu() - quiet.before

    if (PARTS.has('bare') && run === 0) {
      // Trellis's live fan-out to BARE_SUBSCRIBERS sockets, then the bare broadcaster to as many.
      const trellisSubs = await subscribers(url, { cookie }, BARE_SUBSCRIBERS, true)
      const t = await measure(trellisSubs, await lastSeqOf(cookie, acme), burst)
      trellisSubs.close()
      await new Promise((r) => setTimeout(r, 2000))
      const bareSubs = await subscribers(`ws://127.0.0.1:${PORT}/bare/ws`, {}, BARE_SUBSCRIBERS, false)
      const b = await measure(bareSubs, 0, () => postJson(base, '/bare/run', null, { count: EVENTS, rate: RATE }))
      bareSubs.close()
      const perFrame = (x) => (x.cpu.workerd * 1e6) / x.frames
      const tFanout = ((t.cpu.workerd - quiet.cpu) * 1e6) / t.frames
      say(
        `bare vs Trellis: ${fmt(BARE_SUBSCRIBERS)} sockets, ${fmt(EVENTS)} events at ${RATE}/s, same workerd (LIVE_RELAYS=${relays})`,
        `  Trellis: ${t.framesPerSocket.toFixed(0)} frames per socket, p99 ${t.p99} ms, lost ${t.lost}, duplicated ${t.duplicates}; workerd ${t.cpu.workerd.toFixed(2)} s = ${perFrame(t).toFixed(1)} µs per frame all in, ${tFanout.toFixed(1)} µs above the appends (load ${t.load})`,
        `  bare:    ${b.framesPerSocket.toFixed(0)} frames per socket, p99 ${b.p99} ms, lost ${b.lost}, duplicated ${b.duplicates}; workerd ${b.cpu.workerd.toFixed(2)} s = ${perFrame(b).toFixed(1)} µs per frame (load ${b.load})`,
        `  Trellis / bare per delivered frame: ${(perFrame(t) / perFrame(b)).toFixed(2)}× all in, ${(tFanout / perFrame(b)).toFixed(2)}× for the fan-out alone (aim ≤ 1.5×)`,
        // Frames carry as many events as arrived within a tick, so the count differs with load: per delivered event too.
        `  per delivered event (socket × event): Trellis ${((t.cpu.workerd * 1e6) / (BARE_SUBSCRIBERS * EVENTS)).toFixed(2)} µs all in, ${(((t.cpu.workerd - quiet.cpu) * 1e6) / (BARE_SUBSCRIBERS * EVENTS)).toFixed(2)} µs above the appends; bare ${((b.cpu.workerd * 1e6) / (BARE_SUBSCRIBERS * EVENTS)).toFixed(2)} µs`,
      )
    }
    if (PARTS.has('relays')) {
      const opened = performance.now()
      const subs = await subscribers(url, { cookie }, SUBSCRIBERS, true)
      const openSeconds = (performance.now() - opened) / 1000
      const r = await measure(subs, await lastSeqOf(cookie, acme), burst)
      subs.close()
      const delivered = r.frames
      const publishes = (delivered / SUBSCRIBERS) * Math.min(relays || 1, SUBSCRIBERS)
      say(
        `relays: ${fmt(SUBSCRIBERS)} subscribers over LIVE_RELAYS=${relays}, ${fmt(EVENTS)} events at ${RATE}/s (achieved ${fmt(r.perSecond)}/s); sockets opened in ${openSeconds.toFixed(0)} s`,
        `  append → last subscriber: p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms (target p99 < 150 ms)`,
        `  deliveries: ${fmt(SUBSCRIBERS * EVENTS)} expected, lost ${r.lost}, duplicated ${r.duplicates} (target 0 and 0); ${r.framesPerSocket.toFixed(0)} frames per socket; handshakes retried ${r.retries}, sockets closed by the server during the run ${r.closed}`,
        `  CPU over ${r.cpu.wall.toFixed(1)} s: workerd ${r.cpu.workerd.toFixed(1)} s (the same appends with no socket: ${quiet.cpu.toFixed(1)} s), this client ${r.cpu.client.toFixed(1)} s; load average before ${r.load}`,
        `  workerd per delivered frame: ${((r.cpu.workerd * 1e6) / delivered).toFixed(1)} µs all in, ${(((r.cpu.workerd - quiet.cpu) * 1e6) / delivered).toFixed(1)} µs above the appends; ~${fmt(Math.round(publishes))} relay publishes`,
      )
    }

  } finally {
    await stop()
  }
}
console.log(`\n${new Date().toISOString()} · commit ${commit} · ${os.cpus()[0]?.model} × ${os.cpus().length} · node ${process.version} · load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
console.log(report.join('\n'))
