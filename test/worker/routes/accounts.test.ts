import { describe, expect, it } from 'vitest'
import { accountId, api, jsonOf, login, problem } from '../../helpers/client.ts'

describe('GET /api/v1/accounts/:id (tenancy)', () => {
  it('lets a reseller owner read its own account and its customers', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await api(`/accounts/${await accountId('Acme Hosting')}`, { cookie })
    expect(acme.status).toBe(200)
    expect((await jsonOf(acme, 'getAccount')).access).toEqual(expect.objectContaining({ level: 'owner', inherited: false }))
    const bluebird = await api(`/accounts/${await accountId('Bluebird Bakery')}`, { cookie })
    expect(bluebird.status).toBe(200)
    const body = await jsonOf(bluebird, 'getAccount')
    expect(body.account).toMatchObject({ name: 'Bluebird Bakery', kind: 'customer' })
    expect(body.access).toMatchObject({ level: 'owner', inherited: true })
  })

  // Protects against cross-tenant reads and id probing: a sibling's id looks exactly like a missing one.
  it('answers 404 to a reseller owner for another reseller and its customers, exactly like an unknown id', async () => {
    const cookie = await login('owner@acme.test')
    const unknown = await api('/accounts/acc_doesnotexist000', { cookie })
    expect(unknown.status).toBe(404)
    const unknownBody = await problem(unknown)
    for (const name of ['Globex Partners', 'Evergreen Legal', 'Foxglove Farms']) {
      const res = await api(`/accounts/${await accountId(name)}`, { cookie })
      expect(res.status, name).toBe(404)
      expect(await problem(res)).toEqual(unknownBody)
    }
  })

  it('answers 404 to a customer member for its reseller, the platform and a sibling customer (never upwards, never sideways)', async () => {
    const cookie = await login('owner@bluebird.test')
    for (const name of ['Acme Hosting', 'Nimbus Cloud', 'Copperleaf Studio', 'Evergreen Legal']) {
      expect((await api(`/accounts/${await accountId(name)}`, { cookie })).status, name).toBe(404)
    }
    expect((await api(`/accounts/${await accountId('Bluebird Bakery')}`, { cookie })).status).toBe(200)
  })

  it('lets the platform owner reach every account below it', async () => {
    const cookie = await login('admin@nimbus.test')
    for (const name of ['Acme Hosting', 'Globex Partners', 'Bluebird Bakery', 'Foxglove Farms']) {
      expect((await api(`/accounts/${await accountId(name)}`, { cookie })).status, name).toBe(200)
    }
  })

  it('answers 401 without a session', async () => {
    expect((await api(`/accounts/${await accountId('Acme Hosting')}`)).status).toBe(401)
  })
})

describe('GET /api/v1/accounts/:id/children', () => {
  it("lists a reseller's customers by name", async () => {
    const cookie = await login('owner@acme.test')
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/children`, { cookie })
    expect(res.status).toBe(200)
    const page = await jsonOf(res, 'listChildAccounts')
    expect(page.items.map((a) => a.name)).toEqual(['Bluebird Bakery', 'Copperleaf Studio', 'Driftwood Dental'])
    // Each row names its owner (one read with the page, not one per row).
    expect(page.items.map((a) => a.owner?.email)).toEqual(['owner@bluebird.test', 'owner@copperleaf.test', 'owner@driftwood.test'])
    expect(page.nextCursor).toBeNull()
  })

  it("lists the platform's resellers for the platform owner", async () => {
    const cookie = await login('admin@nimbus.test')
    const page = await jsonOf(await api(`/accounts/${await accountId('Nimbus Cloud')}/children`, { cookie }), 'listChildAccounts')
    expect(page.items.map((a) => [a.name, a.kind])).toEqual([
      ['Acme Hosting', 'reseller'],
      ['Globex Partners', 'reseller'],
    ])
  })

  it('pages with a cursor without repeating or skipping anyone', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const first = await jsonOf(await api(`/accounts/${acme}/children?limit=2`, { cookie }), 'listChildAccounts')
    expect(first.items).toHaveLength(2)
    expect(first.nextCursor).toEqual(expect.any(String))
    const second = await jsonOf(await api(`/accounts/${acme}/children?limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`, { cookie }), 'listChildAccounts')
    expect([...first.items, ...second.items].map((a) => a.name)).toEqual(['Bluebird Bakery', 'Copperleaf Studio', 'Driftwood Dental'])
    expect(second.nextCursor).toBeNull()
  })

  it("answers 404 for another reseller's children", async () => {
    const cookie = await login('owner@acme.test')
    expect((await api(`/accounts/${await accountId('Globex Partners')}/children`, { cookie })).status).toBe(404)
  })

  it('names the field when limit or cursor is not valid', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    for (const query of ['limit=0', 'limit=201', 'limit=abc', 'cursor=not-a-cursor', 'limit=1.5']) {
      const res = await api(`/accounts/${acme}/children?${query}`, { cookie })
      expect(res.status, query).toBe(400)
      const body = await problem(res)
      expect(body.code).toBe('validation_failed')
      expect(body.errors?.[0]?.field, query).toBe(query.split('=')[0])
    }
  })
})

describe('GET /api/v1/accounts/:id/menu', () => {
  const menu = async (email: string, account: string) => {
    const cookie = await login(email)
    const res = await api(`/accounts/${await accountId(account)}/menu`, { cookie })
    expect(res.status).toBe(200)
    return (await jsonOf(res, 'getAccountMenu')).items
  }
  const keys = async (email: string, account: string) => (await menu(email, account)).map((i) => i.key)

  it('shows the platform owner every platform section, resellers included', async () => {
    expect(await keys('admin@nimbus.test', 'Nimbus Cloud')).toEqual([
      'dashboard', 'services', 'resellers', 'customers', 'staff', 'roles', 'activity', 'billing', 'purchasing',
      'support', 'visitation', 'security', 'branding', 'settings', 'notifications', 'transfers', 'backups',
    ])
  })

  it('shows a reseller owner every reseller section but never resellers', async () => {
    const items = await keys('owner@acme.test', 'Acme Hosting')
    expect(items).toContain('customers')
    expect(items).toContain('branding')
    expect(items).not.toContain('resellers')
  })

  it('shows an admin exactly the sections of their roles, with the actions held', async () => {
    // Sarah: Manager + Technical + the custom "Customer care" role (Acme's support: it may log in as customers).
    const items = await menu('sarah@acme.test', 'Acme Hosting')
    expect(items.map((i) => i.key)).toEqual(['dashboard', 'services', 'customers', 'staff', 'roles', 'activity', 'support', 'notifications'])
    expect(items.find((i) => i.key === 'customers')!.actions).toEqual(['view', 'manage', 'invite', 'impersonate'])
    expect(items.find((i) => i.key === 'services')!.actions).toEqual(['view', 'manage', 'operate'])
  })

  it('shows a Billing admin Billing but not Staff', async () => {
    expect(await keys('billie@acme.test', 'Acme Hosting')).toEqual(['dashboard', 'services', 'billing', 'notifications'])
  })

  it('shows a Technical user only technical sections, without support.contact (users may not contact support)', async () => {
    const items = await menu('tom@acme.test', 'Acme Hosting')
    expect(items.map((i) => i.key)).toEqual(['dashboard', 'services', 'support', 'notifications'])
    expect(items.find((i) => i.key === 'support')!.actions).toEqual(['view'])
  })

  it('shows a customer owner the customer sections only (no customers, resellers, branding)', async () => {
    const items = await keys('owner@bluebird.test', 'Bluebird Bakery')
    expect(items).toContain('services')
    expect(items).toContain('staff')
    for (const absent of ['customers', 'resellers', 'branding', 'backups']) expect(items).not.toContain(absent)
    // Its owner confirms transfers of its services, so Transfers is a customer section too.
    expect(items).toContain('transfers')
  })

  it('shows a partner admin the customer’s sections it reaches through customers.* and its own roles', async () => {
    // Sarah holds customers.view/manage and services.*, but no billing permission.
    const items = await keys('sarah@acme.test', 'Bluebird Bakery')
    expect(items).toEqual(['dashboard', 'services', 'staff', 'roles', 'activity', 'support', 'notifications'])
    // Billie holds billing but no customers.*: nothing of a customer's.
    expect(await keys('billie@acme.test', 'Bluebird Bakery')).toEqual([])
  })

  it("answers 404 for another tenant's menu", async () => {
    const cookie = await login('owner@globex.test')
    expect((await api(`/accounts/${await accountId('Acme Hosting')}/menu`, { cookie })).status).toBe(404)
  })
})

describe('GET /api/v1/me', () => {
  it('lists every account of a user who belongs to two customers, with the level and parent of each', async () => {
    const cookie = await login('sam@freelance.test')
    const res = await api('/me', { cookie })
    expect(res.status).toBe(200)
    const body = await jsonOf(res, 'getMe')
    expect(body.user).toMatchObject({ email: 'sam@freelance.test', name: 'Sam Rivera' })
    const summary = body.accounts.map((a) => [a.name, a.kind, a.level, a.parent?.name]).sort()
    expect(summary).toEqual([
      ['Bluebird Bakery', 'customer', 'admin', 'Acme Hosting'],
      ['Evergreen Legal', 'customer', 'user', 'Globex Partners'],
    ])
    for (const a of body.accounts) expect(a.path).toMatch(/^\/acc_[a-z0-9]+\/acc_[a-z0-9]+\/acc_[a-z0-9]+\/$/)
  })
})
