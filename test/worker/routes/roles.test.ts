import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { accountId, api, jsonOf, login, membershipId, problem, snapshot } from '../../helpers/client.ts'

describe('GET /api/v1/accounts/:id/roles', () => {
  it('lists the read-only built-ins and the account’s custom roles with member counts', async () => {
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/roles`, { cookie: await login('sarah@acme.test') })
    expect(res.status).toBe(200)
    const { items } = await jsonOf(res, 'listRoles')
    expect(items.filter((r) => r.builtin).map((r) => r.name)).toEqual(['Account Owner', 'System Administrator', 'Manager', 'Technical', 'Billing', 'Purchasing', 'Visitation'])
    const care = items.find((r) => r.name === 'Customer care')!
    expect(care).toMatchObject({ builtin: false, members: 1 })
    expect(items.find((r) => r.id === 'technical')!.members).toBe(3) // Sarah, Tom and Tess
  })

  it('answers 403 without roles.view and 404 to another tenant', async () => {
    const acme = await accountId('Acme Hosting')
    expect((await api(`/accounts/${acme}/roles`, { cookie: await login('tom@acme.test') })).status).toBe(403)
    expect((await api(`/accounts/${acme}/roles`, { cookie: await login('owner@globex.test') })).status).toBe(404)
  })

  it('does not show one account’s custom roles to another account', async () => {
    const res = await api(`/accounts/${await accountId('Globex Partners')}/roles`, { cookie: await login('owner@globex.test') })
    const { items } = await jsonOf(res, 'listRoles')
    expect(items.some((r) => r.name === 'Customer care')).toBe(false)
  })
})

describe('POST/PATCH/DELETE /api/v1/accounts/:id/roles', () => {
  it('creates, edits and deletes a custom role', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const created = await api(`/accounts/${acme}/roles`, { method: 'POST', cookie, json: { name: 'Night shift', permissions: ['services.view', 'services.operate'] } })
    expect(created.status).toBe(201)
    const { role } = await jsonOf(created, 'createRole')
    expect(role).toMatchObject({ name: 'Night shift', builtin: false, members: 0, permissions: ['services.view', 'services.operate'] })
    const edited = await api(`/accounts/${acme}/roles/${role.id}`, { method: 'PATCH', cookie, json: { permissions: ['services.view'] } })
    expect(edited.status).toBe(200)
    expect((await jsonOf(edited, 'updateRole')).role.permissions).toEqual(['services.view'])
    expect((await api(`/accounts/${acme}/roles/${role.id}`, { method: 'DELETE', cookie })).status).toBe(204)
    expect((await api(`/accounts/${acme}/roles/${role.id}`, { method: 'DELETE', cookie })).status).toBe(404)
  })

  it('refuses a permission that is not in the catalogue, naming the field', async () => {
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/roles`, { method: 'POST', cookie: await login('owner@acme.test'), json: { name: 'Odd', permissions: ['services.fly'] } })
    expect(res.status).toBe(400)
    expect((await problem(res)).errors?.[0]?.field).toBe('permissions.0')
  })

  it('refuses a role with permissions its author does not hold (Sarah holds no billing)', async () => {
    const before = await snapshot('roles')
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/roles`, { method: 'POST', cookie: await login('sarah@acme.test'), json: { name: 'Money', permissions: ['billing.manage'] } })
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('escalation')
    expect(await snapshot('roles')).toBe(before)
  })

  it('refuses to edit or delete a built-in role', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    expect((await api(`/accounts/${acme}/roles/technical`, { method: 'PATCH', cookie, json: { permissions: [] } })).status).toBe(403)
    expect((await api(`/accounts/${acme}/roles/technical`, { method: 'DELETE', cookie })).status).toBe(403)
  })

  it('refuses to widen a role held by a user-level member with a billing permission (422), changing nothing', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const { role } = await jsonOf(await api(`/accounts/${acme}/roles`, { method: 'POST', cookie, json: { name: 'Ops', permissions: ['services.view'] } }), 'createRole')
    const tom = await membershipId('tom@acme.test', 'Acme Hosting')
    expect((await api(`/accounts/${acme}/members/${tom}`, { method: 'PATCH', cookie, json: { roles: ['technical', role.id] } })).status).toBe(200)
    const before = await snapshot('roles')
    const res = await api(`/accounts/${acme}/roles/${role.id}`, { method: 'PATCH', cookie, json: { permissions: ['services.view', 'billing.view'] } })
    expect(res.status).toBe(422)
    expect((await problem(res)).code).toBe('level_restriction')
    expect(await snapshot('roles')).toBe(before)
  })

  it('removes a deleted role from the members who held it', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const care = (await jsonOf(await api(`/accounts/${acme}/roles`, { cookie }), 'listRoles')).items.find((r) => r.name === 'Customer care')!
    expect((await api(`/accounts/${acme}/roles/${care.id}`, { method: 'DELETE', cookie })).status).toBe(204)
    const menu = await jsonOf(await api(`/accounts/${acme}/menu`, { cookie: await login('sarah@acme.test') }), 'getAccountMenu')
    expect(menu.items.map((i) => i.key)).not.toContain('customers')
  })

  it('refuses a duplicate name (409) and answers 404 for another account’s role', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const dup = await api(`/accounts/${acme}/roles`, { method: 'POST', cookie, json: { name: 'Customer care', permissions: [] } })
    expect(dup.status).toBe(409)
    const care = (await jsonOf(await api(`/accounts/${acme}/roles`, { cookie }), 'listRoles')).items.find((r) => r.name === 'Customer care')!
    const other = await api(`/accounts/${await accountId('Globex Partners')}/roles/${care.id}`, { method: 'PATCH', cookie: await login('owner@globex.test'), json: { name: 'Mine now' } })
    expect(other.status).toBe(404)
  })
})

describe('every role route', () => {
  const routes = async () => {
    const acme = await accountId('Acme Hosting')
    const { results } = await env.DB.prepare("SELECT id FROM roles WHERE name = 'Customer care'").all<{ id: string }>()
    const care = results[0]!.id
    return [
      { method: 'GET', path: `/accounts/${acme}/roles` },
      { method: 'POST', path: `/accounts/${acme}/roles`, json: { name: 'X', permissions: [] } },
      { method: 'PATCH', path: `/accounts/${acme}/roles/${care}`, json: { name: 'Y' } },
      { method: 'DELETE', path: `/accounts/${acme}/roles/${care}` },
    ]
  }

  it('answers 404 to a member of a sibling tenant and 403 without the permission, changing nothing', async () => {
    const before = await snapshot('roles')
    const sibling = await login('owner@globex.test')
    const billing = await login('billie@acme.test')
    for (const r of await routes()) {
      expect((await api(r.path, { method: r.method, cookie: sibling, json: r.json })).status, `sibling ${r.method} ${r.path}`).toBe(404)
      expect((await api(r.path, { method: r.method, cookie: billing, json: r.json })).status, `billing ${r.method} ${r.path}`).toBe(403)
    }
    expect(await snapshot('roles')).toBe(before)
  })
})

describe('GET /api/v1/catalogue', () => {
  it('returns the same sections, categories, tiers and actions the guards use', async () => {
    const res = await api('/catalogue', { cookie: await login('tom@acme.test') })
    expect(res.status).toBe(200)
    const { sections } = await jsonOf(res, 'getCatalogue')
    const { sections: source } = await import('../../../worker/src/authz/catalogue.ts')
    expect(sections.map((s) => s.key)).toEqual(source.map((s) => s.key))
    expect(sections.find((s) => s.key === 'customers')).toMatchObject({ category: 'user-rights', tiers: ['platform', 'reseller'], actions: ['view', 'manage', 'invite', 'impersonate'] })
    expect((await api('/catalogue')).status).toBe(401)
  })

  it('marks roles held by user-level members', async () => {
    const { items } = await jsonOf(await api(`/accounts/${await accountId('Acme Hosting')}/roles`, { cookie: await login('owner@acme.test') }), 'listRoles')
    expect(items.find((r) => r.id === 'technical')!.heldByUsers).toBe(true)
    expect(items.find((r) => r.id === 'billing')!.heldByUsers).toBe(false)
  })
})

describe('editing a role someone else wrote', () => {
  it('lets an editor remove permissions they do not hold themselves, but not add them', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const { role } = await jsonOf(await api(`/accounts/${acme}/roles`, { method: 'POST', cookie: owner, json: { name: 'Desk', permissions: ['services.view', 'billing.view'] } }), 'createRole')
    const sarah = await login('sarah@acme.test') // Manager: roles.manage, no billing
    const rename = await api(`/accounts/${acme}/roles/${role.id}`, { method: 'PATCH', cookie: sarah, json: { permissions: ['services.view', 'billing.view', 'services.operate'] } })
    expect(rename.status).toBe(200)
    const remove = await api(`/accounts/${acme}/roles/${role.id}`, { method: 'PATCH', cookie: sarah, json: { permissions: ['services.view'] } })
    expect(remove.status).toBe(200)
    const add = await api(`/accounts/${acme}/roles/${role.id}`, { method: 'PATCH', cookie: sarah, json: { permissions: ['services.view', 'billing.view'] } })
    expect(add.status).toBe(403)
  })
})
