import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { accountId, api, jsonOf, login, membershipId, problem, serviceId, userIdOf } from '../../helpers/client.ts'

const KEY = 'LIC-7F3A-99QZ-SECRET-0042'
const path = (account: string, sid: string, rest = '') => `/accounts/${account}/services/${sid}/license${rest}`
const put = (cookie: string, account: string, sid: string, json: unknown) => api(path(account, sid), { method: 'PUT', cookie, json })

async function licensed(name = 'bluebird-pos-01') {
  const bluebird = await accountId('Bluebird Bakery')
  const sid = await serviceId(name)
  const cookie = await login('owner@bluebird.test')
  expect((await put(cookie, bluebird, sid, { product: 'Plesk Obsidian', seats: 5, expiresAt: Date.UTC(2027, 5, 1), key: KEY })).status).toBe(200)
  return { bluebird, sid, cookie }
}

describe('licences: who may see and change them', () => {
  // Protects against cross-tenant reads of a secret: another reseller's owner gets 404 everywhere.
  it('answers 404 to a sibling tenant for the licence, its key, a change and a revoke', async () => {
    const { bluebird, sid } = await licensed()
    const cookie = await login('owner@globex.test')
    for (const account of [bluebird, await accountId('Globex Partners')]) {
      expect((await api(path(account, sid, '/key'), { cookie })).status).toBe(404)
      expect((await put(cookie, account, sid, { product: 'x', seats: 1, key: 'k' })).status).toBe(404)
      expect((await api(path(account, sid), { method: 'DELETE', cookie })).status).toBe(404)
      expect((await api(`/accounts/${account}/services/${sid}`, { cookie })).status).toBe(404)
    }
  })

  it('answers 401 without a session', async () => {
    const { bluebird, sid } = await licensed()
    expect((await api(path(bluebird, sid, '/key'))).status).toBe(401)
  })

  it('shows the key only to those who may manage the service: not to a Billing member, not outside a scope', async () => {
    const acme = await accountId('Acme Hosting')
    const sid = await serviceId('acme-control-01')
    const owner = await login('owner@acme.test')
    expect((await put(owner, acme, sid, { product: 'cPanel', seats: 1, key: KEY })).status).toBe(200)
    // Billie (Billing role) sees the service and that it has a licence, never the key.
    const billie = await login('billie@acme.test')
    const seen = await jsonOf(await api(`/accounts/${acme}/services/${sid}`, { cookie: billie }), 'getService')
    expect(seen.license).toMatchObject({ product: 'cPanel', seats: 1 })
    expect((await api(path(acme, sid, '/key'), { cookie: billie })).status).toBe(403)
    expect((await put(billie, acme, sid, { product: 'x', seats: 1 })).status).toBe(403)
    // Tom's scope is the tag `managed`: a service without it does not exist for him.
    const lab = (await jsonOf(await api(`/accounts/${acme}/services`, { method: 'POST', cookie: owner, json: { type: 'server', name: 'lab-09', tags: ['lab'] } }), 'createService')).service.id
    expect((await put(owner, acme, lab, { product: 'cPanel', seats: 1, key: KEY })).status).toBe(200)
    expect((await api(path(acme, lab, '/key'), { cookie: await login('tom@acme.test') })).status).toBe(404)
    // Inside his scope, with services.manage, he may.
    expect((await jsonOf(await api(path(acme, sid, '/key'), { cookie: await login('tom@acme.test') }), 'getServiceLicenseKey')).key).toBe(KEY)
  })

  // Protects against a partner (or its impersonation of a customer) reading secrets of a service the customer did not open to it.
  it('refuses the partner, and a partner impersonating the customer, without the customer’s consent', async () => {
    const { bluebird, sid } = await licensed('bluebird-backup-01')
    const sarah = await login('sarah@acme.test')
    const refused = await api(path(bluebird, sid, '/key'), { cookie: sarah })
    expect((await problem(refused)).code).toBe('consent_required')
    const owner = await login('owner@acme.test')
    expect((await api('/impersonation', { method: 'POST', cookie: owner, json: { userId: await userIdOf('sam@freelance.test'), accountId: bluebird, reason: 'Licence question' } })).status).toBe(201)
    const asSam = await api(path(bluebird, sid, '/key'), { cookie: owner })
    expect(asSam.status).toBe(403)
    expect((await problem(asSam)).code).toBe('consent_required')
  })

  // Protects against a removed member keeping access to secrets.
  it('refuses a removed member', async () => {
    const acme = await accountId('Acme Hosting')
    const sid = await serviceId('acme-control-01')
    expect((await put(await login('owner@acme.test'), acme, sid, { product: 'cPanel', seats: 1, key: KEY })).status).toBe(200)
    const tom = await login('tom@acme.test')
    await api(`/accounts/${acme}/members/${await membershipId('tom@acme.test', 'Acme Hosting')}`, { method: 'DELETE', cookie: await login('owner@acme.test') })
    expect([401, 404]).toContain((await api(path(acme, sid, '/key'), { cookie: tom })).status)
  })
})

describe('licences: keeping them', () => {
  it('adds, reveals, changes without a new key, and revokes a licence, writing update_license without the key', async () => {
    const start = Date.now()
    const { bluebird, sid, cookie } = await licensed()
    const detail = await jsonOf(await api(`/accounts/${bluebird}/services/${sid}`, { cookie }), 'getService')
    expect(detail.license).toEqual({ product: 'Plesk Obsidian', seats: 5, expiresAt: Date.UTC(2027, 5, 1), updatedAt: expect.any(Number) })
    expect(JSON.stringify(detail)).not.toContain(KEY)
    const list = await api(`/accounts/${bluebird}/services?limit=200`, { cookie })
    expect(await list.text()).not.toContain(KEY)
    const revealed = await api(path(bluebird, sid, '/key'), { cookie })
    expect(revealed.headers.get('cache-control')).toBe('no-store')
    expect((await jsonOf(revealed, 'getServiceLicenseKey')).key).toBe(KEY)
    // Stored sealed, never in clear.
    const row = await env.DB.prepare('SELECT sealed_key FROM service_licenses WHERE service_id = ?').bind(sid).first<{ sealed_key: string }>()
    expect(row!.sealed_key).not.toContain(KEY)
    expect(row!.sealed_key).toMatch(/^v1\./)

    const changed = await put(cookie, bluebird, sid, { product: 'Plesk Obsidian', seats: 10, expiresAt: null })
    expect((await jsonOf(changed, 'setServiceLicense')).license).toMatchObject({ seats: 10, expiresAt: null })
    expect((await jsonOf(await api(path(bluebird, sid, '/key'), { cookie }), 'getServiceLicenseKey')).key).toBe(KEY)

    expect((await api(path(bluebird, sid), { method: 'DELETE', cookie })).status).toBe(204)
    expect((await jsonOf(await api(`/accounts/${bluebird}/services/${sid}`, { cookie }), 'getService')).license).toBeNull()
    expect((await api(path(bluebird, sid, '/key'), { cookie })).status).toBe(404)
    expect((await api(path(bluebird, sid), { method: 'DELETE', cookie })).status).toBe(404)

    const events = (await jsonOf(await api(`/accounts/${bluebird}/activity?target=${sid}&type=update_license&from=${start}`, { cookie }), 'listActivity')).items
    expect(events).toHaveLength(3)
    expect(events.map((e) => e.description).join('\n')).toContain('revoked the licence of server bluebird-pos-01')
    expect(JSON.stringify(events)).not.toContain(KEY)
  })

  it('needs a key for a new licence and names the fields of bad input', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const sid = await serviceId('bluebird-pos-01')
    const cookie = await login('owner@bluebird.test')
    const noKey = await put(cookie, bluebird, sid, { product: 'Plesk', seats: 1 })
    expect(noKey.status).toBe(400)
    expect((await problem(noKey)).errors?.[0]?.field).toBe('key')
    for (const [body, field] of [
      [{ product: '', seats: 1, key: 'k' }, 'product'],
      [{ product: 'P', seats: 0, key: 'k' }, 'seats'],
      [{ product: 'P', seats: 1.5, key: 'k' }, 'seats'],
      [{ product: 'P', seats: 1, key: 'k', expiresAt: -1 }, 'expiresAt'],
    ] as const) {
      const res = await put(cookie, bluebird, sid, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect((await problem(res)).errors?.[0]?.field).toBe(field)
    }
  })
})
