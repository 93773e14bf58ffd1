// node bench/memory.mjs — where a local portal's memory goes under load: the process RSS of
// the runtime beside the V8 heap of each isolate (read through the inspector), sampled as
// MEMORY_REQUESTS requests of one kind are served by MEMORY_CONNECTIONS connections, and once
// more after a forced garbage collection at the end. MEMORY_SNAPSHOTS=dir also writes heap
// snapshots of our two workers at the start and the end (open them in Chrome's DevTools,
// Memory tab, "Comparison").
//
//   MEMORY_KIND       health | me | mixed (me, services, activity, dashboard page — the issue's mix)
//                     | pages (the signed-in dashboard page only) | writes (create/delete a group)
//   MEMORY_RUNTIME    workerd (default: Miniflare, one process) | wrangler (`npm start`'s runtime)
//   MEMORY_REQUESTS   (default 8000), MEMORY_CONNECTIONS (16), MEMORY_SAMPLES (8)
//   MEMORY_WARMUP     requests served before the first measurement (default 1000): lazily
//                     compiled code and schemas, JIT feedback and caches fill up once
//   MEMORY_PORT / MEMORY_INSPECTOR_PORT
import { readdirSync, readFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { signIn, startPortal } from './portal-session.mjs'
import { heapSnapshot, isolateHeaps, summarise } from './inspector.mjs'
import { demoId } from '../db/seed/demo.ts'

const KIND = process.env.MEMORY_KIND ?? 'mixed'
const RUNTIME = process.env.MEMORY_RUNTIME ?? 'workerd'
const REQUESTS = Number(process.env.MEMORY_REQUESTS ?? 8000)
const CONNECTIONS = Number(process.env.MEMORY_CONNECTIONS ?? 16)
const SAMPLES = Number(process.env.MEMORY_SAMPLES ?? 8)
const PORT = Number(process.env.MEMORY_PORT ?? 8791)
const INSPECTOR_PORT = Number(process.env.MEMORY_INSPECTOR_PORT ?? 9233)
const SNAPSHOTS = process.env.MEMORY_SNAPSHOTS
const WARMUP = Number(process.env.MEMORY_WARMUP ?? 1000)
const STATE = '.wrangler/memory-state'
const base = `http://127.0.0.1:${PORT}`

/** RSS in MB of every process below this one. */
export function processMemory() {
  const parents = new Map()
  const info = new Map()
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      parents.set(Number(pid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      info.set(Number(pid), { rss: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, name: /Name:\s+(\S+)/.exec(status)?.[1] ?? '?' })
    } catch {}
  }
  const mine = (pid) => {
    for (let p = parents.get(pid); p; p = parents.get(p)) if (p === process.pid) return true
    return false
  }
  return [...info].filter(([pid, i]) => mine(pid) && i.name === 'workerd').map(([pid, i]) => ({ pid, ...i }))
}

/** RSS split: anonymous (malloc and V8's pages) and file-backed (the binary, mapped files) MB. */
function rssParts() {
  return processMemory().map((p) => {
    const status = readFileSync(`/proc/${p.pid}/status`, 'utf8')
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024
    return `anon ${kb('RssAnon').toFixed(0)} file ${kb('RssFile').toFixed(0)}`
  }).join(' + ')
}

process.on('exit', (code) => console.log(`  (exit ${code})`))
const server = await startPortal({ port: PORT, inspectorPort: INSPECTOR_PORT, state: STATE, build: !process.env.MEMORY_NO_BUILD, runtime: RUNTIME })

const acme = demoId('acc', 'acme')
const cookie = KIND === 'health' ? undefined : await signIn(base, 'owner@acme.test')
const paths =
  KIND === 'health' ? ['/api/v1/health']
  : KIND === 'me' ? ['/api/v1/me']
  : KIND === 'pages' ? [`/a/${acme}`]
  : ['/api/v1/me', `/api/v1/accounts/${acme}/services`, `/api/v1/accounts/${acme}/activity?limit=50`, `/a/${acme}`]

let served = 0
let failed = 0
const statuses = new Map()
async function one(i) {
  let res
  if (KIND === 'writes') {
    res = await fetch(`${base}/api/v1/accounts/${acme}/service-groups`, {
      method: 'POST',
      headers: { cookie, origin: base, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `memory-${Date.now().toString(36)}-${i}` }),
    })
    const body = await res.json().catch(() => null)
    if (body?.group?.id) {
      const del = await fetch(`${base}/api/v1/accounts/${acme}/service-groups/${body.group.id}`, { method: 'DELETE', headers: { cookie, origin: base } })
      await del.arrayBuffer()
    }
  } else {
    res = await fetch(`${base}${paths[i % paths.length]}`, { headers: { ...(cookie ? { cookie } : {}), origin: base }, redirect: 'manual' })
    await res.arrayBuffer()
  }
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
  if (res.status >= 500) failed++
  served++
}

async function sample(label, gc = false) {
  // RSS first: collecting through a heap snapshot costs the process memory of its own.
  const rss = processMemory().map((p) => p.rss)
  const parts = rssParts()
  const heaps = summarise(await isolateHeaps(INSPECTOR_PORT, { gc }))
  const row = { label, served, rssMB: rss.map((r) => r.toFixed(0)).join('+'), parts, appHeapMB: heaps.app.toFixed(1), runtimeHeapMB: heaps.runtime.toFixed(1), gc }
  rows.push(row)
  console.log(`  ${JSON.stringify(row)}  ${JSON.stringify(heaps.byIsolate)}`)
}

const rows = []
if (SNAPSHOTS) mkdirSync(SNAPSHOTS, { recursive: true })
const snapshot = async (label) => {
  if (!SNAPSHOTS) return
  for (const id of ['core:user:trellis-api', 'core:user:trellis-web']) {
    try {
      console.log(`  snapshot ${await heapSnapshot(INSPECTOR_PORT, id, path.join(SNAPSHOTS, `${RUNTIME}-${KIND}-${label}-${id.split(':').pop()}.heapsnapshot`))}`)
    } catch (err) {
      console.log(`  snapshot of ${id}: ${err.message}`)
    }
  }
}

console.log(`\n  memory: ${WARMUP} + ${REQUESTS} ${KIND} requests over ${CONNECTIONS} connections, ${RUNTIME} on ${base}\n`)
await sample('start')
let next = 0
const load = (until, onServed = () => {}) =>
  Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < until) {
        const i = next++
        await one(i).catch(() => failed++)
        onServed(i + 1)
      }
    }),
  )
await load(WARMUP)
await sample('warmed up')
await sample('warmed up, after GC', true)
await snapshot('warm')
const started = Date.now()
const every = Math.ceil(REQUESTS / SAMPLES)
let sampling = Promise.resolve()
await load(WARMUP + REQUESTS, (n) => {
  if ((n - WARMUP) % every === 0) sampling = sampling.then(() => sample(`after ${n}`))
})
await sampling
const seconds = (Date.now() - started) / 1000
await sample('end, after GC', true)
await new Promise((r) => setTimeout(r, 10_000))
await sample('10 s idle, after GC', true)
await snapshot('end')
served -= WARMUP
console.log(`\n  ${served} served (after ${WARMUP} to warm up) in ${seconds.toFixed(1)} s (${(served / seconds).toFixed(0)}/s), ≥ 500 or failed: ${failed}, statuses ${JSON.stringify(Object.fromEntries(statuses))}`)
const warm = rows.find((r) => r.label === 'warmed up')
const loaded = rows.filter((r) => r.label.startsWith('after ')).at(-1)
const warmGc = rows.find((r) => r.label === 'warmed up, after GC')
const last = rows.at(-1)
const total = (r) => r.rssMB.split('+').reduce((a, b) => a + Number(b), 0)
const rssGrowth = total(loaded) - total(warm)
console.log(`  RSS (before any snapshot) ${total(warm)} → ${total(loaded)} MB over ${served} requests (${((rssGrowth * 1024) / served).toFixed(1)} KB per request); our isolates' heap after GC ${warmGc.appHeapMB} → ${last.appHeapMB} MB, Miniflare's helpers ${warmGc.runtimeHeapMB} → ${last.runtimeHeapMB} MB`)
await server.stop()
process.exit(0)
