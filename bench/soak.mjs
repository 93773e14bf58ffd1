// npm run soak — a bounded soak of the whole portal on loopback: SOAK_MINUTES (default 20) of
// mixed traffic from SOAK_USERS (default 16) virtual people across three resellers — sign-ins,
// page loads through the web worker, API reads, writes that each append one activity event,
// live sockets connecting and dropping — with one restart of the portal half-way.
// It reports requests served, p50/p99, every status ≥ 500, events appended vs found in the
// logs afterwards, and the memory of each process: RSS at start and end, and the V8 heap of our
// workers' isolates (through the inspector, bench/inspector.mjs).
//
// Memory is "flat" when, in each half (start → restart, restart → end), the level at the end of
// the half is within 10 % of the level after warm-up (SOAK_WARMUP_MINUTES, default 2, after each
// start): the first minutes fill what fills once — compiled code, lazily built schemas, caches,
// the allocator's pools — and a leak shows as growth after that. Checked for the isolates' heap
// after garbage collection (what the app retains) and for each process's RSS (what the machine
// pays, which also holds the local runtime's own memory).
//
// SOAK_RUNTIME=wrangler (default: what `npm start` runs) or workerd (the built workers straight
// in workerd through Miniflare, as bench:activity) — running both tells the app's memory from the
// local runtime's. Exits 1 when a status ≥ 500 was answered, an acknowledged event is missing or
// our isolates' heap is not flat; an RSS that is not flat is reported (it is the runtime's when
// the heap is flat — see BENCHMARKS.md) but does not fail the run.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import os from 'node:os'
import WebSocket from 'ws'
import { buildWeb, prepareDatabase, servePortal } from '../scripts/portal.mjs'
import { serveWorkerd } from './workerd-portal.mjs'
import { isolateHeaps } from './inspector.mjs'
import { demoId } from '../db/seed/demo.ts'

const MINUTES = Number(process.env.SOAK_MINUTES ?? 20)
const USERS = Number(process.env.SOAK_USERS ?? 16)
const RUNTIME = process.env.SOAK_RUNTIME ?? 'wrangler'
const PORT = Number(process.env.SOAK_PORT ?? 8790)
const INSPECTOR_PORT = Number(process.env.SOAK_INSPECTOR_PORT ?? 9232)
const HALF_MS = (MINUTES * 60_000) / 2
const WARMUP_MS = Math.min(Number(process.env.SOAK_WARMUP_MINUTES ?? 2) * 60_000, HALF_MS / 3)
const FLAT = 0.1
const STATE = '.wrangler/soak-state'
const base = `http://127.0.0.1:${PORT}`
const run = Date.now().toString(36)
const PASSWORD = 'trellis-demo'

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)]

// ---- the portal, and its processes' memory ----------------------------------------------

let server = null
async function start() {
  server =
    RUNTIME === 'workerd'
      ? await serveWorkerd({ port: PORT, persistTo: STATE, inspectorPort: INSPECTOR_PORT })
      : await servePortal({ port: PORT, persistTo: STATE, inspectorPort: INSPECTOR_PORT, quiet: true })
}
async function stop() {
  await server?.stop()
  // wrangler's process group takes a moment to let go of the port.
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${base}/api/v1/health`)
      await sleep(100)
    } catch {
      return
    }
  }
}

/** RSS in MB of every process below this one (wrangler, workerd…), by pid and command. */
function processMemory() {
  const parents = new Map()
  const info = new Map()
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parents.set(Number(pid), ppid)
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
      const name = /Name:\s+(\S+)/.exec(status)?.[1] ?? '?'
      info.set(Number(pid), { rss, name })
    } catch {
      // the process ended while we read
    }
  }
  const mine = (pid) => {
    for (let p = parents.get(pid); p; p = parents.get(p)) if (p === process.pid) return true
    return false
  }
  return [...info].filter(([pid, i]) => mine(pid) && i.rss > 20).map(([pid, i]) => ({ pid, ...i }))
}

/**
 * The V8 heap (MB) of our workers' isolates, after garbage collection (V8 collects before a heap
 * snapshot, which is how the inspector is asked to collect here). Miniflare's own helper
 * isolates (D1, cache, assets…) are left out: they are the local runtime. null when the
 * inspector does not answer.
 */
async function appHeap() {
  const out = {}
  for (const port of inspectorPorts()) {
    try {
      for (const h of await isolateHeaps(port, { gc: true, only: (id) => id.startsWith('core:user:trellis-') })) {
        if (!h.error) out[h.id.replace('core:user:', '')] = h.used
      }
    } catch {}
  }
  return Object.keys(out).length ? out : null
}

/**
 * The inspector ports of the workerd processes below this one, straight to the workerd that
 * runs our workers: wrangler's inspector proxy (INSPECTOR_PORT) shows one worker only, and
 * wrangler starts its workerd with `--inspector-addr=127.0.0.1:0`, so the port is found among
 * the process's listening sockets (the one answering /json is the inspector, probed by
 * isolateHeaps; the others fail fast).
 */
function inspectorPorts() {
  const ports = []
  const tcp = readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/))
  for (const p of processMemory().filter((x) => x.name === 'workerd')) {
    const cmdline = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8')
    if (!cmdline.includes('--inspector-addr')) continue
    const inodes = new Set()
    for (const fd of readdirSync(`/proc/${p.pid}/fd`)) {
      try {
        const m = /socket:\[(\d+)\]/.exec(readlinkSync(`/proc/${p.pid}/fd/${fd}`))
        if (m) inodes.add(m[1])
      } catch {}
    }
    // Listening (state 0A) sockets of this process.
    for (const f of tcp) if (f[3] === '0A' && inodes.has(f[9])) ports.push(parseInt(f[1].split(':')[1], 16))
  }
  return ports
}

/** A memory reading: every process's RSS, then (it costs a heap snapshot) the isolates' heap. */
async function reading(note) {
  const processes = processMemory()
  const heap = await appHeap()
  // The snapshot taken to collect garbage stays in the allocator's pools: a level read just
  // after it includes that, as every later reading does.
  const after = note.startsWith('warmed up') ? processMemory() : null
  return { at: Date.now() - startedAt, note, processes: after ?? processes, heap }
}

// ---- traffic -----------------------------------------------------------------------------

const stats = { requests: 0, byStatus: new Map(), serverErrors: [], refused: 0, latencies: [], sockets: { opened: 0, frames: 0, refused: 0 } }
const appended = new Map() // account id → writes acknowledged (each appends one event)
const unsure = new Map() // account id → writes whose answer never came (the restart cut them)

async function call(path, { method = 'GET', cookie, body, write } = {}) {
  const started = performance.now()
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/json' } : {}), origin: base },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    stats.requests++
    stats.latencies.push(performance.now() - started)
    stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1)
    if (res.status >= 500) stats.serverErrors.push(`${method} ${path} → ${res.status} ${text.slice(0, 200)}`)
    return { res, text }
  } catch {
    stats.refused++
    if (write) unsure.set(write, (unsure.get(write) ?? 0) + 1)
    await sleep(250) // the portal is restarting: knock again shortly, not in a busy loop
    return null
  }
}

async function signIn(email) {
  for (;;) {
    const r = await call('/api/v1/auth/login', { method: 'POST', body: { email, password: PASSWORD } })
    const cookie = r && /trellis_session=[^;]+/.exec(r.res.headers.get('set-cookie') ?? '')?.[0]
    if (cookie) return cookie
    await sleep(500)
  }
}

function openSocket(person) {
  const ws = new WebSocket(`ws://127.0.0.1:${PORT}/api/v1/accounts/${person.account}/activity/live?events=1`, { headers: { cookie: person.cookie, origin: base } })
  ws.on('open', () => stats.sockets.opened++)
  ws.on('message', () => stats.sockets.frames++)
  ws.on('error', () => stats.sockets.refused++)
  return ws
}

/** One virtual person: a reseller's owner going about their day until the deadline. */
async function person(email, account, deadline) {
  const me = { email, account, cookie: await signIn(email), groups: [], socket: null }
  while (Date.now() < deadline) {
    const roll = Math.random()
    if (roll < 0.03) me.cookie = await signIn(email)
    else if (roll < 0.3) await call('/api/v1/me', { cookie: me.cookie })
    else if (roll < 0.42) await call(`/api/v1/accounts/${account}/services`, { cookie: me.cookie })
    else if (roll < 0.5) await call(`/api/v1/accounts/${account}/activity?limit=50`, { cookie: me.cookie })
    else if (roll < 0.62) await call(`/a/${account}`, { cookie: me.cookie })
    else if (roll < 0.66) await call(`/a/${account}/services`, { cookie: me.cookie })
    else if (roll < 0.68) await call(roll < 0.67 ? `/a/${account}/activity` : '/login', { cookie: roll < 0.67 ? me.cookie : undefined })
    else if (roll < 0.93) {
      // A write: create a group, or delete one made earlier. Each acknowledged write appends one event.
      if (me.groups.length && (me.groups.length > 3 || Math.random() < 0.5)) {
        const gid = me.groups.shift()
        const r = await call(`/api/v1/accounts/${account}/service-groups/${gid}`, { method: 'DELETE', cookie: me.cookie, write: account })
        if (r?.res.ok) appended.set(account, (appended.get(account) ?? 0) + 1)
      } else {
        const name = `soak-${run}-${Math.random().toString(36).slice(2, 10)}`
        const r = await call(`/api/v1/accounts/${account}/service-groups`, { method: 'POST', cookie: me.cookie, body: { name }, write: account })
        if (r?.res.status === 201) {
          appended.set(account, (appended.get(account) ?? 0) + 1)
          me.groups.push(JSON.parse(r.text).group.id)
        }
      }
    } else if (me.socket && me.socket.readyState === WebSocket.OPEN) {
      me.socket.close()
      me.socket = null
    } else {
      me.socket?.terminate()
      me.socket = openSocket(me)
    }
  }
  me.socket?.close()
}

/** Events of this run in an account's log: the service-group events whose description names it. */
async function eventsFound(account, cookie) {
  const r = await call(`/api/v1/accounts/${account}/activity/export?format=ndjson&type=service_group_created,service_group_deleted`, { cookie })
  if (!r?.res.ok) throw new Error(`export of ${account} answered ${r?.res.status}: ${r?.text.slice(0, 200)}`)
  return r.text.split('\n').filter((line) => line.includes(`soak-${run}-`)).length
}

const percentile = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

// ---- the run -----------------------------------------------------------------------------

buildWeb({ quiet: true })
prepareDatabase(STATE, { quiet: true, fresh: true })
await start()

// A third reseller beside Acme and Globex, acted on by the platform's owner.
const platformCookie = await signIn('admin@nimbus.test')
const created = await call(`/api/v1/accounts/${demoId('acc', 'nimbus')}/resellers`, {
  method: 'POST',
  cookie: platformCookie,
  body: { name: 'Soak Hosting', ownerEmail: `owner-${run}@soak.test`, ownerName: 'Soak Owner' },
})
if (created?.res.status !== 201) throw new Error(`creating the third reseller answered ${created?.res.status}: ${created?.text}`)
const resellers = [
  { email: 'owner@acme.test', account: demoId('acc', 'acme') },
  { email: 'owner@globex.test', account: demoId('acc', 'globex') },
  { email: 'admin@nimbus.test', account: JSON.parse(created.text).account.id },
]

const startedAt = Date.now()
const deadline = startedAt + MINUTES * 60_000
const memory = [{ at: 0, note: 'start', processes: processMemory(), heap: null }]
const sampler = setInterval(() => memory.push({ at: Date.now() - startedAt, processes: processMemory() }), 30_000)
console.log(`\n  soak ${run}: ${MINUTES} min, ${USERS} people on 3 resellers, ${RUNTIME} on ${base}, restart at ${MINUTES / 2} min, warm-up ${(WARMUP_MS / 60_000).toFixed(1)} min after each start\n`)

const people = Array.from({ length: USERS }, (_, i) => person(resellers[i % 3].email, resellers[i % 3].account, deadline))
const restart = (async () => {
  await sleep(WARMUP_MS)
  memory.push(await reading('warmed up (1st half)'))
  await sleep(HALF_MS - (Date.now() - startedAt))
  memory.push(await reading('before restart'))
  const t = Date.now()
  await stop()
  await start()
  console.log(`  restarted in ${((Date.now() - t) / 1000).toFixed(1)} s`)
  memory.push({ at: Date.now() - startedAt, note: 'restarted', processes: processMemory(), heap: null })
  await sleep(WARMUP_MS)
  memory.push(await reading('warmed up (2nd half)'))
})()
await Promise.all([...people, restart])
clearInterval(sampler)
memory.push(await reading('end'))

// What the logs hold, read after the traffic stopped.
const owners = new Map()
let missing = 0
const rows = []
for (const r of resellers) {
  owners.set(r.email, owners.get(r.email) ?? (await signIn(r.email)))
  const found = await eventsFound(r.account, owners.get(r.email))
  const ok = appended.get(r.account) ?? 0
  const cut = unsure.get(r.account) ?? 0
  if (found < ok || found > ok + cut) missing += Math.max(0, ok - found) || 1
  rows.push({ reseller: r.email.split('@')[1], acknowledged: ok, 'cut by restart': cut, 'found in log': found })
}
await stop()

const seconds = (Date.now() - startedAt) / 1000
console.log(`  ${new Date().toISOString()} · ${os.cpus()[0]?.model} × ${os.cpus().length}`)
console.log(`  requests served: ${stats.requests} in ${seconds.toFixed(0)} s (${(stats.requests / seconds).toFixed(0)}/s), not answered (restart): ${stats.refused}`)
console.log(`  latency p50 ${percentile(stats.latencies, 50).toFixed(1)} ms, p99 ${percentile(stats.latencies, 99).toFixed(1)} ms`)
console.log(`  statuses: ${[...stats.byStatus].sort().map(([s, n]) => `${s}×${n}`).join(', ')}`)
console.log(`  statuses ≥ 500: ${stats.serverErrors.length}${stats.serverErrors.length ? '\n    ' + stats.serverErrors.slice(0, 20).join('\n    ') : ''}`)
console.log(`  live sockets opened ${stats.sockets.opened}, frames received ${stats.sockets.frames}, socket errors ${stats.sockets.refused}`)
console.table(rows)
console.log('  memory of each process (RSS MB) and of our isolates (V8 heap MB after GC):')
const mb = (x) => x.toFixed(0)
for (const m of memory) {
  const heap = m.heap ? ` · heap ${Object.entries(m.heap).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}` : ''
  console.log(`    ${(m.at / 60_000).toFixed(1).padStart(5)} min ${m.note ? `(${m.note}) ` : ''}${m.processes.map((p) => `${p.name}#${p.pid} ${mb(p.rss)}`).join(', ')}${heap}`)
}
// Flat: in each half, the end of the half against the level after warm-up, per process (same
// pid) and per isolate.
const verdicts = []
const within = (from, to) => (to - from) / from <= FLAT
for (const [warm, end] of [['warmed up (1st half)', 'before restart'], ['warmed up (2nd half)', 'end']]) {
  const a = memory.find((m) => m.note === warm)
  const b = memory.find((m) => m.note === end)
  if (!a || !b) continue
  for (const p of b.processes) {
    const q = a.processes.find((x) => x.pid === p.pid)
    if (q && q.rss > 50) verdicts.push({ what: `${p.name}#${p.pid} RSS`, half: warm.slice(11, 19), from: q.rss, to: p.rss, flat: within(q.rss, p.rss) })
  }
  for (const [k, v] of Object.entries(b.heap ?? {})) {
    const w = a.heap?.[k]
    if (w) verdicts.push({ what: `${k} heap`, half: warm.slice(11, 19), from: w, to: v, flat: within(w, v) })
  }
}
console.log(`  flat = the end of each half within ${FLAT * 100} % of the level after warm-up:`)
for (const v of verdicts) {
  console.log(`    ${v.half} ${v.what}: ${v.from.toFixed(1)} → ${v.to.toFixed(1)} MB (${v.to >= v.from ? '+' : ''}${(((v.to - v.from) / v.from) * 100).toFixed(1)} %) ${v.flat ? 'flat' : 'NOT FLAT'}`)
}
const heapVerdicts = verdicts.filter((v) => v.what.endsWith('heap'))
const heapFlat = heapVerdicts.length > 0 && heapVerdicts.every((v) => v.flat)
const rssFlat = verdicts.filter((v) => v.what.endsWith('RSS')).every((v) => v.flat)
console.log(`  memory: isolate heaps ${heapVerdicts.length === 0 ? 'UNKNOWN (no inspector answered)' : heapFlat ? 'flat' : 'NOT flat'}, process RSS ${rssFlat ? 'flat' : 'NOT flat'}`)
process.exit(stats.serverErrors.length || missing || !heapFlat ? 1 : 0)
