import { describe, expect, it } from 'vitest'
import { acceptAsNewPerson, accountId, addMember, api, jsonOf, login, membershipId, problem, snapshot } from '../../helpers/client.ts'

const newPassword = 'violet-harbour-71-lantern'

describe('GET /api/v1/accounts/:id/members', () => {
  it('lists the staff of an account with level, roles and scope, owner first', async () => {
    const cookie = await login('owner@acme.test')
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/members`, { cookie })
    expect(res.status).toBe(200)
    const body = await jsonOf(res, 'listMembers')
    expect(body.items.map((m) => [m.user.email, m.level])).toEqual([
      ['owner@acme.test', 'owner'],
      ['billie@acme.test', 'admin'],
      ['sarah@acme.test', 'admin'],
      ['tess@acme.test', 'user'],
      ['tom@acme.test', 'user'],
    ])
    const tom = body.items.find((m) => m.user.email === 'tom@acme.test')!
    expect(tom.roles.map((r) => r.name)).toEqual(['Technical'])
    expect(tom.scope).toEqual({ mode: 'tagged', tags: ['managed'] })
    expect(body.admins).toEqual({ count: 2, cap: 3 })
  })

  it('refuses a member without staff.view (403) and a sibling tenant (404)', async () => {
    const acme = await accountId('Acme Hosting')
    expect((await api(`/accounts/${acme}/members`, { cookie: await login('billie@acme.test') })).status).toBe(403)
    expect((await api(`/accounts/${acme}/members`, { cookie: await login('owner@globex.test') })).status).toBe(404)
  })

  it("lets a partner with customers.view and staff.view read a customer's staff", async () => {
    const res = await api(`/accounts/${await accountId('Bluebird Bakery')}/members`, { cookie: await login('sarah@acme.test') })
    expect(res.status).toBe(200)
  })
})

describe('POST /api/v1/accounts/:id/members', () => {
  it('adds a staff member by invitation: they choose their own password, then sign in with the grant chosen', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const res = await api(`/accounts/${acme}/members`, {
      method: 'POST',
      cookie,
      json: { email: 'New.Person@Acme.test', name: 'New Person', level: 'user', roles: ['technical'], scope: { mode: 'tagged', tags: ['managed'] } },
    })
    expect(res.status).toBe(201)
    const { invitation } = await jsonOf(res, 'addMember')
    expect(invitation).toMatchObject({ email: 'new.person@acme.test', level: 'user', status: 'pending' })
    expect((await acceptAsNewPerson('new.person@acme.test', newPassword)).status).toBe(201)
    const signIn = await api('/auth/login', { method: 'POST', json: { email: 'new.person@acme.test', password: newPassword }, ip: '10.20.0.1' })
    expect(signIn.status).toBe(200)
    const list = await jsonOf(await api(`/accounts/${acme}/members`, { cookie }), 'listMembers')
    const member = list.items.find((m) => m.user.email === 'new.person@acme.test')!
    expect(member).toMatchObject({ level: 'user', scope: { mode: 'tagged' } })
    expect(member.roles.map((r) => r.id)).toEqual(['technical'])
  })

  // Security: the adder never knows (or sets) another person's password.
  it('ignores a password sent by the adder: no login exists until the person accepts', async () => {
    const before = await snapshot('users')
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/members`, {
      method: 'POST',
      cookie: await login('owner@acme.test'),
      json: { email: 'chosen@acme.test', name: 'Chosen', password: newPassword, level: 'user' },
    })
    expect(res.status).toBe(201)
    expect(await snapshot('users')).toBe(before)
    expect((await api('/auth/login', { method: 'POST', json: { email: 'chosen@acme.test', password: newPassword }, ip: '10.20.0.2' })).status).toBe(401)
  })

  // Security (rule 14): an existing login of another tree is never attached, and the answer does not say it exists.
  it('answers an email with a login anywhere exactly like a new one, and attaches nobody', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const before = await snapshot('memberships')
    const known = await api(`/accounts/${acme}/members`, { method: 'POST', cookie, json: { email: 'owner@globex.test', name: 'Dup', level: 'admin' } })
    const unknown = await api(`/accounts/${acme}/members`, { method: 'POST', cookie, json: { email: 'nobody-yet@globex.test', name: 'Dup', level: 'admin' } })
    expect(known.status).toBe(unknown.status)
    const shape = async (res: Response) => {
      const { invitation } = await jsonOf(res, 'addMember')
      const { id: _id, email: _email, createdAt: _c, expiresAt: _e, ...rest } = invitation
      return rest
    }
    expect(await shape(known)).toEqual(await shape(unknown))
    expect(await snapshot('memberships')).toBe(before)
    // Nothing about Globex's owner reaches Acme: no name, and Acme cannot act on them.
    const members = await (await api(`/accounts/${acme}/members`, { cookie })).text()
    expect(members).not.toContain('owner@globex.test')
  })

  it('names missing and wrong-typed fields', async () => {
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/members`, {
      method: 'POST',
      cookie: await login('owner@acme.test'),
      json: { email: 'not-an-email', level: 'superuser', roles: 'technical', scope: { mode: 'tagged', tags: [] } },
    })
    expect(res.status).toBe(400)
    const fields = (await problem(res)).errors!.map((e) => e.field)
    expect(fields).toEqual(expect.arrayContaining(['email', 'level', 'roles']))
  })

  // Escalation attempts: each answers 403/422 and changes nothing.
  describe('refuses escalation and changes nothing', () => {
    const attempt = async (email: string, account: string, json: unknown) => {
      const before = [await snapshot('memberships'), await snapshot('users'), await snapshot('membership_roles'), await snapshot('invitations')]
      const res = await api(`/accounts/${await accountId(account)}/members`, { method: 'POST', cookie: await login(email), json })
      expect([await snapshot('memberships'), await snapshot('users'), await snapshot('membership_roles'), await snapshot('invitations')]).toEqual(before)
      return res
    }

    it('a Manager cannot grant a permission she does not hold (Sarah has no billing)', async () => {
      const res = await attempt('sarah@acme.test', 'Acme Hosting', { email: 'e1@acme.test', name: 'E', password: newPassword, level: 'admin', roles: ['billing'] })
      expect(res.status).toBe(403)
      expect(await problem(res)).toMatchObject({ code: 'escalation', errors: [{ field: 'roles' }] })
    })

    it('a scoped grantor cannot grant a wider scope', async () => {
      // Tom is a user: he cannot manage staff at all.
      const res = await attempt('tom@acme.test', 'Acme Hosting', { email: 'e2@acme.test', name: 'E', password: newPassword, level: 'user', roles: [], scope: { mode: 'all' } })
      expect(res.status).toBe(403)
    })

    it('nobody gives a user-level member a billing permission (422)', async () => {
      const res = await attempt('owner@acme.test', 'Acme Hosting', { email: 'e3@acme.test', name: 'E', password: newPassword, level: 'user', roles: ['billing'] })
      expect(res.status).toBe(422)
      expect((await problem(res)).code).toBe('level_restriction')
    })

    it('the admin cap holds: a fourth admin is refused with limit_reached', async () => {
      const cookie = await login('owner@acme.test')
      const acme = await accountId('Acme Hosting')
      const ok = await addMember(cookie, acme, { email: 'third@acme.test', level: 'admin' })
      expect(ok.status).toBe(201)
      const res = await attempt('owner@acme.test', 'Acme Hosting', { email: 'fourth@acme.test', name: 'Fourth', password: newPassword, level: 'admin' })
      expect(res.status).toBe(422)
      expect(await problem(res)).toMatchObject({ code: 'limit_reached', errors: [{ field: 'level' }] })
    })

    it('an unknown role or another account’s custom role is refused', async () => {
      const res = await attempt('owner@globex.test', 'Globex Partners', { email: 'e4@globex.test', name: 'E', password: newPassword, level: 'admin', roles: ['rol_doesnotexist'] })
      expect(res.status).toBe(400)
      expect((await problem(res)).errors?.[0]?.field).toBe('roles')
    })
  })

  it('lets no more admins through than the cap when acceptances race', async () => {
    const cookie = await login('owner@globex.test')
    const globex = await accountId('Globex Partners')
    for (let i = 0; i < 6; i++) {
      const invited = await api(`/accounts/${globex}/members`, { method: 'POST', cookie, json: { email: `race${i}@globex.test`, level: 'admin' } })
      expect(invited.status).toBe(201)
    }
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => acceptAsNewPerson(`race${i}@globex.test`, newPassword)))
    expect(answers.filter((r) => r.status === 201)).toHaveLength(3)
    expect(answers.filter((r) => r.status === 422)).toHaveLength(3)
    const list = await jsonOf(await api(`/accounts/${globex}/members`, { cookie }), 'listMembers')
    expect(list.admins.count).toBe(3)
  })
})

describe('PATCH /api/v1/accounts/:id/members/:memberId', () => {
  it('changes roles and scope of a member', async () => {
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/members/${await membershipId('tom@acme.test', 'Acme Hosting')}`, {
      method: 'PATCH',
      cookie: await login('owner@acme.test'),
      json: { roles: ['technical', 'visitation'], scope: { mode: 'all' } },
    })
    expect(res.status).toBe(200)
    const { member } = await jsonOf(res, 'updateMember')
    expect(member.roles.map((r) => r.id).sort()).toEqual(['technical', 'visitation'])
    expect(member.scope).toEqual({ mode: 'all' })
  })

  it('refuses to let anyone change their own level or roles', async () => {
    const before = await snapshot('membership_roles')
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/members/${await membershipId('sarah@acme.test', 'Acme Hosting')}`, {
      method: 'PATCH',
      cookie: await login('sarah@acme.test'),
      json: { roles: ['manager', 'technical', 'account-owner'] },
    })
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('self_change')
    expect(await snapshot('membership_roles')).toBe(before)
  })

  it('refuses to promote a user to admin past the cap, and to raise someone to owner', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    expect((await addMember(cookie, acme, { email: 'third@acme.test', level: 'admin' })).status).toBe(201)
    const tom = await membershipId('tom@acme.test', 'Acme Hosting')
    const promote = await api(`/accounts/${acme}/members/${tom}`, { method: 'PATCH', cookie, json: { level: 'admin' } })
    expect(promote.status).toBe(422)
    const owner = await api(`/accounts/${acme}/members/${tom}`, { method: 'PATCH', cookie, json: { level: 'owner' } })
    expect(owner.status).toBe(400)
  })

  it('refuses to widen a user-level member with a billing role (422)', async () => {
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/members/${await membershipId('tom@acme.test', 'Acme Hosting')}`, {
      method: 'PATCH',
      cookie: await login('owner@acme.test'),
      json: { roles: ['billing'] },
    })
    expect(res.status).toBe(422)
  })

  it("answers 404 for a member of another account, even one the caller's tree contains", async () => {
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/members/${await membershipId('owner@bluebird.test', 'Bluebird Bakery')}`, {
      method: 'PATCH',
      cookie: await login('owner@acme.test'),
      json: { roles: [] },
    })
    expect(res.status).toBe(404)
  })
})

describe('DELETE /api/v1/accounts/:id/members/:memberId', () => {
  it('removes a member; their login no longer reaches the account', async () => {
    const acme = await accountId('Acme Hosting')
    const tomCookie = await login('tom@acme.test')
    const res = await api(`/accounts/${acme}/members/${await membershipId('tom@acme.test', 'Acme Hosting')}`, { method: 'DELETE', cookie: await login('owner@acme.test') })
    expect(res.status).toBe(204)
    expect((await api(`/accounts/${acme}`, { cookie: tomCookie })).status).toBe(404)
  })

  it('refuses to remove the owner or oneself', async () => {
    const acme = await accountId('Acme Hosting')
    const sarah = await login('sarah@acme.test')
    expect((await api(`/accounts/${acme}/members/${await membershipId('owner@acme.test', 'Acme Hosting')}`, { method: 'DELETE', cookie: sarah })).status).toBe(403)
    expect((await api(`/accounts/${acme}/members/${await membershipId('sarah@acme.test', 'Acme Hosting')}`, { method: 'DELETE', cookie: sarah })).status).toBe(403)
  })
})

describe('PATCH /api/v1/accounts/:id { adminCap } (the parent raises the cap)', () => {
  it('lets the reseller raise a customer’s admin cap, after which a fourth admin fits', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const partner = await login('owner@acme.test')
    const customer = await login('owner@bluebird.test')
    for (let i = 0; i < 2; i++) {
      expect((await addMember(customer, bluebird, { email: `a${i}@bluebird.test`, level: 'admin' })).status).toBe(201)
    }
    const full = await addMember(customer, bluebird, { email: 'a3@bluebird.test', level: 'admin' })
    expect(full.status).toBe(422)
    const raised = await api(`/accounts/${bluebird}`, { method: 'PATCH', cookie: partner, json: { adminCap: 5 } })
    expect(raised.status).toBe(200)
    expect((await jsonOf(raised, 'updateAccount')).account.adminCap).toBe(5)
    const fits = await addMember(customer, bluebird, { email: 'a3@bluebird.test', level: 'admin' })
    expect(fits.status).toBe(201)
  })

  it('refuses an account raising its own cap', async () => {
    const res = await api(`/accounts/${await accountId('Bluebird Bakery')}`, { method: 'PATCH', cookie: await login('owner@bluebird.test'), json: { adminCap: 10 } })
    expect(res.status).toBe(403)
    expect((await problem(res)).errors?.[0]?.field).toBe('adminCap')
  })

  it('names a bad cap', async () => {
    const res = await api(`/accounts/${await accountId('Bluebird Bakery')}`, { method: 'PATCH', cookie: await login('owner@acme.test'), json: { adminCap: 'lots' } })
    expect(res.status).toBe(400)
    expect((await problem(res)).errors?.[0]?.field).toBe('adminCap')
  })
})

describe('every staff route', () => {
  const routes = async () => {
    const acme = await accountId('Acme Hosting')
    const tom = await membershipId('tom@acme.test', 'Acme Hosting')
    return [
      { method: 'GET', path: `/accounts/${acme}/members` },
      { method: 'POST', path: `/accounts/${acme}/members`, json: { email: 'z@acme.test', name: 'Z', password: newPassword, level: 'user' } },
      { method: 'PATCH', path: `/accounts/${acme}/members/${tom}`, json: { roles: [] } },
      { method: 'DELETE', path: `/accounts/${acme}/members/${tom}` },
      { method: 'PATCH', path: `/accounts/${acme}`, json: { name: 'Renamed' } },
    ]
  }

  it('answers 404 to a member of a sibling tenant and changes nothing', async () => {
    const before = [await snapshot('memberships'), await snapshot('users')]
    const cookie = await login('owner@globex.test')
    for (const r of await routes()) expect((await api(r.path, { method: r.method, cookie, json: r.json })).status, `${r.method} ${r.path}`).toBe(404)
    expect([await snapshot('memberships'), await snapshot('users')]).toEqual(before)
  })

  it('answers 403 to a member without the permission and changes nothing', async () => {
    const before = [await snapshot('memberships'), await snapshot('users')]
    const cookie = await login('billie@acme.test')
    for (const r of await routes()) expect((await api(r.path, { method: r.method, cookie, json: r.json })).status, `${r.method} ${r.path}`).toBe(403)
    expect([await snapshot('memberships'), await snapshot('users')]).toEqual(before)
  })
})

describe('what the caller may grant', () => {
  it('tells the caller its own level, scope and permissions with the member list', async () => {
    const res = await api(`/accounts/${await accountId('Bluebird Bakery')}/members`, { cookie: await login('sarah@acme.test') })
    const body = await jsonOf(res, 'listMembers')
    expect(body.me).toMatchObject({ level: 'admin', inherited: true, scope: { mode: 'all' } })
    expect(body.me.permissions).toContain('staff.manage')
    expect(body.me.permissions).not.toContain('billing.view')
  })

  it('names the permissions a user-level member could be given: the technical ones the caller may hand out', async () => {
    const res = await api(`/accounts/${await accountId('Bluebird Bakery')}/members`, { cookie: await login('sarah@acme.test') })
    const body = await jsonOf(res, 'listMembers')
    expect(body.me.userPermissions).toContain('services.view')
    expect(body.me.userPermissions).not.toContain('staff.manage')
    expect(body.me.userPermissions.every((p) => body.me.permissions.includes(p))).toBe(true)
  })

  it("gives an owner's widest grantable scope as every service", async () => {
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/members`, { cookie: await login('owner@acme.test') })
    const body = await jsonOf(res, 'listMembers')
    expect(body.me).toMatchObject({ level: 'owner', scope: { mode: 'all' } })
  })

  it('lets a manager narrow someone who holds a role she does not (Billing), but not add to it', async () => {
    const acme = await accountId('Acme Hosting')
    const billie = await membershipId('billie@acme.test', 'Acme Hosting')
    const sarah = await login('sarah@acme.test')
    expect((await api(`/accounts/${acme}/members/${billie}`, { method: 'PATCH', cookie: sarah, json: { scope: { mode: 'none' } } })).status).toBe(200)
    expect((await api(`/accounts/${acme}/members/${billie}`, { method: 'PATCH', cookie: sarah, json: { roles: ['billing', 'purchasing'] } })).status).toBe(403)
  })

  it('lets the owner grant the Account Owner role to an admin', async () => {
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/members/${await membershipId('billie@acme.test', 'Acme Hosting')}`, {
      method: 'PATCH',
      cookie: await login('owner@acme.test'),
      json: { roles: ['account-owner'] },
    })
    expect(res.status).toBe(200)
  })
})

describe('what the caller may do to each member', () => {
  const rows = async (email: string) => {
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/members`, { cookie: await login(email) })
    const { items } = await jsonOf(res, 'listMembers')
    return Object.fromEntries(items.map((m) => [m.user.email, m.allowed]))
  }

  it('says per row what the API would allow, so the page offers nothing it would refuse', async () => {
    const owner = await rows('owner@acme.test')
    expect(owner['owner@acme.test']).toEqual({ edit: false, remove: false, impersonate: false, notifications: true, signOut: false })
    expect(owner['tom@acme.test']).toEqual({ edit: true, remove: true, impersonate: true, notifications: true, signOut: true })
    const sarah = await rows('sarah@acme.test')
    expect(sarah['owner@acme.test']).toMatchObject({ edit: false, remove: false, impersonate: false })
    expect(sarah['sarah@acme.test']).toMatchObject({ remove: false, notifications: true })
    expect(sarah['tom@acme.test']).toMatchObject({ edit: true, remove: true })
    // Sarah holds no security.manage: she signs nobody out.
    expect(Object.values(sarah).some((a) => a.signOut)).toBe(false)
  })

  it('agrees with the API: a row marked not removable is refused, a removable one is removed', async () => {
    const acme = await accountId('Acme Hosting')
    const sarah = await login('sarah@acme.test')
    const owner = await membershipId('owner@acme.test', 'Acme Hosting')
    expect((await api(`/accounts/${acme}/members/${owner}`, { method: 'DELETE', cookie: sarah })).status).toBe(403)
    const tom = await membershipId('tom@acme.test', 'Acme Hosting')
    expect((await api(`/accounts/${acme}/members/${tom}`, { method: 'DELETE', cookie: sarah })).status).toBe(204)
  })
})
