import { describe, expect, it } from 'vitest'
import { accountId, api, login, jsonOf } from '../../helpers/client.ts'

type Results = {
  accounts: { name: string; kind: string; parent: { name: string } | null }[]
  people: { email: string; account: { name: string } }[]
  services: { name: string; account: { name: string } }[]
}
type Reachable = { items: { id: string; name: string; kind: string; level: string; viaAccountId: string }[] }

const find = async (cookie: string, account: string, q: string) => {
  const res = await api(`/accounts/${await accountId(account)}/search?q=${encodeURIComponent(q)}`, { cookie })
  expect(res.status).toBe(200)
  return await jsonOf(res, 'searchTree')
}

describe('GET /api/v1/accounts/:id/search', () => {
  it('finds accounts, people and services of the tree by part of a name', async () => {
    const cookie = await login('owner@acme.test')
    expect((await find(cookie, 'Acme Hosting', 'blue')).accounts.map((a) => a.name)).toEqual(['Bluebird Bakery'])
    expect((await find(cookie, 'Acme Hosting', 'dana')).people.map((p) => p.email)).toEqual(['owner@driftwood.test'])
    expect((await find(cookie, 'Acme Hosting', 'render')).services.map((s) => s.name).sort()).toEqual(['copperleaf-render-01', 'copperleaf-render-02'])
  })

  // Protects against finding another tenant's accounts, people or services through search.
  it('never finds anything outside the tree: Acme’s owner searching for Globex’s customers finds nothing', async () => {
    const cookie = await login('owner@acme.test')
    const r = await find(cookie, 'Acme Hosting', 'evergreen')
    expect(r).toEqual({ accounts: [], people: [], services: [] })
    expect((await find(cookie, 'Acme Hosting', 'globex')).people).toEqual([])
  })

  it('narrows services to a scoped member’s scope (Tom sees only services tagged managed)', async () => {
    const tom = await login('tom@acme.test')
    const names = (await find(tom, 'Acme Hosting', 'o')).services.map((s) => s.name)
    const list = await jsonOf(await api(`/accounts/${await accountId('Acme Hosting')}/services?q=o&limit=8`, { cookie: tom }), 'listServices')
    expect(names).toEqual(list.items.map((s) => s.name))
    expect(names.length).toBeGreaterThan(0)
    expect(names).not.toContain('copperleaf-render-02')
  })

  it('shows a customer only its own account, people and services', async () => {
    const cookie = await login('owner@bluebird.test')
    const r = await find(cookie, 'Bluebird Bakery', 'b')
    expect(r.accounts.map((a) => a.name)).toEqual(['Bluebird Bakery'])
    expect(r.services.every((s) => s.account.name === 'Bluebird Bakery')).toBe(true)
    expect(r.people.every((p) => p.account.name === 'Bluebird Bakery')).toBe(true)
  })

  it('answers 404 for another tenant’s account, 400 for an empty query and 401 without a session', async () => {
    const cookie = await login('owner@globex.test')
    expect((await api(`/accounts/${await accountId('Acme Hosting')}/search?q=a`, { cookie })).status).toBe(404)
    expect((await api(`/accounts/${await accountId('Globex Partners')}/search?q=`, { cookie })).status).toBe(400)
    expect((await api(`/accounts/${await accountId('Globex Partners')}/search?q=a`)).status).toBe(401)
  })
})

describe('GET /api/v1/me/reachable-accounts', () => {
  it('lists the accounts below the person’s memberships with the level held through the one above', async () => {
    const cookie = await login('owner@acme.test')
    const res = await api('/me/reachable-accounts', { cookie })
    expect(res.status).toBe(200)
    const { items } = await jsonOf(res, 'listReachableAccounts')
    expect(items.map((a) => a.name)).toEqual(['Bluebird Bakery', 'Copperleaf Studio', 'Driftwood Dental'])
    expect(items.every((a) => a.level === 'owner' && a.viaAccountId === items[0]!.viaAccountId)).toBe(true)
    const filtered = await jsonOf(await api('/me/reachable-accounts?q=cop', { cookie }), 'listReachableAccounts')
    expect(filtered.items.map((a) => a.name)).toEqual(['Copperleaf Studio'])
  })

  it('gives the platform its resellers before their customers, and a customer’s owner nothing more', async () => {
    const platform = await jsonOf(await api('/me/reachable-accounts', { cookie: await login('admin@nimbus.test') }), 'listReachableAccounts')
    expect(platform.items.slice(0, 2).map((a) => a.kind)).toEqual(['reseller', 'reseller'])
    expect(platform.items).toHaveLength(7)
    const customer = await jsonOf(await api('/me/reachable-accounts', { cookie: await login('owner@bluebird.test') }), 'listReachableAccounts')
    expect(customer.items).toEqual([])
  })
})

describe('PUT /api/v1/me/last-account', () => {
  it('remembers an account reached through a membership above it, and /me returns it', async () => {
    const cookie = await login('owner@acme.test')
    const bluebird = await accountId('Bluebird Bakery')
    expect((await api('/me/last-account', { method: 'PUT', cookie, json: { accountId: bluebird } })).status).toBe(204)
    expect((await jsonOf(await api('/me', { cookie }), 'getMe')).lastAccountId).toBe(bluebird)
  })

  // Protects against remembering (and so probing) an account of another tenant.
  it('answers 404 for an account the person does not reach', async () => {
    const cookie = await login('owner@acme.test')
    expect((await api('/me/last-account', { method: 'PUT', cookie, json: { accountId: await accountId('Evergreen Legal') } })).status).toBe(404)
  })
})
