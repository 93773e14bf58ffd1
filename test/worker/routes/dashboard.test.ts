import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { accountId, api, login, jsonOf } from '../../helpers/client.ts'

type Counts = { total: number; disabled: number }
type Dashboard = {
  services: { total: number; byStatus: Record<string, number>; expiringCount: number; expiring: { name: string; expiresAt: number }[] } | null
  partnerAccess: { default: boolean; shared: number; total: number } | null
  resellers: Counts | null
  customers: Counts | null
  resellerUsage: { account: { name: string }; items: { limit: string; used: number; allowed: number }[]; nearLimit: boolean }[] | null
  customersNearLimit: { account: { name: string } }[] | null
  invitations: { total: number; members: number; customers: number } | null
  hostnamesPending: number | null
}
type Service = { name: string; status: string; expiresAt: number | null }

const dashboard = async (cookie: string, account: string) => {
  const res = await api(`/accounts/${await accountId(account)}/dashboard`, { cookie })
  expect(res.status).toBe(200)
  return await jsonOf(res, 'getDashboard')
}
const servicesList = async (cookie: string, account: string) =>
  (await jsonOf(await api(`/accounts/${await accountId(account)}/services?limit=200`, { cookie }), 'listServices')).items

const DAY = 24 * 60 * 60 * 1000

async function userId(email: string) {
  return (await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first<{ id: string }>())!.id
}

describe('GET /api/v1/accounts/:id/dashboard', () => {
  it('counts exactly the services the services list shows a reseller owner, by status, with those expiring within 30 days', async () => {
    const cookie = await login('owner@acme.test')
    const d = await dashboard(cookie, 'Acme Hosting')
    const list = await servicesList(cookie, 'Acme Hosting')
    expect(d.services!.total).toBe(list.length)
    for (const status of ['active', 'suspended', 'pending', 'expired'] as const) expect(d.services!.byStatus[status], status).toBe(list.filter((s) => s.status === status).length)
    const now = Date.now()
    const soon = list.filter((s) => s.expiresAt !== null && s.expiresAt > now && s.expiresAt <= now + 30 * DAY)
    expect(d.services!.expiringCount).toBe(soon.length)
    expect(d.services!.expiring.map((s) => s.name)).toEqual([...soon].sort((a, b) => a.expiresAt! - b.expiresAt!).slice(0, 5).map((s) => s.name))
    expect(d.customers).toMatchObject({ total: 3 })
    expect(d.resellers).toBeNull()
    expect(d.resellerUsage).toBeNull()
    expect(Array.isArray(d.customersNearLimit)).toBe(true)
  })

  it('narrows the counts to a scoped member’s services (Tom sees only services tagged managed)', async () => {
    const owner = await dashboard(await login('owner@acme.test'), 'Acme Hosting')
    const tom = await login('tom@acme.test')
    const d = await dashboard(tom, 'Acme Hosting')
    expect(d.services!.total).toBe((await servicesList(tom, 'Acme Hosting')).length)
    expect(d.services!.total).toBeLessThan(owner.services!.total)
  })

  it('shows a customer its services by status and its partner access', async () => {
    const d = await dashboard(await login('owner@driftwood.test'), 'Driftwood Dental')
    expect(d.services!.byStatus.suspended).toBe(1)
    expect(d.services!.total).toBe(5)
    expect(d.partnerAccess).toEqual({ default: false, shared: 0, total: 5 })
    expect(d.resellers).toBeNull()
    expect(d.customers).toBeNull()
    expect(d.hostnamesPending).toBeNull()
  })

  it('gives the platform its resellers, the customers of the tree and each reseller’s use of its limits', async () => {
    const d = await dashboard(await login('admin@nimbus.test'), 'Nimbus Cloud')
    expect(d.resellers).toMatchObject({ total: 2 })
    expect(d.customers).toMatchObject({ total: 5 })
    const acme = d.resellerUsage!.find((r) => r.account.name === 'Acme Hosting')!
    expect(acme.items.find((i) => i.limit === 'max_customers')).toMatchObject({ used: 3 })
    expect(d.resellerUsage!.find((r) => r.account.name === 'Globex Partners')!.items).toEqual([])
  })

  it('counts pending invitations in the tree', async () => {
    const cookie = await login('owner@bluebird.test')
    const before = (await dashboard(cookie, 'Bluebird Bakery')).invitations!.total
    const invite = await api(`/accounts/${await accountId('Bluebird Bakery')}/invitations`, { method: 'POST', cookie, json: { kind: 'member', email: 'new-baker@example.test', level: 'user' } })
    expect(invite.status).toBe(201)
    expect((await dashboard(cookie, 'Bluebird Bakery')).invitations!.total).toBe(before + 1)
    // …and the reseller above sees it too.
    expect((await dashboard(await login('owner@acme.test'), 'Acme Hosting')).invitations!.members).toBeGreaterThanOrEqual(1)
  })

  it('while impersonating, counts what the person acted as may see', async () => {
    const owner = await login('owner@acme.test')
    const started = await api('/impersonation', {
      method: 'POST',
      cookie: owner,
      json: { userId: await userId('tom@acme.test'), accountId: await accountId('Acme Hosting'), reason: 'Checking Tom’s dashboard' },
    })
    expect(started.status).toBe(201)
    const asTom = await dashboard(owner, 'Acme Hosting')
    expect(asTom.services!.total).toBe((await dashboard(await login('tom@acme.test'), 'Acme Hosting')).services!.total)
  })

  // Protects against reading another tenant's numbers.
  it('answers 404 for another reseller’s tree and upwards, exactly like an unknown account', async () => {
    const globex = await login('owner@globex.test')
    expect((await api(`/accounts/${await accountId('Acme Hosting')}/dashboard`, { cookie: globex })).status).toBe(404)
    expect((await api(`/accounts/${await accountId('Bluebird Bakery')}/dashboard`, { cookie: globex })).status).toBe(404)
    const bluebird = await login('owner@bluebird.test')
    expect((await api(`/accounts/${await accountId('Acme Hosting')}/dashboard`, { cookie: bluebird })).status).toBe(404)
    expect((await api('/accounts/acc_doesnotexist000/dashboard', { cookie: bluebird })).status).toBe(404)
  })

  it('answers 401 without a session', async () => {
    expect((await api(`/accounts/${await accountId('Acme Hosting')}/dashboard`)).status).toBe(401)
  })
})
