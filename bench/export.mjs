// npm run bench:export — exporting an account's whole activity log, through the real portal
// (web worker → API worker → the log's Durable Object) in workerd via Miniflare.
//
// Seeds one log (Globex) up to BENCH_EVENTS synthetic events (kept between runs in
// .wrangler/export-bench-state, so a 10M log is seeded once; BENCH_FRESH=1 starts over),
// then downloads the export in each of BENCH_FORMATS and reports rows, bytes, seconds, the
// CPU seconds workerd spent, and workerd's resident memory before, at its peak during, and
// after the download. BENCH_HASH=1 adds the SHA-256 of each file (to compare outputs of two
// versions of the code over the same state). BENCH_QUERY adds filters (e.g. `kind=action`).
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { root } from '../scripts/portal.mjs'
import { accountIdOf, burst, signIn, startPortal, workerdCpu, workerdRss } from './portal-session.mjs'

const PORT = Number(process.env.BENCH_PORT ?? 8805)
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9255)
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000)
const FORMATS = (process.env.BENCH_FORMATS ?? 'csv,ndjson').split(',')
const QUERY = process.env.BENCH_QUERY ?? 'kind=all'
const HASH = process.env.BENCH_HASH === '1'
/** Where the seeded state is kept (a directory like wrangler's --persist-to). */
const STATE = process.env.BENCH_STATE ?? '.wrangler/export-bench-state'
const base = `http://127.0.0.1:${PORT}`

const build = process.env.BENCH_SKIP_BUILD !== '1' || !existsSync(path.join(root, 'web', '.svelte-kit', 'cloudflare'))
// A kept state gets the migrations added since (the seed is idempotent).
const fresh = process.env.BENCH_FRESH === '1' || !existsSync(path.join(path.resolve(root, STATE), 'v3', 'd1'))
const { stop } = await startPortal({ port: PORT, inspectorPort: INSPECTOR_PORT, state: STATE, fresh, build })

const mib = (kib) => `${(kib / 1024).toFixed(0)} MiB`

const report = []
try {
  const cookie = await signIn(base, 'owner@globex.test')
  const globex = await accountIdOf(base, cookie, 'Globex Partners')
  const newest = async () => (await (await fetch(`${base}/api/v1/accounts/${globex}/activity?kind=all&limit=1`, { headers: { cookie } })).json()).items[0]?.seq ?? 0
  const held = await newest()
  if (held < EVENTS) {
    const seeded = await burst(base, cookie, { accountId: globex, count: EVENTS - held, batch: 1000 })
    report.push(`seeded ${(EVENTS - held).toLocaleString('en')} events at ${seeded.perSecond.toLocaleString('en')}/s`)
  }
  report.push(`log: ${(await newest()).toLocaleString('en')} events (Globex), query ${QUERY}`)
  for (const format of FORMATS) {
    const before = workerdRss()
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, workerdRss())), 250)
    const cpuBefore = workerdCpu()
    const load = os.loadavg()[0].toFixed(2)
    const started = performance.now()
    const res = await fetch(`${base}/api/v1/accounts/${globex}/activity/export?format=${format}&${QUERY}`, { headers: { cookie } })
    if (res.status !== 200) throw new Error(`export: ${res.status} ${await res.text()}`)
    const firstByte = performance.now() - started
    const hash = HASH ? createHash('sha256') : null
    let bytes = 0
    let rows = 0
    for await (const chunk of res.body) {
      bytes += chunk.length
      hash?.update(chunk)
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) rows++
    }
    const seconds = (performance.now() - started) / 1000
    clearInterval(sampler)
    const cpu = workerdCpu() - cpuBefore
    await new Promise((r) => setTimeout(r, 1000))
    const after = workerdRss()
    report.push(
      `${format}: ${(format === 'csv' ? rows - 1 : rows).toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(2)} s (first byte ${firstByte.toFixed(0)} ms; workerd CPU ${cpu.toFixed(1)} s; load ${load})`,
      `  workerd RSS: ${mib(before)} before, peak ${mib(peak)} (+${mib(peak - before)}), ${mib(after)} after${hash ? `; sha256 ${hash.digest('hex').slice(0, 16)}` : ''}`,
    )
  }
} finally {
  await stop()
}
console.log(`\n${new Date().toISOString()} · ${os.cpus()[0]?.model} × ${os.cpus().length} · node ${process.version} · load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
console.log(report.join('\n'))
