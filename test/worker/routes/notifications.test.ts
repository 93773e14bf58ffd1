import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { accountId, api, jsonOf, login, membershipId, problem, serviceId } from '../../helpers/client.ts'

const path = async (email: string) => `/accounts/${await accountId('Acme Hosting')}/members/${await membershipId(email, 'Acme Hosting')}/notifications`
const emailsTo = async (to: string) =>
  (await env.DB.prepare('SELECT subject, text FROM email_outbox WHERE "to" = ? ORDER BY created_at').bind(to).all<{ subject: string; text: string }>()).results

describe('member notifications', () => {
  it('lets a manager or the member choose the event types; others cannot', async () => {
    const sarah = await path('sarah@acme.test')
    const owner = await login('owner@acme.test')
    const set = await api(sarah, { method: 'PUT', cookie: owner, json: { types: ['server_action', 'service_updated', 'server_action'] } })
    expect(set.status).toBe(200)
    expect(await set.json()).toEqual({ types: ['server_action', 'service_updated'] })
    const own = await jsonOf(await api(sarah, { cookie: await login('sarah@acme.test') }), 'getMemberNotifications')
    expect(own.types).toEqual(['server_action', 'service_updated'])
    expect(own.available).toContain('login')
    expect(own.available).not.toContain('page_view')
    expect((await api(sarah, { method: 'PUT', cookie: await login('sarah@acme.test'), json: { types: [] } })).status).toBe(200)

    expect((await api(sarah, { method: 'PUT', cookie: await login('billie@acme.test'), json: { types: ['login'] } })).status).toBe(403)
    expect((await api(sarah, { cookie: await login('owner@globex.test') })).status).toBe(404)
    const bad = await api(sarah, { method: 'PUT', cookie: owner, json: { types: ['page_view'] } })
    expect(bad.status).toBe(400)
    expect((await problem(bad)).errors?.[0]?.field).toMatch(/^types/)
  })

  it('offers and accepts only event types the member may view', async () => {
    // Protects against: a member without activity.view reading the log's events by email.
    const tom = await path('tom@acme.test')
    const offered = await jsonOf(await api(tom, { cookie: await login('tom@acme.test') }), 'getMemberNotifications')
    expect(offered.available).toEqual([])
    for (const cookie of [await login('owner@acme.test'), await login('tom@acme.test')]) {
      const refused = await api(tom, { method: 'PUT', cookie, json: { types: ['server_action'] } })
      expect(refused.status).toBe(403)
      const body = await problem(refused)
      expect(body.errors?.[0]?.field).toBe('types')
      expect(body.detail).toContain('server_action')
    }
    expect((await api(tom, { method: 'PUT', cookie: await login('owner@acme.test'), json: { types: [] } })).status).toBe(200)
  })

  it('emails subscribers about matching events in their account, never the person who did it', async () => {
    const owner = await login('owner@acme.test')
    expect((await api(await path('owner@acme.test'), { method: 'PUT', cookie: owner, json: { types: ['server_action'] } })).status).toBe(200)
    expect((await api(await path('sarah@acme.test'), { method: 'PUT', cookie: owner, json: { types: ['server_action'] } })).status).toBe(200)
    const acme = await accountId('Acme Hosting')
    const server = await serviceId('acme-control-01')
    expect((await api(`/accounts/${acme}/services/${server}/actions/restart`, { method: 'POST', cookie: await login('sarah@acme.test') })).status).toBe(202)

    const mails = await emailsTo('owner@acme.test')
    expect(mails).toHaveLength(1)
    expect(mails[0]!.subject).toBe('[Acme Hosting] server action')
    expect(mails[0]!.text).toContain('sarah@acme.test')
    expect(mails[0]!.text).toContain(`/a/${acme}/activity`)
    expect(await emailsTo('sarah@acme.test')).toEqual([])
    // Unsubscribed types send nothing.
    expect(await emailsTo('billie@acme.test')).toEqual([])
  })

  it('never emails an event to a member who can no longer view it', async () => {
    // Protects against: a subscription outliving the permission it was chosen under.
    const owner = await login('owner@acme.test')
    expect((await api(await path('sarah@acme.test'), { method: 'PUT', cookie: owner, json: { types: ['server_action'] } })).status).toBe(200)
    expect((await api(await path('owner@acme.test'), { method: 'PUT', cookie: owner, json: { types: ['server_action'] } })).status).toBe(200)
    // Sarah's activity.view came from the Customer care role; it loses it.
    const acme = await accountId('Acme Hosting')
    const role = (await env.DB.prepare("SELECT id FROM roles WHERE name = 'Customer care'").first<{ id: string }>())!.id
    expect((await api(`/accounts/${acme}/roles/${role}`, { method: 'PATCH', cookie: owner, json: { permissions: ['customers.view', 'services.view'] } })).status).toBe(200)
    const server = await serviceId('acme-control-01')
    expect((await api(`/accounts/${acme}/services/${server}/actions/restart`, { method: 'POST', cookie: await login('tom@acme.test') })).status).toBe(202)
    expect(await emailsTo('owner@acme.test')).toHaveLength(1)
    expect(await emailsTo('sarah@acme.test')).toEqual([])
  })
})
