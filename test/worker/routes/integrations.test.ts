import { describe, expect, it } from 'vitest'
import { accountId, answerWith, api, login, problem, received, receiverUrl, userIdOf, jsonOf } from '../../helpers/client.ts'

const base = async (account = 'Acme Hosting') => `/accounts/${await accountId(account)}/integrations`


async function addWebhook(cookie: string, account = 'Acme Hosting', body: Record<string, unknown> = {}) {
  const box = crypto.randomUUID()
  const res = await api(`${await base(account)}/webhooks`, { method: 'POST', cookie, json: { url: receiverUrl(box), types: ['server_action'], ...body } })
  return { res, box }
}

describe('integrations: who may', () => {
  it('answers 401 without a session, 404 for another tenant’s account and hook ids, 403 without activity.export', async () => {
    const owner = await login('owner@acme.test')
    const before = (await jsonOf(await api(await base(), { cookie: owner }), 'listIntegrations')).items.map((i) => i.id)
    const { res, box: _box } = await addWebhook(owner)
    expect(res.status).toBe(201)
    const { integration } = await jsonOf(res, 'createWebhook')
    const acme = await base()

    expect((await api(acme)).status).toBe(401)
    expect((await api(`${acme}/webhooks`, { method: 'POST', json: { url: 'https://example.com/', types: ['server_action'] } })).status).toBe(401)

    // Another reseller: not its account (404) and not its hook, even through its own account (404).
    const globex = await login('owner@globex.test')
    expect((await api(acme, { cookie: globex })).status).toBe(404)
    expect((await api(`${acme}/${integration.id}/deliveries`, { cookie: globex })).status).toBe(404)
    const globexBase = await base('Globex Partners')
    for (const [method, path] of [
      ['GET', `${globexBase}/${integration.id}/deliveries`],
      ['POST', `${globexBase}/${integration.id}/test`],
      ['PATCH', `${globexBase}/${integration.id}`],
      ['DELETE', `${globexBase}/${integration.id}`],
      ['POST', `${globexBase}/${integration.id}/rotate-secret`],
    ] as const) {
      const r = await api(path, { method, cookie: globex, ...(method === 'PATCH' && { json: { enabled: false } }) })
      expect(r.status, `${method} ${path}`).toBe(404)
    }
    // A customer below cannot reach its reseller's integrations.
    expect((await api(acme, { cookie: await login('owner@bluebird.test') })).status).toBe(404)

    // Lower levels without activity.export: Sarah (admin, activity.view) and Tom (user).
    for (const email of ['sarah@acme.test', 'tom@acme.test']) {
      const cookie = await login(email)
      expect((await api(acme, { cookie })).status).toBe(403)
      expect((await addWebhook(cookie)).res.status).toBe(403)
      expect((await api(`${acme}/${integration.id}/test`, { method: 'POST', cookie })).status).toBe(403)
    }
    // Nothing changed for the owner.
    const list = await jsonOf(await api(acme, { cookie: owner }), 'listIntegrations')
    expect(list.items.map((i) => i.id)).toEqual([...before, integration.id])
  })

  it('lets an impersonator look but not add, rotate, test, change or delete', async () => {
    // Bluebird's owner adds a webhook; Acme's owner then acts as Sam, a Bluebird admin.
    const bea = await login('owner@bluebird.test')
    const { res } = await addWebhook(bea, 'Bluebird Bakery')
    expect(res.status).toBe(201)
    const { integration } = await jsonOf(res, 'createWebhook')
    const bluebird = await base('Bluebird Bakery')
    const owner = await login('owner@acme.test')
    const started = await api('/impersonation', { method: 'POST', cookie: owner, json: { userId: await userIdOf('owner@bluebird.test'), accountId: await accountId('Bluebird Bakery'), reason: 'support ticket 7' } })
    expect(started.status).toBe(201)
    const view = await api(bluebird, { cookie: owner })
    expect(view.status).toBe(200)
    expect((await jsonOf(view, 'listIntegrations')).readOnly).toBe(true)
    expect((await api(`${bluebird}/${integration.id}/deliveries`, { cookie: owner })).status).toBe(200)
    for (const [method, path] of [
      ['POST', `${bluebird}/webhooks`],
      ['POST', `${bluebird}/${integration.id}/rotate-secret`],
      ['POST', `${bluebird}/${integration.id}/test`],
      ['PATCH', `${bluebird}/${integration.id}`],
      ['DELETE', `${bluebird}/${integration.id}`],
    ] as const) {
      const r = await api(path, { method, cookie: owner, json: method === 'POST' && path.endsWith('webhooks') ? { url: 'https://example.com/', types: ['server_action'] } : method === 'PATCH' ? { enabled: false } : undefined })
      expect(r.status, `${method} ${path}`).toBe(403)
      expect((await problem(r)).code).toBe('impersonation_restricted')
    }
    // Refused before the body is read: bad input from an impersonator still answers that they may not.
    const bad = await api(`${bluebird}/webhooks`, { method: 'POST', cookie: owner, json: { url: 'not a url' } })
    expect(bad.status).toBe(403)
    expect((await problem(bad)).code).toBe('impersonation_restricted')
  })
})

describe('integrations: bad input', () => {
  it('answers field errors naming url or types: http, localhost, private ranges, unknown or unviewable types', async () => {
    const owner = await login('owner@acme.test')
    const path = `${await base()}/webhooks`
    const cases: [unknown, string][] = [
      [{ url: 'ftp://example.com/', types: ['server_action'] }, 'url'],
      [{ url: 'not a url', types: ['server_action'] }, 'url'],
      [{ url: 'https://user:pw@example.com/', types: ['server_action'] }, 'url'],
      [{ url: 'https://10.1.2.3/hook', types: ['server_action'] }, 'url'],
      [{ url: 'https://192.168.0.10/hook', types: ['server_action'] }, 'url'],
      [{ url: 'https://169.254.169.254/latest/meta-data', types: ['server_action'] }, 'url'],
      [{ url: 'https://[fd00::1]/hook', types: ['server_action'] }, 'url'],
      [{ url: 'https://[::ffff:10.0.0.1]/hook', types: ['server_action'] }, 'url'],
      [{ url: 'https://intranet/hook', types: ['server_action'] }, 'url'],
      [{ url: 'https://example.com/', types: ['no_such_type'] }, 'types'],
      [{ url: 'https://example.com/', types: ['page_view'] }, 'types'],
      [{ url: 'https://example.com/', types: [] }, 'types'],
    ]
    for (const [json, field] of cases) {
      const res = await api(path, { method: 'POST', cookie: owner, json })
      expect(res.status, JSON.stringify(json)).toBe(400)
      expect((await problem(res)).errors?.[0]?.field, JSON.stringify(json)).toMatch(new RegExp(`^${field}`))
    }
    const streams = `${await base()}/streams`
    const noToken = await api(streams, { method: 'POST', cookie: owner, json: { url: 'https://http-intake.logs.datadoghq.eu', format: 'datadog' } })
    expect(noToken.status).toBe(400)
    expect((await problem(noToken)).errors?.[0]?.field).toBe('token')
    const badFormat = await api(streams, { method: 'POST', cookie: owner, json: { url: 'https://example.com/', format: 'syslog' } })
    expect(badFormat.status).toBe(400)
    expect((await problem(badFormat)).errors?.[0]?.field).toBe('format')
    // Customers have no log streams.
    expect((await api(`${await base('Bluebird Bakery')}/streams`, { method: 'POST', cookie: await login('owner@bluebird.test'), json: { url: 'https://example.com/', format: 'ndjson' } })).status).toBe(404)
  })

  it('offers and accepts only the event types the creator may view', async () => {
    // An owner without activity.view cannot exist; a webhook's types are checked against the creator's view rights,
    // the same decision as notification emails: every action type with activity.view, page views never.
    const owner = await login('owner@acme.test')
    const list = await jsonOf(await api(await base(), { cookie: owner }), 'listIntegrations')
    expect(list.eventTypes).toContain('server_action')
    expect(list.eventTypes).not.toContain('page_view')
    expect(list.streamsAvailable).toBe(true)
    expect(list.readOnly).toBe(false)
    const customer = await jsonOf(await api(await base('Bluebird Bakery'), { cookie: await login('owner@bluebird.test') }), 'listIntegrations')
    expect(customer.streamsAvailable).toBe(false)
  })
})

describe('integrations: the flow', () => {
  it('creates a webhook (secret once), delivers a real event from the API, sends a test, lists and resends deliveries, turns off and deletes', async () => {
    const owner = await login('owner@acme.test')
    const acme = await base()
    const { res, box } = await addWebhook(owner, 'Acme Hosting', { types: ['member_updated', 'integration_updated'], description: 'SIEM' })
    expect(res.status).toBe(201)
    const created = await jsonOf(res, 'createWebhook')
    expect(created.secret).toMatch(/^whsec_/)
    const id = created.integration.id
    // The secret is never shown again.
    expect(JSON.stringify(await (await api(acme, { cookie: owner })).json())).not.toContain(created.secret)

    // Send test: the receiver's answer comes back, even a refusal.
    const ping = await api(`${acme}/${id}/test`, { method: 'POST', cookie: owner })
    expect(ping.status).toBe(200)
    expect(await ping.json()).toMatchObject({ kind: 'ping', status: 'delivered', responseCode: 200 })
    await answerWith(box, 500)
    const failedPing = await api(`${acme}/${id}/test`, { method: 'POST', cookie: owner })
    expect(failedPing.status).toBe(200)
    expect(await failedPing.json()).toMatchObject({ kind: 'ping', status: 'failed', responseCode: 500 })

    // A change through the API reaches the receiver (the log's alarm delivers it).
    const patched = await api(`${acme}/${id}`, { method: 'PATCH', cookie: owner, json: { description: 'SIEM main' } })
    expect(patched.status).toBe(200)
    await expect.poll(async () => (await received(box)).filter((r) => r.headers['trellis-event-type'] === 'integration_updated').length, { timeout: 10_000 }).toBe(1)

    const deliveries = await jsonOf(await api(`${acme}/${id}/deliveries`, { cookie: owner }), 'listIntegrationDeliveries')
    expect(deliveries.items.map((d) => d.kind)).toEqual(['event', 'ping', 'ping'])
    const resent = await api(`${acme}/${id}/deliveries/${deliveries.items[0]!.id}/resend`, { method: 'POST', cookie: owner })
    expect(resent.status).toBe(200)
    expect(await resent.json()).toMatchObject({ kind: 'resend', status: 'delivered' })
    expect((await api(`${acme}/${id}/deliveries/999999/resend`, { method: 'POST', cookie: owner })).status).toBe(404)

    const rotated = await api(`${acme}/${id}/rotate-secret`, { method: 'POST', cookie: owner })
    expect(rotated.status).toBe(200)
    expect((await jsonOf(rotated, 'rotateWebhookSecret')).secret).not.toBe(created.secret)

    const off = await api(`${acme}/${id}`, { method: 'PATCH', cookie: owner, json: { enabled: false } })
    expect((await jsonOf(off, 'updateIntegration')).enabled).toBe(false)
    expect((await api(`${acme}/${id}`, { method: 'DELETE', cookie: owner })).status).toBe(204)
    expect((await api(`${acme}/${id}/deliveries`, { cookie: owner })).status).toBe(404)

    // Each change is in the activity log.
    const log = await jsonOf(await api(`/accounts/${await accountId('Acme Hosting')}/activity?target=${id}`, { cookie: owner }), 'listActivity')
    expect(log.items.map((e) => e.type).sort()).toEqual(['integration_created', 'integration_deleted', 'integration_secret_rotated', 'integration_updated', 'integration_updated'])
  })

  it('creates log streams on a reseller, keeps tokens out of every answer, and shows the lag', async () => {
    const owner = await login('owner@acme.test')
    const streams = `${await base()}/streams`
    const box = crypto.randomUUID()
    const res = await api(streams, { method: 'POST', cookie: owner, json: { url: receiverUrl(box), format: 'splunk', token: 'hec-secret-token' } })
    expect(res.status).toBe(201)
    const created = await jsonOf(res, 'createLogStream')
    expect(created.secret).toBeNull()
    expect(created.integration).toMatchObject({ kind: 'stream', format: 'splunk', hasToken: true })
    expect(JSON.stringify(await (await api(await base(), { cookie: owner })).json())).not.toContain('hec-secret-token')
    await expect
      .poll(async () => (await jsonOf(await api(await base(), { cookie: owner }), 'listIntegrations')).items.find((i) => i.id === created.integration.id)!.lag.events, { timeout: 10_000 })
      .toBe(0)
    const got = await received(box)
    expect(got[0]!.headers.authorization).toBe('Splunk hec-secret-token')
  })

  it("streams the reseller's whole tree: a customer's event reaches the reseller's collector, with its id", async () => {
    const owner = await login('owner@acme.test')
    const box = crypto.randomUUID()
    expect((await api(`${await base()}/streams`, { method: 'POST', cookie: owner, json: { url: receiverUrl(box), format: 'ndjson' } })).status).toBe(201)
    // An action in Bluebird Bakery, a customer of Acme.
    const bluebird = await accountId('Bluebird Bakery')
    expect((await api(`/accounts/${bluebird}/members`, { method: 'POST', cookie: await login('owner@bluebird.test'), json: { email: 'tree-stream@example.test', level: 'user', roles: [] } })).status).toBe(201)
    await expect
      .poll(async () => (await received(box)).flatMap((r) => r.body.trim().split('\n').map((l) => JSON.parse(l) as { id: string; description: string })).filter((e) => e.description.includes('tree-stream@example.test')), { timeout: 10_000 })
      .toEqual([expect.objectContaining({ id: expect.any(String) })])
  })

  it('offers streams only to resellers and the platform', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const res = await api(`/accounts/${bluebird}/integrations/streams`, { method: 'POST', cookie: await login('owner@bluebird.test'), json: { url: receiverUrl(crypto.randomUUID()), format: 'ndjson' } })
    expect(res.status).toBe(404)
    const platform = await accountId('Nimbus Cloud')
    expect((await api(`/accounts/${platform}/integrations/streams`, { method: 'POST', cookie: await login('admin@nimbus.test'), json: { url: receiverUrl(crypto.randomUUID()), format: 'ndjson' } })).status).toBe(201)
  })
})
