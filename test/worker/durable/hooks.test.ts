import { env, runInDurableObject } from 'cloudflare:test'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { ActivityLog } from '../../../worker/src/durable/activity-log.ts'
import type { EventInput } from '../../../worker/src/durable/activity-schema.ts'
import { backoff, DISABLE_AFTER_MS, GIVE_UP_MS, type CreateHook } from '../../../worker/src/durable/hooks.ts'
import { answerWith, publishAddresses, received, receiverUrl } from '../../helpers/client.ts'
import { addMembership, createAccount, createUser } from '../../helpers/factories.ts'

/** The README's verification snippet, verbatim: what a receiver runs. */
function verifyTrellisSignature(secret: string, header: string, body: string, toleranceSeconds = 300) {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2)))
  const t = Number(parts.t)
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')
  const given = Buffer.from(parts.v1 ?? '', 'hex')
  return given.length === 32 && timingSafeEqual(given, Buffer.from(expected, 'hex'))
}

const HOUR = 3600_000

/** A fresh log of a made-up reseller (no parent to forward to), and a box at the receiver. */
function setup() {
  const accountId = `acc_${crypto.randomUUID().slice(0, 8)}`
  const path = `/plat/${accountId}/`
  const log = env.ACTIVITY.get(env.ACTIVITY.idFromName(accountId)) as DurableObjectStub<ActivityLog>
  const box = crypto.randomUUID()
  const hooks = <T,>(fn: (h: ReturnType<ActivityLog['integrations']>) => Promise<T>) => runInDurableObject(log, (instance: ActivityLog) => fn(instance.integrations()))
  const event = (type: EventInput['type'], description: string = type): EventInput => ({
    accountId, accountPath: path, type, kind: 'action', actor: { id: 'usr_1', email: 'a@x.test' }, impersonator: null, subject: null, target: null, description, ip: '203.0.113.9', userAgent: 'test',
  })
  const create = (input: CreateHook) =>
    hooks(async (h) => {
      const created = await h.create({ id: accountId, path }, 'owner@x.test', input)
      if (!created) throw new Error('the hook was refused')
      return created
    })
  return { accountId, path, log, box, hooks, event, create }
}

const bodies = async (box: string) => (await received(box)).map((r) => JSON.parse(r.body) as { id: string; type: string; event: { description: string } })

describe('webhook delivery', () => {
  it('signs each delivery so that the documented snippet verifies it, and carries the event id', async () => {
    const { log, box, event, create, hooks, path } = setup()
    const { hook, secret } = await create({ kind: 'webhook', url: receiverUrl(box), description: '', types: ['server_action'] })
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/)
    const stored = await log.append(path, event('server_action', 'restarted web-01'))
    await hooks((h) => h.run())
    const [got] = await received(box)
    expect(got).toBeDefined()
    expect(got!.headers['content-type']).toBe('application/json')
    expect(got!.headers['trellis-event-id']).toBe(stored.id)
    expect(verifyTrellisSignature(secret!, got!.headers['trellis-signature']!, got!.body)).toBe(true)
    // Another secret, or a changed body, does not verify.
    expect(verifyTrellisSignature(secret!.replace(/.$/, (c) => (c === '0' ? '1' : '0')), got!.headers['trellis-signature']!, got!.body)).toBe(false)
    expect(verifyTrellisSignature(secret!, got!.headers['trellis-signature']!, got!.body.replace('web-01', 'web-02'))).toBe(false)
    const body = JSON.parse(got!.body)
    expect(body).toMatchObject({ id: stored.id, type: 'server_action', account: { id: stored.accountId }, event: { id: stored.id, description: 'restarted web-01' } })
    expect(body.event.seq).toBeUndefined()
    expect(new Date(body.time).getTime()).toBe(stored.time)

    // A rotated secret signs from now on; the old one no longer verifies.
    const rotated = (await hooks((h) => h.rotate(hook.id)))!
    expect(rotated.secret).not.toBe(secret)
    await log.append(path, event('server_action', 'again'))
    await hooks((h) => h.run())
    const second = (await received(box))[1]!
    expect(verifyTrellisSignature(rotated.secret, second.headers['trellis-signature']!, second.body)).toBe(true)
    expect(verifyTrellisSignature(secret!, second.headers['trellis-signature']!, second.body)).toBe(false)
  })

  it('sends only the chosen types, in order per endpoint, to each of several endpoints', async () => {
    const { log, box, event, create, hooks, path } = setup()
    await create({ kind: 'webhook', url: receiverUrl(box, '/a'), description: '', types: ['server_action'] })
    await create({ kind: 'webhook', url: receiverUrl(`${box}-b`), description: '', types: ['server_action', 'service_updated'] })
    const inputs = Array.from({ length: 30 }, (_, i) => event(i % 3 === 0 ? 'service_updated' : 'server_action', `e${i}`))
    await log.appendMany(path, inputs)
    await hooks((h) => h.run())
    const a = (await bodies(box)).map((b) => b.event.description)
    const b = (await bodies(`${box}-b`)).map((b) => b.event.description)
    expect(a).toEqual(inputs.filter((e) => e.type === 'server_action').map((e) => e.description))
    expect(b).toEqual(inputs.map((e) => e.description))
  })

  it('retries the head with exponential backoff after 500s, holding back later events, then delivers them in order', async () => {
    const { log, box, event, create, hooks, path } = setup()
    const { hook } = await create({ kind: 'webhook', url: receiverUrl(box), description: '', types: ['server_action'] })
    await answerWith(box, 500, 503)
    const first = await log.append(path, event('server_action', 'one'))
    await log.append(path, event('server_action', 'two'))
    // The log's own alarm may have made the first attempt already; times count from it either way.
    await hooks((h) => h.run(Date.now()))
    let list = (await hooks((h) => h.deliveries(hook.id)))!
    const t0 = list[0]!.at
    expect(list[0]).toMatchObject({ status: 'failed', responseCode: 500, attempt: 1, eventId: first.id, nextRetryAt: t0 + backoff(1) })
    // Not yet due: nothing is sent.
    await hooks((h) => h.run(t0 + backoff(1) - 1))
    expect(await received(box)).toHaveLength(1)
    await hooks((h) => h.run(t0 + backoff(1)))
    list = (await hooks((h) => h.deliveries(hook.id)))!
    expect(list[0]).toMatchObject({ status: 'failed', responseCode: 503, attempt: 2, nextRetryAt: t0 + backoff(1) + backoff(2) })
    expect(backoff(2)).toBe(2 * backoff(1))
    await hooks((h) => h.run(t0 + backoff(1) + backoff(2)))
    const got = await received(box)
    // The same event three times (same id: the receiver deduplicates), then the next one.
    expect(got.map((r) => JSON.parse(r.body).event.description)).toEqual(['one', 'one', 'one', 'two'])
    expect(new Set(got.slice(0, 3).map((r) => r.headers['trellis-event-id']))).toEqual(new Set([first.id]))
    expect(got.map((r) => r.headers['trellis-delivery-attempt'])).toEqual(['1', '2', '3', '1'])
    const view = (await hooks((h) => h.get(hook.id)))!
    expect(view).toMatchObject({ enabled: true, failingSince: null, lag: { events: 0, seconds: 0 } })
    expect(view.lastDelivery).toMatchObject({ status: 'delivered', responseCode: 200 })
  })

  it('gives an event up after 24 h of failures and goes on with the next; disables the hook after 3 days and tells the account', async () => {
    const { accountId, log, box, event, create, hooks, path } = setup()
    // The account in D1, with an owner and an admin to tell.
    await env.DB.prepare('INSERT INTO accounts (id, parent_id, kind, name, path) VALUES (?, NULL, ?, ?, ?)').bind(accountId, 'reseller', 'Hookland', path).run()
    const owner = await createUser({ email: `owner-${accountId}@x.test` })
    const admin = await createUser({ email: `admin-${accountId}@x.test` })
    const user = await createUser({ email: `user-${accountId}@x.test` })
    await addMembership(owner.id, accountId, 'owner')
    await addMembership(admin.id, accountId, 'admin')
    await addMembership(user.id, accountId, 'user')
    const { hook } = await create({ kind: 'webhook', url: receiverUrl(box), description: '', types: ['server_action', 'integration_disabled'] })
    await answerWith(box, ...Array(200).fill(500))
    const first = await log.append(path, event('server_action', 'one'))
    await log.append(path, event('server_action', 'two'))
    await hooks((h) => h.run(Date.now()))
    const t0 = (await hooks((h) => h.deliveries(hook.id)))![0]!.at
    await hooks((h) => h.run(t0 + GIVE_UP_MS - 1))
    expect((await hooks((h) => h.deliveries(hook.id)))![0]).toMatchObject({ eventId: first.id, status: 'failed' })
    // Due again an hour later (the backoff), now past 24 h since its first attempt.
    await hooks((h) => h.run(t0 + GIVE_UP_MS + HOUR))
    const list = (await hooks((h) => h.deliveries(hook.id)))!
    // "one" given up; "two" tried at once and failing with its own 24 hours.
    expect(list[1]).toMatchObject({ eventId: first.id, status: 'gave_up', nextRetryAt: null })
    expect(list[0]).toMatchObject({ status: 'failed', attempt: 1 })
    expect(JSON.parse((await received(box)).at(-1)!.body).event.description).toBe('two')
    expect((await hooks((h) => h.get(hook.id)))!.enabled).toBe(true)

    await hooks((h) => h.run(t0 + DISABLE_AFTER_MS))
    const view = (await hooks((h) => h.get(hook.id)))!
    expect(view.enabled).toBe(false)
    expect(view.disabledReason).toContain(new Date(t0).toISOString())
    // Told: an event in the account's log…
    const events = await log.list({ types: ['integration_disabled'], kind: 'action' }, 10)
    expect(events.items).toHaveLength(1)
    expect(events.items[0]!.target).toMatchObject({ kind: 'webhook', id: hook.id })
    // …and an email to the owner and admin (not the plain user).
    await expect
      .poll(async () => (await env.DB.prepare('SELECT "to", subject FROM email_outbox WHERE "to" LIKE ? ORDER BY "to"').bind(`%-${accountId}@x.test`).all<{ to: string; subject: string }>()).results)
      .toEqual([
        { to: admin.email, subject: '[Hookland] A webhook was turned off' },
        { to: owner.email, subject: '[Hookland] A webhook was turned off' },
      ])
    // A disabled hook is not tried, and turning it on resumes at its cursor.
    const before = (await received(box)).length
    await hooks((h) => h.run(t0 + DISABLE_AFTER_MS + HOUR * 5))
    expect((await received(box)).length).toBe(before)
    await fetch(`${env.HOOK_RECEIVER_URL}/_control/${box}`, { method: 'DELETE' })
    await hooks((h) => h.update(hook.id, { enabled: true }))
    await hooks((h) => h.run(Date.now()))
    expect((await bodies(box)).map((b) => b.event.description)).toEqual(['two', expect.stringContaining('turned off')])
  })

  it('refuses, without sending, a host that resolves to a private address; sends when it resolves to a public one', async () => {
    const { log, event, create, hooks, path } = setup()
    const name = `rebind-${crypto.randomUUID().slice(0, 8)}.hooks.test`
    await publishAddresses(name, 'A', '10.0.0.5')
    const { hook } = await create({ kind: 'webhook', url: `https://${name}/in`, description: '', types: ['server_action'] })
    await log.append(path, event('server_action'))
    await hooks((h) => h.run())
    const [refused] = (await hooks((h) => h.deliveries(hook.id)))!
    expect(refused).toMatchObject({ status: 'refused', responseCode: null })
    expect(refused!.error).toContain('10.0.0.5')
    // An AAAA record into the unique-local range is refused the same way.
    await publishAddresses(name, 'A', '93.184.215.14')
    await publishAddresses(name, 'AAAA', 'fd00::1')
    await hooks((h) => h.run(Date.now() + backoff(1)))
    expect((await hooks((h) => h.deliveries(hook.id)))![0]!.error).toContain('fd00:0:0:0:0:0:0:1')
  })

  it('reports a ping and a resend as results: a receiver that is down is an answer, not an error', async () => {
    const { log, box, event, create, hooks, path } = setup()
    const { hook } = await create({ kind: 'webhook', url: receiverUrl(box), description: '', types: ['server_action'] })
    const ok = (await hooks((h) => h.test(hook.id)))!
    expect(ok).toMatchObject({ kind: 'ping', status: 'delivered', responseCode: 200 })
    expect(JSON.parse((await received(box))[0]!.body)).toMatchObject({ type: 'ping', event: null })
    await answerWith(box, 502)
    expect(await hooks((h) => h.test(hook.id))).toMatchObject({ status: 'failed', responseCode: 502 })
    // Nobody listening at all.
    const dead = await create({ kind: 'webhook', url: 'http://127.0.0.1:9/nothing', description: '', types: ['server_action'] })
    expect(await hooks((h) => h.test(dead.hook.id))).toMatchObject({ status: 'failed', responseCode: null, error: expect.stringContaining('connect') })

    const stored = await log.append(path, event('server_action', 'resend me'))
    await hooks((h) => h.run())
    const delivered = (await hooks((h) => h.deliveries(hook.id)))!.find((d) => d.kind === 'event')!
    const again = await hooks((h) => h.resend(hook.id, delivered.id))
    expect(again).toMatchObject({ kind: 'resend', status: 'delivered', eventId: stored.id })
    const last = (await received(box)).at(-1)!
    expect(last.headers['trellis-event-id']).toBe(stored.id)
    expect(await hooks((h) => h.resend(hook.id, 999_999))).toBeNull()
  })
})

describe('log streams', () => {
  it('streams every event of the log in batches, in each format, with the event ids, and reports its lag', async () => {
    const { log, box, event, create, hooks, path } = setup()
    const inputs = Array.from({ length: 620 }, (_, i) => event(i % 2 ? 'server_action' : 'login', `s${i}`))
    for (let i = 0; i < inputs.length; i += 200) await log.appendMany(path, inputs.slice(i, i + 200))
    const nd = await create({ kind: 'stream', url: receiverUrl(`${box}-nd`), description: '', format: 'ndjson', token: null })
    const dd = await create({ kind: 'stream', url: receiverUrl(`${box}-dd`, '/api/v2/logs'), description: '', format: 'datadog', token: 'dd-key-123' })
    const sp = await create({ kind: 'stream', url: receiverUrl(`${box}-sp`, '/services/collector/event'), description: '', format: 'splunk', token: 'hec-token-9' })
    expect(nd.secret).toBeNull()
    // Before any delivery: the whole log is behind.
    const lag = (await hooks((h) => h.get(nd.hook.id)))!.lag
    expect(lag.events).toBe(620)
    expect(lag.seconds).toBeGreaterThanOrEqual(0)
    await answerWith(`${box}-sp`, 503)
    await hooks((h) => h.run(Date.now()))

    const ndjson = await received(`${box}-nd`)
    expect(ndjson.map((r) => r.headers['content-type'])).toEqual(['application/x-ndjson', 'application/x-ndjson'])
    const lines = ndjson.flatMap((r) => r.body.trim().split('\n').map((l) => JSON.parse(l)))
    expect(lines.map((l) => l.description)).toEqual(inputs.map((e) => e.description))
    expect(new Set(lines.map((l) => l.id)).size).toBe(620)

    const datadog = await received(`${box}-dd`)
    expect(datadog[0]!.headers['dd-api-key']).toBe('dd-key-123')
    expect(datadog[0]!.path).toBe(`/in/${box}-dd/api/v2/logs`)
    const ddLogs = datadog.flatMap((r) => JSON.parse(r.body) as { id: string; message: string; ddsource: string; ddtags: string; trellis: { id: string } }[])
    expect(ddLogs).toHaveLength(620)
    expect(ddLogs[1]).toMatchObject({ ddsource: 'trellis', message: 's1', ddtags: expect.stringContaining('type:server_action') })
    expect(ddLogs[1]!.trellis.id).toBe(ddLogs[1]!.id)

    // Splunk answered 503 first: the same batch again at the next try, nothing skipped.
    let splunk = await received(`${box}-sp`)
    expect(splunk).toHaveLength(1)
    expect(splunk[0]!.headers.authorization).toBe('Splunk hec-token-9')
    expect((await hooks((h) => h.get(sp.hook.id)))!.lag.events).toBe(620)
    await hooks((h) => h.run(Date.now() + backoff(1)))
    splunk = await received(`${box}-sp`)
    expect(splunk[1]!.body).toBe(splunk[0]!.body)
    const hec = splunk.slice(1).flatMap((r) => r.body.split('\n').map((l) => JSON.parse(l) as { time: number; event: { id: string; description: string }; source: string; sourcetype: string }))
    expect(hec.map((h) => h.event.description)).toEqual(inputs.map((e) => e.description))
    expect(hec[0]).toMatchObject({ source: 'trellis', sourcetype: 'trellis:activity' })
    expect(typeof hec[0]!.time).toBe('number')
    for (const id of [nd.hook.id, dd.hook.id, sp.hook.id]) expect((await hooks((h) => h.get(id)))!.lag).toEqual({ events: 0, seconds: 0 })

    // The token is stored encrypted: nowhere in the object's storage in clear.
    const raw = await runInDurableObject(log, (_i: ActivityLog, state) => JSON.stringify(state.storage.sql.exec('SELECT * FROM hooks').toArray()))
    expect(raw).not.toContain('dd-key-123')
    expect(raw).not.toContain('hec-token-9')
  })
})
