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
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { buildWeb, prepareDatabase, root } from '../scripts/portal.mjs'
import { serveWorkerd } from './workerd-portal.mjs'

const PORT = Number(process.env.BENCH_PORT ?? 8805)
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9255)
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000)
const FORMATS = (process.env.BENCH_FORMATS ?? 'csv,ndjson').split(',')
const QUERY = process.env.BENCH_QUERY ?? 'kind=all'
const HASH = process.env.BENCH_HASH === '1'
/** Where the seeded state is kept (a directory like wrangler's --persist-to). */
const STATE = process.env.BENCH_STATE ?? '.wrangler/export-bench-state'
const base = `http://127.0.0.1:${PORT}`

if (process.env.BENCH_SKIP_BUILD !== '1' || !existsSync(path.join(root, 'web', '.svelte-kit', 'cloudflare'))) buildWeb({ quiet: true })
const fresh = process.env.BENCH_FRESH === '1' || !existsSync(path.join(path.resolve(root, STATE), 'v3', 'd1'))
// A kept state gets the migrations added since (the seed is idempotent).
prepareDatabase(STATE, { quiet: true, fresh })
const { stop } = await serveWorkerd({ port: PORT, inspectorPort: INSPECTOR_PORT, persistTo: STATE })

async function signIn(email) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email, password: 'trellis-demo' }),
  })
  return /trellis_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')[0]
}

/** Append synthetic events through the dev route (node:http: no client timeout). */
function burst(cookie, accountId, count, batch) {
  const body = JSON.stringify({ accountId, count, batch })
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

/** The workerd processes this benchmark started (its descendants). */
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
const workerdRss = () => ourWorkerd().reduce((sum, r) => sum + r.rss, 0)
function workerdCpu() {
  return ourWorkerd().reduce((sum, r) => {
    try {
      const fields = readFileSync(`/proc/${r.pid}/stat`, 'utf8').split(') ')[1].split(' ')
      return sum + (Number(fields[11]) + Number(fields[12])) / 100
    } catch {
      return sum
    }
  }, 0)
}
const mib = (kib) => `${(kib / 1024).toFixed(0)} MiB`

const report = []
try {
  const cookie = await signIn('owner@globex.test')
  const me = await (await fetch(`${base}/api/v1/me`, { headers: { cookie } })).json()
  const globex = me.accounts.find((a) => a.name === 'Globex Partners').id
  const newest = async () => (await (await fetch(`${base}/api/v1/accounts/${globex}/activity?kind=all&limit=1`, { headers: { cookie } })).json()).items[0]?.seq ?? 0
  const held = await newest()
  if (held < EVENTS) {
    const seeded = await burst(cookie, globex, EVENTS - held, 1000)
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
