// npm run bench:hooks — webhook fan-out from one account's activity log, through the real
// API worker in workerd (wrangler's Miniflare, as bench/activity.mjs).
// 1. Baseline: BENCH_EVENTS action events appended one durable append at a time, no hooks.
// 2. Three webhooks (every action type) to a local receiver; the same appends again while
//    the log's alarm delivers them. Reports the append rate of both runs, the delivery
//    throughput (deliveries/s until the last one arrived), and checks each endpoint got
//    every event exactly once, in the log's order.
import http from 'node:http'
import os from 'node:os'
import { execFileSync } from 'node:child_process'
import { accountIdOf, burst as append, signIn, startPortal } from './portal-session.mjs'

const PORT = Number(process.env.BENCH_PORT ?? 8790)
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9232)
/** Action events per run; the burst also writes one page view per four actions (not sent to webhooks). */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000)
const ENDPOINTS = 3
const base = `http://127.0.0.1:${PORT}`

// The receiver: answers 200 at once and keeps the event ids per endpoint, in arrival order.
const boxes = new Map()
let lastArrival = 0
const receiver = http.createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const box = req.url.split('/')[2]
    const list = boxes.get(box) ?? []
    list.push(req.headers['trellis-event-id'])
    boxes.set(box, list)
    lastArrival = performance.now()
    res.writeHead(200).end('ok')
  })
})
await new Promise((r) => receiver.listen(0, '127.0.0.1', r))
const receiverUrl = `http://127.0.0.1:${receiver.address().port}`

const { stop } = await startPortal({
  port: PORT,
  inspectorPort: INSPECTOR_PORT,
  state: '.wrangler/bench-hooks-state',
  bindings: { WEBHOOKS_ALLOW_LOCAL: 'true', WEBHOOK_SIGNING_KEY: 'bench-signing-key-0123456789abcdef', HTTPS_ONLY: 'false' },
})

try {
  const cookie = await signIn(base, 'owner@acme.test')
  const acme = await accountIdOf(base, cookie, 'Acme Hosting')
  const call = (path, init = {}) => fetch(`${base}/api/v1${path}`, { ...init, headers: { cookie, origin: base, 'content-type': 'application/json', ...init.headers } })

  const burst = (count) => append(base, cookie, { accountId: acme, count, batch: 1 })
  // 4 actions in 5 (the burst's mix): this many events give EVENTS actions.
  const total = Math.ceil((EVENTS * 5) / 4)

  console.log(`baseline: ${total} appends (${EVENTS} actions), no hooks…`)
  const baseline = await burst(total)

  const { eventTypes } = await (await call(`/accounts/${acme}/integrations`)).json()
  for (let i = 0; i < ENDPOINTS; i++) {
    const res = await call(`/accounts/${acme}/integrations/webhooks`, { method: 'POST', body: JSON.stringify({ url: `${receiverUrl}/in/ep${i}`, types: eventTypes }) })
    if (res.status !== 201) throw new Error(`create webhook: ${res.status} ${await res.text()}`)
  }
  const boxed = () => [...Array(ENDPOINTS).keys()].map((i) => boxes.get(`ep${i}`) ?? [])
  // The webhooks' own creation events go first; count from here.
  await new Promise((r) => setTimeout(r, 2000))
  const before = boxed().map((b) => b.length)

  console.log(`with ${ENDPOINTS} webhooks: ${total} appends while the log delivers…`)
  const started = performance.now()
  const loaded = await burst(total)
  const deadline = Date.now() + 30 * 60_000
  while (boxed().some((b, i) => b.length - before[i] < EVENTS) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250))
  const seconds = (lastArrival - started) / 1000

  const results = boxed().map((b, i) => {
    const ids = b.slice(before[i])
    const seqs = ids.map((id) => Number(String(id).split(':').pop()))
    const inOrder = seqs.every((s, k) => k === 0 || s > seqs[k - 1])
    return { received: ids.length, unique: new Set(ids).size, inOrder }
  })
  const delivered = results.reduce((n, r) => n + r.received, 0)
  const lost = results.reduce((n, r) => n + Math.max(0, EVENTS - r.unique), 0)
  const change = ((loaded.perSecond - baseline.perSecond) / baseline.perSecond) * 100
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {}
  console.log('\nWebhook fan-out')
  console.log(`  date ${new Date().toISOString().slice(0, 10)}, commit ${commit}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`)
  for (const [i, r] of results.entries()) console.log(`  endpoint ${i + 1}: ${r.received} received, ${r.unique} distinct, in order: ${r.inOrder}`)
  console.log(`  delivered ${delivered} (${ENDPOINTS} × ${EVENTS}), lost ${lost}, in ${seconds.toFixed(1)} s from the first append: ${Math.round(delivered / seconds)} deliveries/s`)
  console.log(`  appends/s without hooks ${baseline.perSecond}, while delivering ${loaded.perSecond} (${change >= 0 ? '+' : ''}${change.toFixed(1)} %)`)
  if (lost || results.some((r) => !r.inOrder || r.unique !== r.received)) process.exitCode = 1
} finally {
  await stop()
  receiver.close()
}
