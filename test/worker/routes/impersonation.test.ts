import { env } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { accountId, api, jsonOf, login, problem, serviceId } from '../../helpers/client.ts'

async function userId(email: string) {
  const row = await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first<{ id: string }>()
  return row!.id
}

async function start(cookie: string, target: string, account: string, reason = 'Customer asked for help with their server') {
  return api('/impersonation', { method: 'POST', cookie, json: { userId: await userId(target), accountId: await accountId(account), reason } })
}

const me = async (cookie: string) => await jsonOf(await api('/me', { cookie }), 'getMe')

afterEach(() => {
  vi.useRealTimers()
})

describe('who may impersonate whom (rule 7: only downwards)', () => {
  const cases: [string, string, string, number][] = [
    // [impersonator, target, account, expected status]
    ['owner@acme.test', 'sam@freelance.test', 'Bluebird Bakery', 201], // a customer's admin, from the partner
    ['owner@acme.test', 'owner@bluebird.test', 'Bluebird Bakery', 201], // a customer's owner, from the partner
    ['owner@acme.test', 'tom@acme.test', 'Acme Hosting', 201], // same account, lower level
    ['owner@acme.test', 'sarah@acme.test', 'Acme Hosting', 201], // same account, admin below owner
    ['admin@nimbus.test', 'owner@acme.test', 'Acme Hosting', 201], // the platform, a reseller's owner
    ['admin@nimbus.test', 'owner@evergreen.test', 'Evergreen Legal', 201], // the platform, a customer two levels down
    ['sarah@acme.test', 'billie@acme.test', 'Acme Hosting', 403], // same level
    ['sarah@acme.test', 'owner@acme.test', 'Acme Hosting', 403], // upwards, same account
    ['owner@acme.test', 'owner@acme.test', 'Acme Hosting', 403], // oneself
    ['sarah@acme.test', 'sam@freelance.test', 'Bluebird Bakery', 201], // support: Customer care holds customers.impersonate
    ['billie@acme.test', 'sam@freelance.test', 'Bluebird Bakery', 403], // no customers.impersonate (Billing)
    ['tom@acme.test', 'owner@bluebird.test', 'Bluebird Bakery', 403], // a user of the partner holds no customers.impersonate
    ['owner@bluebird.test', 'owner@acme.test', 'Acme Hosting', 404], // upwards to the partner
    ['owner@acme.test', 'owner@globex.test', 'Globex Partners', 404], // sideways
    ['owner@acme.test', 'owner@evergreen.test', 'Evergreen Legal', 404], // another reseller's customer
    ['owner@bluebird.test', 'sam@freelance.test', 'Evergreen Legal', 404], // sideways via a shared login
  ]
  it.each(cases)('%s → %s in %s answers %i', async (who, target, account, status) => {
    const res = await start(await login(who), target, account)
    expect(res.status).toBe(status)
    if (status !== 201) expect((await problem(res)).code).toBe(status === 404 ? 'not_found' : 'forbidden')
  })

  it('records a refusal in the refused person’s own account', async () => {
    const sarah = await login('sarah@acme.test')
    expect((await start(sarah, 'owner@acme.test', 'Acme Hosting', 'refusal-marker-upwards')).status).toBe(403)
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/activity?type=impersonation_refused&q=refusal`, { cookie: await login('owner@acme.test') })
    const items = (await jsonOf(res, 'listActivity')).items
    expect(items.at(0)).toMatchObject({ actor: { email: 'sarah@acme.test' }, subject: { email: 'owner@acme.test' } })
  })

  it('requires a reason and refuses a second impersonation on top of the first', async () => {
    const owner = await login('owner@acme.test')
    const noReason = await start(owner, 'tom@acme.test', 'Acme Hosting', '  ')
    expect(noReason.status).toBe(400)
    expect((await problem(noReason)).errors?.[0]?.field).toBe('reason')
    expect((await start(owner, 'tom@acme.test', 'Acme Hosting')).status).toBe(201)
    expect((await start(owner, 'sarah@acme.test', 'Acme Hosting')).status).toBe(409)
  })
})

describe('while impersonating', () => {
  it('acts with exactly the target’s menu in that account, and nowhere else', async () => {
    const owner = await login('owner@acme.test')
    const bluebird = await accountId('Bluebird Bakery')
    expect((await start(owner, 'sam@freelance.test', 'Bluebird Bakery')).status).toBe(201)
    const acting = await me(owner)
    expect(acting.user.email).toBe('sam@freelance.test')
    expect(acting.impersonation).toMatchObject({ impersonator: { email: 'owner@acme.test' }, target: { email: 'sam@freelance.test' }, accountId: bluebird })
    // Only the impersonated account: not Sam's other accounts, not the impersonator's own.
    expect(acting.accounts.map((a) => a.name)).toEqual(['Bluebird Bakery'])
    expect((await api(`/accounts/${await accountId('Evergreen Legal')}`, { cookie: owner })).status).toBe(404)
    expect((await api(`/accounts/${await accountId('Acme Hosting')}`, { cookie: owner })).status).toBe(404)

    const menu = async (cookie: string) => (await jsonOf(await api(`/accounts/${bluebird}/menu`, { cookie }), 'getAccountMenu')).items.map((i) => i.key)
    expect(await menu(owner)).toEqual(await menu(await login('sam@freelance.test')))
  })

  it('never does more than the impersonator could: a customer’s consent still binds the partner', async () => {
    // Sam (Bluebird admin, Technical) may restart bluebird-backup-01, which has no partner access.
    const backup = await serviceId('bluebird-backup-01')
    const bluebird = await accountId('Bluebird Bakery')
    const sam = await login('sam@freelance.test')
    expect((await api(`/accounts/${bluebird}/services/${backup}/actions/restart`, { method: 'POST', cookie: sam })).status).toBe(202)
    const owner = await login('owner@acme.test')
    await start(owner, 'sam@freelance.test', 'Bluebird Bakery')
    const res = await api(`/accounts/${bluebird}/services/${backup}/actions/restart`, { method: 'POST', cookie: owner })
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('consent_required')
  })

  it('records the impersonator as actor and the target as subject, and start/end with the reason once in each log', async () => {
    const owner = await login('owner@acme.test')
    const bluebird = await accountId('Bluebird Bakery')
    const acme = await accountId('Acme Hosting')
    const pos = await serviceId('bluebird-pos-01')
    expect((await start(owner, 'sam@freelance.test', 'Bluebird Bakery', 'audit-marker-ticket-4711')).status).toBe(201)
    expect((await api(`/accounts/${bluebird}/services/${pos}/actions/restart`, { method: 'POST', cookie: owner })).status).toBe(202)
    expect((await api('/impersonation', { method: 'DELETE', cookie: owner })).status).toBe(204)

    const read = async (account: string, query: string) =>
      (await jsonOf(await api(`/accounts/${account}/activity${query}`, { cookie: await login('owner@bluebird.test') }), 'listActivity')).items
    const restart = (await read(bluebird, '?type=server_action&actor=owner@acme.test')).at(0)
    expect(restart).toMatchObject({ actor: { email: 'owner@acme.test' }, impersonator: { email: 'owner@acme.test' }, subject: { email: 'sam@freelance.test' } })

    const inBluebird = await read(bluebird, '?type=impersonation_start,impersonation_end&q=4711')
    expect(inBluebird.map((e) => e.type).sort()).toEqual(['impersonation_end', 'impersonation_start'])
    // Acme's log receives Bluebird's events by forwarding (asynchronously), so it holds each of them once, not a copy of its own too.
    const acmeOwner = await login('owner@acme.test')
    await vi.waitFor(
      async () => {
        const res = await api(`/accounts/${acme}/activity?type=impersonation_start,impersonation_end&q=4711`, { cookie: acmeOwner })
        const items = (await jsonOf(res, 'listActivity')).items
        expect(items.map((e) => `${e.type}@${e.accountId}`).sort()).toEqual([`impersonation_end@${bluebird}`, `impersonation_start@${bluebird}`])
      },
      { timeout: 5000, interval: 100 },
    )
  })

  it('writes the start into the platform’s own log once, as forwarding stops at the reseller', async () => {
    const admin = await login('admin@nimbus.test')
    const nimbus = await accountId('Nimbus Cloud')
    expect((await start(admin, 'owner@evergreen.test', 'Evergreen Legal', 'platform-marker-ticket-5522')).status).toBe(201)
    const res = await api(`/accounts/${nimbus}/activity?type=impersonation_start&q=5522`, { cookie: await login('admin@nimbus.test') })
    const items = (await jsonOf(res, 'listActivity')).items
    expect(items.map((e) => e.accountId)).toEqual([nimbus])
  })

  it('refuses changes to the target’s password and email, and the target’s access log', async () => {
    const owner = await login('owner@acme.test')
    await start(owner, 'tom@acme.test', 'Acme Hosting')
    const password = await api('/me/password', { method: 'POST', cookie: owner, json: { currentPassword: 'trellis-demo', newPassword: 'brand-new-orchid-52' } })
    expect(password.status).toBe(403)
    expect((await problem(password)).code).toBe('impersonation_restricted')
    const email = await api('/me', { method: 'PATCH', cookie: owner, json: { email: 'hijack@example.test', currentPassword: 'trellis-demo' } })
    expect(email.status).toBe(403)
    expect((await api('/me/access-log', { cookie: owner })).status).toBe(403)
    // Tom still signs in with his own password and email.
    await login('tom@acme.test')
  })

  it('ends on exit: the session is the impersonator’s own again, and the target’s access log says who, why and how long', async () => {
    const owner = await login('owner@acme.test')
    await start(owner, 'tom@acme.test', 'Acme Hosting', 'Checking the managed servers')
    expect((await api('/impersonation', { method: 'DELETE', cookie: owner })).status).toBe(204)
    const back = await me(owner)
    expect(back.user.email).toBe('owner@acme.test')
    expect(back.impersonation).toBeNull()
    // Exiting twice is harmless.
    expect((await api('/impersonation', { method: 'DELETE', cookie: owner })).status).toBe(204)

    const log = await jsonOf(await api('/me/access-log', { cookie: await login('tom@acme.test') }), 'getAccessLog')
    expect(log.items[0]).toMatchObject({ impersonator: { email: 'owner@acme.test' }, reason: 'Checking the managed servers', accountName: 'Acme Hosting', endReason: 'exit' })
    expect(log.items[0]!.endedAt).toBeGreaterThanOrEqual(log.items[0]!.startedAt)

    const mail = await env.DB.prepare(`SELECT subject, text FROM email_outbox WHERE "to" = 'tom@acme.test' ORDER BY created_at DESC LIMIT 1`).first<{ subject: string; text: string }>()
    expect(mail!.subject).toContain('Alex Moreno')
    expect(mail!.text).toContain('Checking the managed servers')
  })

  it('ends on logout', async () => {
    const owner = await login('owner@acme.test')
    await start(owner, 'tom@acme.test', 'Acme Hosting')
    expect((await api('/auth/logout', { method: 'POST', cookie: owner })).status).toBe(204)
    const row = await env.DB.prepare('SELECT ended_at, end_reason FROM impersonations ORDER BY started_at DESC LIMIT 1').first<{ ended_at: number; end_reason: string }>()
    expect(row).toMatchObject({ end_reason: 'logout' })
    expect((await api('/me', { cookie: owner })).status).toBe(401)
  })

  it('ends by itself after 60 minutes (fake clock)', async () => {
    const owner = await login('owner@acme.test')
    await start(owner, 'tom@acme.test', 'Acme Hosting')
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 59 * 60 * 1000)
    expect((await me(owner)).impersonation).not.toBeNull()
    vi.setSystemTime(Date.now() + 2 * 60 * 1000)
    const after = await me(owner)
    expect(after.impersonation).toBeNull()
    expect(after.user.email).toBe('owner@acme.test')
    const row = await env.DB.prepare('SELECT started_at, ended_at, end_reason FROM impersonations ORDER BY started_at DESC LIMIT 1').first<{ started_at: number; ended_at: number; end_reason: string }>()
    expect(row!.end_reason).toBe('expired')
    expect(row!.ended_at - row!.started_at).toBe(60 * 60 * 1000)
  })
})

describe('an impersonator grants nothing beyond their own reach (rule 7)', () => {
  /** Sarah, an Acme admin who may impersonate customers and manage their staff and roles, but holds no billing. */
  async function supportDesk() {
    const owner = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const role = await api(`/accounts/${acme}/roles`, {
      method: 'POST',
      cookie: owner,
      json: { name: 'Support desk', permissions: ['customers.view', 'customers.manage', 'customers.impersonate', 'staff.view', 'staff.manage', 'roles.view', 'roles.manage', 'services.view'] },
    })
    expect(role.status).toBe(201)
    const roleId = (await jsonOf(role, 'createRole')).role.id
    const sarahMember = await env.DB.prepare(
      "SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'sarah@acme.test' AND m.account_id = ?",
    )
      .bind(acme)
      .first<{ id: string }>()
    const patched = await api(`/accounts/${acme}/members/${sarahMember!.id}`, { method: 'PATCH', cookie: owner, json: { roles: ['manager', 'technical', roleId] } })
    expect(patched.status).toBe(200)
    const sarah = await login('sarah@acme.test')
    expect((await start(sarah, 'owner@bluebird.test', 'Bluebird Bakery')).status).toBe(201)
    return { sarah, bluebird: await accountId('Bluebird Bakery') }
  }

  const count = async (table: string) => (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n

  // Security: acting as a customer's owner must not mint a full-power login that outlives the impersonation.
  it('refuses to invite or add a member with a permission the impersonator does not hold', async () => {
    const { sarah, bluebird } = await supportDesk()
    const before = await count('invitations')
    const invited = await api(`/accounts/${bluebird}/invitations`, { method: 'POST', cookie: sarah, json: { kind: 'member', email: 'mole@example.test', level: 'admin', roleIds: ['billing'] } })
    expect(invited.status).toBe(403)
    expect(await problem(invited)).toMatchObject({ code: 'escalation', errors: [{ field: 'roles' }] })
    const added = await api(`/accounts/${bluebird}/members`, { method: 'POST', cookie: sarah, json: { email: 'mole@example.test', level: 'admin', roles: ['account-owner'] } })
    expect(added.status).toBe(403)
    expect(await count('invitations')).toBe(before)
  })

  it('still lets the impersonator grant what they hold themselves', async () => {
    const { sarah, bluebird } = await supportDesk()
    const res = await api(`/accounts/${bluebird}/invitations`, { method: 'POST', cookie: sarah, json: { kind: 'member', email: 'helper@example.test', level: 'user', roleIds: [] } })
    expect(res.status).toBe(201)
  })

  // Security: a custom role is a grant too.
  it('refuses to create or widen a role beyond the impersonator’s own permissions', async () => {
    const { sarah, bluebird } = await supportDesk()
    const before = await count('roles')
    const created = await api(`/accounts/${bluebird}/roles`, { method: 'POST', cookie: sarah, json: { name: 'Money', permissions: ['billing.view', 'billing.manage'] } })
    expect(created.status).toBe(403)
    expect(await problem(created)).toMatchObject({ code: 'escalation', errors: [{ field: 'permissions' }] })
    expect(await count('roles')).toBe(before)
  })

  it('refuses to give an existing member a role beyond the impersonator’s own permissions', async () => {
    const { sarah, bluebird } = await supportDesk()
    const sam = await env.DB.prepare("SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'sam@freelance.test' AND m.account_id = ?").bind(bluebird).first<{ id: string }>()
    const res = await api(`/accounts/${bluebird}/members/${sam!.id}`, { method: 'PATCH', cookie: sarah, json: { roles: ['billing'] } })
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('escalation')
  })

  it('refuses to change the customer’s consent on its behalf', async () => {
    const { sarah, bluebird } = await supportDesk()
    const res = await api(`/accounts/${bluebird}/partner-access`, { method: 'PUT', cookie: sarah, json: { enabled: true } })
    expect(res.status).toBe(403)
  })
})
