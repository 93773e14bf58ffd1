import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { ProviderRefused, ProviderUnavailable, resendDomains, resendMailer } from '../../../worker/src/adapters/email.ts'
import worker from '../../../worker/src/index.ts'
import { FREQUENT_CRON } from '../../../worker/src/scheduled.ts'
import { accountId, api, jsonOf, login, problem } from '../../helpers/client.ts'

// The real adapter against a local stand-in of Resend's API (test/helpers/resend-api.ts), started by vitest.config.ts.
const provider = { ...env, RESEND_API_KEY: env.TEST_RESEND_KEY, RESEND_API_BASE: env.TEST_RESEND_BASE, EMAIL_FROM: 'Nimbus Cloud <mail@nimbus.test>' }
const control = async <T>(what: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${env.TEST_RESEND_BASE}/_control/${what}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })
  expect(res.ok).toBe(true)
  return (await res.json()) as T
}
type Sent = { from: string; to: string[]; subject: string; reply_to?: string }
const sentTo = async (email: string) => (await control<Sent[]>('emails')).filter((m) => m.to.includes(email))

/** Call the API with the email provider configured (the rest of the suite keeps mail in the outbox). */
async function withProvider(path: string, init: { method?: string; cookie?: string; json?: unknown } = {}) {
  const headers = new Headers({ origin: 'http://localhost' })
  if (init.cookie) headers.set('cookie', init.cookie)
  if (init.json !== undefined) headers.set('content-type', 'application/json')
  const ctx = createExecutionContext()
  const res = await worker.fetch(new Request(`http://localhost/api/v1${path}`, { method: init.method ?? 'GET', headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) }), provider, ctx)
  await waitOnExecutionContext(ctx)
  return res
}

describe('the Resend adapter', () => {
  it("sends with the reseller's name, its own address when given, and its support address as Reply-To", async () => {
    const mailer = resendMailer({ apiKey: env.TEST_RESEND_KEY, from: 'Nimbus Cloud <mail@nimbus.test>', base: env.TEST_RESEND_BASE })
    await mailer.send({ to: 'adapter-1@example.test', subject: 's', text: 't', html: '<p>t</p>', fromName: 'Acme "Hosting"', fromAddress: null, replyTo: 'support@acme.test' })
    await mailer.send({ to: 'adapter-2@example.test', subject: 's', text: 't', html: '<p>t</p>', fromName: 'Acme Hosting', fromAddress: 'portal@mail.acme.example' })
    await mailer.send({ to: 'adapter-3@example.test', subject: 's', text: 't', html: '<p>t</p>' })
    expect((await sentTo('adapter-1@example.test'))[0]).toMatchObject({ from: '"Acme Hosting" <mail@nimbus.test>', reply_to: 'support@acme.test' })
    expect((await sentTo('adapter-2@example.test'))[0]!.from).toBe('"Acme Hosting" <portal@mail.acme.example>')
    expect((await sentTo('adapter-3@example.test'))[0]!.from).toBe('Nimbus Cloud <mail@nimbus.test>')
  })

  it('registers, verifies and removes domains, and tells refusals from outages', async () => {
    const domains = resendDomains({ apiKey: env.TEST_RESEND_KEY, base: env.TEST_RESEND_BASE })
    const d = await domains.create('mail.adapter.example')
    expect(d.status).toBe('not_started')
    expect(d.records.map((r) => `${r.record} ${r.type}`)).toEqual(['SPF MX', 'SPF TXT', 'DKIM TXT'])
    await domains.verify(d.id)
    expect((await domains.get(d.id))?.status).toBe('pending')
    await expect(domains.create('mail.adapter.example')).rejects.toBeInstanceOf(ProviderRefused)
    await expect(domains.create('not a domain')).rejects.toBeInstanceOf(ProviderRefused)
    await expect(resendDomains({ apiKey: 'wrong', base: env.TEST_RESEND_BASE }).create('x.adapter.example')).rejects.toBeInstanceOf(ProviderRefused)
    await domains.remove(d.id)
    expect(await domains.get(d.id)).toBeNull()
  })
})

describe("a reseller's own email sender", () => {
  it('registers the domain, shows its DNS records, and sends from it once the provider has verified them', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    let res = await withProvider(`/accounts/${acme}/email-sender`, { cookie })
    expect(res.status).toBe(200)
    expect((await jsonOf(res, 'getEmailSender')).from).toEqual({ name: 'Acme Hosting', address: 'mail@nimbus.test', replyTo: 'support@acme.test' })

    res = await withProvider(`/accounts/${acme}/email-sender`, { method: 'PUT', cookie, json: { domain: 'Mail.Acme-Hosting.example' } })
    expect(res.status, await res.clone().text()).toBe(200)
    let sender = await jsonOf(res, 'setEmailSenderDomain')
    expect(sender.domain).toMatchObject({ domain: 'mail.acme-hosting.example', status: 'not_started', address: 'portal@mail.acme-hosting.example' })
    expect(sender.domain!.records).toHaveLength(3)
    // Not verified yet: mail still leaves from the platform's address, in Acme's name.
    expect(sender.from.address).toBe('mail@nimbus.test')
    expect((await withProvider(`/accounts/${acme}/members`, { method: 'POST', cookie, json: { email: 'sender-before@example.test', level: 'user', roles: [] } })).status).toBe(201)
    expect((await sentTo('sender-before@example.test'))[0]).toMatchObject({ from: '"Acme Hosting" <mail@nimbus.test>', reply_to: 'support@acme.test' })

    res = await withProvider(`/accounts/${acme}/email-sender/verify`, { method: 'POST', cookie })
    expect((await jsonOf(res, 'verifyEmailSenderDomain')).domain!.status).toBe('pending')
    await control('domain', { name: 'mail.acme-hosting.example', status: 'verified' })
    // The daily cron (or the Verify button) picks the provider's verdict up.
    res = await withProvider(`/accounts/${acme}/email-sender/verify`, { method: 'POST', cookie })
    sender = await jsonOf(res, 'verifyEmailSenderDomain')
    expect(sender.domain!.status).toBe('verified')
    expect(sender.from.address).toBe('portal@mail.acme-hosting.example')

    // Mail of Acme's whole tree now leaves from Acme's domain: Acme's own, and its customers'.
    expect((await withProvider(`/accounts/${acme}/members`, { method: 'POST', cookie, json: { email: 'sender-after@example.test', level: 'user', roles: [] } })).status).toBe(201)
    expect((await sentTo('sender-after@example.test'))[0]!.from).toBe('"Acme Hosting" <portal@mail.acme-hosting.example>')
    const bluebird = await accountId('Bluebird Bakery')
    const bluebirdOwner = await login('owner@bluebird.test')
    expect((await withProvider(`/accounts/${bluebird}/members`, { method: 'POST', cookie: bluebirdOwner, json: { email: 'sender-customer@example.test', level: 'user', roles: [] } })).status).toBe(201)
    expect((await sentTo('sender-customer@example.test'))[0]!.from).toBe('"Acme Hosting" <portal@mail.acme-hosting.example>')

    // Removing it sends mail from the platform again, and the provider forgets the domain.
    expect((await withProvider(`/accounts/${acme}/email-sender`, { method: 'DELETE', cookie })).status).toBe(204)
    expect((await control<{ name: string }[]>('domains')).map((d) => d.name)).not.toContain('mail.acme-hosting.example')
    expect((await jsonOf(await withProvider(`/accounts/${acme}/email-sender`, { cookie }), 'getEmailSender')).from.address).toBe('mail@nimbus.test')
  })

  it("refuses another reseller's domain, the platform's own, and bad input, naming the field", async () => {
    const [acmeCookie, globexCookie] = [await login('owner@acme.test'), await login('owner@globex.test')]
    const [acme, globex] = [await accountId('Acme Hosting'), await accountId('Globex Partners')]
    expect((await withProvider(`/accounts/${acme}/email-sender`, { method: 'PUT', cookie: acmeCookie, json: { domain: 'mail.taken.example' } })).status).toBe(200)
    for (const [domain, status] of [
      ['mail.taken.example', 409],
      ['nimbus.test', 409],
      ['news.nimbus.test', 409],
      ['https://mail.example.com/x', 400],
      ['', 400],
    ] as const) {
      const res = await withProvider(`/accounts/${globex}/email-sender`, { method: 'PUT', cookie: globexCookie, json: { domain } })
      expect(res.status, domain).toBe(status)
      expect((await problem(res)).errors?.[0]?.field, domain).toBe('domain')
    }
  })

  it('keeps other tenants, lower levels and customers out', async () => {
    const acme = await accountId('Acme Hosting')
    expect((await withProvider(`/accounts/${acme}/email-sender`)).status).toBe(401)
    // Another reseller: the account does not exist for it.
    expect((await withProvider(`/accounts/${acme}/email-sender`, { cookie: await login('owner@globex.test') })).status).toBe(404)
    // A member of Acme who may not manage its branding.
    expect((await withProvider(`/accounts/${acme}/email-sender`, { method: 'PUT', cookie: await login('tom@acme.test'), json: { domain: 'mail.tom.example' } })).status).toBe(403)
    // Customers have no sender of their own.
    const bluebird = await accountId('Bluebird Bakery')
    expect((await withProvider(`/accounts/${bluebird}/email-sender`, { cookie: await login('owner@bluebird.test') })).status).toBe(404)
  })

  it('answers 422 without a provider, and keeps the sender it would have used in the outbox', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const res = await api(`/accounts/${acme}/email-sender`, { method: 'PUT', cookie, json: { domain: 'mail.nowhere.example' } })
    expect(res.status).toBe(422)
    expect((await problem(res)).code).toBe('email_provider_unconfigured')
    expect((await jsonOf(await api(`/accounts/${acme}/email-sender`, { cookie }), 'getEmailSender')).available).toBe(false)
    expect((await api(`/accounts/${acme}/members`, { method: 'POST', cookie, json: { email: 'outbox-sender@example.test', level: 'user', roles: [] } })).status).toBe(201)
    const row = await env.DB.prepare('SELECT sender, reply_to FROM email_outbox WHERE "to" = ?').bind('outbox-sender@example.test').first()
    expect(row).toEqual({ sender: '"Acme Hosting" <no-reply@trellis.invalid>', reply_to: 'support@acme.test' })
  })

  it('does not fail the request when the provider is down: it keeps the domain, says so, and the 5-minute cron registers it', async () => {
    const cookie = await login('owner@globex.test')
    const globex = await accountId('Globex Partners')
    await control('fail', { about: 'mail.down.example', times: 1, status: 503 })
    const res = await withProvider(`/accounts/${globex}/email-sender`, { method: 'PUT', cookie, json: { domain: 'mail.down.example' } })
    expect(res.status, await res.clone().text()).toBe(200)
    const kept = await jsonOf(res, 'setEmailSenderDomain')
    expect(kept.notice).toMatch(/could not be reached/)
    expect(kept.domain).toMatchObject({ domain: 'mail.down.example', registered: false, status: 'not_started', records: [] })
    // Mail still leaves from the platform's address meanwhile.
    expect(kept.from.address).toBe('mail@nimbus.test')
    expect((await control<{ name: string }[]>('domains')).map((d) => d.name)).not.toContain('mail.down.example')

    // Verify while it is still down: an answer, not a failure.
    await control('fail', { about: 'mail.down.example', times: 1, status: 500 })
    const still = await withProvider(`/accounts/${globex}/email-sender/verify`, { method: 'POST', cookie })
    expect(still.status).toBe(200)
    expect((await jsonOf(still, 'verifyEmailSenderDomain')).notice).toMatch(/could not be reached/)

    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: FREQUENT_CRON }), provider, ctx)
    await waitOnExecutionContext(ctx)
    const after = await jsonOf(await withProvider(`/accounts/${globex}/email-sender`, { cookie }), 'getEmailSender')
    expect(after.domain).toMatchObject({ domain: 'mail.down.example', registered: true, status: 'not_started' })
    expect(after.domain!.records).toHaveLength(3)
    expect((await control<{ name: string }[]>('domains')).map((d) => d.name)).toContain('mail.down.example')
  })

  it('registers a waiting domain from the Verify button once the provider answers', async () => {
    const cookie = await login('owner@globex.test')
    const globex = await accountId('Globex Partners')
    await control('fail', { about: 'mail.later.example', times: 1, status: 429 })
    expect((await jsonOf(await withProvider(`/accounts/${globex}/email-sender`, { method: 'PUT', cookie, json: { domain: 'mail.later.example' } }), 'setEmailSenderDomain')).domain!.registered).toBe(false)
    const res = await withProvider(`/accounts/${globex}/email-sender/verify`, { method: 'POST', cookie })
    const sender = await jsonOf(res, 'verifyEmailSenderDomain')
    expect(sender.notice).toBeNull()
    expect(sender.domain).toMatchObject({ registered: true, status: 'pending' })
    expect(sender.domain!.records).toHaveLength(3)
  })

  it("is checked by the daily cron, which picks up the provider's verdict", async () => {
    const cookie = await login('owner@globex.test')
    const globex = await accountId('Globex Partners')
    expect((await withProvider(`/accounts/${globex}/email-sender`, { method: 'PUT', cookie, json: { domain: 'mail.globex-cron.example' } })).status).toBe(200)
    await control('domain', { name: 'mail.globex-cron.example', status: 'verified' })
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '30 3 * * *' }), provider, ctx)
    await waitOnExecutionContext(ctx)
    const sender = await jsonOf(await withProvider(`/accounts/${globex}/email-sender`, { cookie }), 'getEmailSender')
    expect(sender.domain?.status).toBe('verified')
    expect(sender.from.address).toBe('portal@mail.globex-cron.example')
  })
})
