// The V8 side of a local portal's memory, read through its inspector port (the Chrome
// DevTools protocol over WebSocket, which workerd and `wrangler dev` both speak): the heap of
// each isolate (our two workers, and Miniflare's own helper workers — D1, cache, assets…),
// a forced garbage collection, and heap snapshots to open in Chrome's DevTools.
// Used by the soak (bench/soak.mjs) and bench/memory.mjs to tell the app's memory from the
// runtime's: an isolate heap that stays flat while the process RSS grows is not the app.
import { createWriteStream } from 'node:fs'
import WebSocket from 'ws'

/** The inspector's targets: one per isolate (workerd) or per user worker (wrangler's proxy). */
export async function targets(port) {
  const res = await fetch(`http://127.0.0.1:${port}/json`, { signal: AbortSignal.timeout(5_000) })
  const list = await res.json()
  if (!Array.isArray(list)) throw new Error(`:${port} is not an inspector`)
  return list.map((t) => ({ id: t.id, url: t.webSocketDebuggerUrl }))
}

/** A DevTools protocol session on one target. */
async function session(url, onEvent = () => {}) {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 })
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  let next = 0
  const pending = new Map()
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString())
    if (m.id && pending.has(m.id)) {
      pending.get(m.id)(m)
      pending.delete(m.id)
    } else if (m.method) onEvent(m)
  })
  const send = (method, params = {}, timeout = 30_000) =>
    new Promise((resolve, reject) => {
      const id = ++next
      const timer = setTimeout(() => reject(new Error(`${method} timed out`)), timeout)
      pending.set(id, (m) => {
        clearTimeout(timer)
        m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)
      })
      ws.send(JSON.stringify({ id, method, params }))
    })
  return { send, close: () => ws.close() }
}

/**
 * The V8 heap of every isolate behind the inspector, in MB: used (live objects and not yet
 * collected garbage) and total (what V8 reserved). With gc, each isolate is collected first,
 * so `used` is what is really retained.
 */
export async function isolateHeaps(port, { gc = false, only } = {}) {
  const out = []
  for (const t of await targets(port)) {
    if (only && !only(t.id)) continue
    let s
    try {
      s = await session(t.url)
      // workerd leaves HeapProfiler.collectGarbage unanswered (V8 posts it as a task the
      // runtime never runs); a heap snapshot, which workerd takes itself, collects first.
      if (gc) await s.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, 300_000)
      const u = await s.send('Runtime.getHeapUsage')
      out.push({ id: t.id, used: u.usedSize / 2 ** 20, total: u.totalSize / 2 ** 20 })
    } catch (err) {
      out.push({ id: t.id, error: String(err.message ?? err) })
    } finally {
      s?.close()
    }
  }
  return out
}

/** Write a .heapsnapshot of one isolate (V8 collects garbage before it takes one). */
export async function heapSnapshot(port, targetId, file) {
  const t = (await targets(port)).find((x) => x.id === targetId)
  if (!t) throw new Error(`no inspector target ${targetId}`)
  const out = createWriteStream(file)
  const s = await session(t.url, (m) => {
    if (m.method === 'HeapProfiler.addHeapSnapshotChunk') out.write(m.params.chunk)
  })
  try {
    await s.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, 300_000)
  } finally {
    s.close()
    await new Promise((r) => out.end(r))
  }
  return file
}

/** Sum of the heaps by group: our workers ('core:user:*') and Miniflare's helpers (the rest). */
export function summarise(heaps) {
  const ours = heaps.filter((h) => h.id.startsWith('core:user:') || !/^(core|outbound|cache|assets|d1|kv|r2|email|do|ratelimit)[:]|^MINIFLARE/.test(h.id))
  const sum = (hs, k) => hs.reduce((a, h) => a + (h[k] ?? 0), 0)
  return {
    app: sum(ours, 'used'),
    runtime: sum(heaps.filter((h) => !ours.includes(h)), 'used'),
    byIsolate: Object.fromEntries(heaps.map((h) => [h.id, h.error ? h.error : Number(h.used.toFixed(1))])),
  }
}
