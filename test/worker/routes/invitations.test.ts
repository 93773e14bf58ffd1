import { env } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { sha256Hex } from '../../../worker/src/crypto/tokens.ts'
import { accountId, api, invitationToken, jsonOf, lastEmail, login, problem, sessionCookieFrom, snapshot } from '../../helpers/client.ts'

const strongPassword = 'copper-kettle-48-meadow'

const linkToken = invitationToken

async function invite(cookie: string, account: string, body: Record<string, unknown>) {
  return api(`/accounts/${account}/invitations`, { method: 'POST', cookie, json: body })
}

async function inviteMember(email: string, extra: Record<string, unknown> = {}) {
  const acme = await accountId('Acme Hosting')
  const res = await invite(await login('owner@acme.test'), acme, { kind: 'member', email, level: 'user', roleIds: ['technical'], scope: { mode: 'all' }, ...extra })
  expect(res.status).toBe(201)
  return { acme, invitation: (await jsonOf(res, 'createInvitation')).invitation, token: await linkToken(email) }
}

const accept = (token: string, body: Record<string, unknown>, cookie?: string) => api(`/invitations/${token}/accept`, { method: 'POST', json: body, cookie })

afterEach(() => {
  vi.useRealTimers()
})

describe('invitation lifecycle', () => {
  it('emails a single-use link whose token is stored only as a hash, and shows the accept page only what it needs', async () => {
    const { invitation, token } = await inviteMember('newcomer@example.test')
    expect(invitation).toMatchObject({ email: 'newcomer@example.test', kind: 'member', level: 'user', status: 'pending', roles: [{ id: 'technical', name: 'Technical' }] })
    expect(invitation.expiresAt - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000)
    const stored = await env.DB.prepare('SELECT token_hash FROM invitations WHERE id = ?').bind(invitation.id).first<{ token_hash: string }>()
    expect(stored!.token_hash).toBe(sha256Hex(token))
    expect(JSON.stringify(await env.DB.prepare('SELECT * FROM invitations').all())).not.toContain(token)

    const mail = await lastEmail('newcomer@example.test')
    expect(mail.subject).toContain('Acme Hosting')
    expect(mail.text).toContain('Alex Moreno')
    expect(mail.html).toContain(`/invite/${token}`)

    const res = await api(`/invitations/${token}`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      kind: 'member',
      email: 'newcomer@example.test',
      accountName: 'Acme Hosting',
      inviterName: 'Alex Moreno',
      inviterEmail: 'owner@acme.test',
      level: 'user',
      roles: ['Technical'],
      suggestedName: null,
      existingUser: false,
      accessEndsAt: null,
      expiresAt: invitation.expiresAt,
      joins: null,
    })
  })

  it('lets a new person set name and password, signs them in to the account, and refuses the link a second time', async () => {
    const { acme, token } = await inviteMember('newcomer@example.test')
    const res = await accept(token, { name: 'Nia Newcomer', password: strongPassword })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ accountId: acme })
    const cookie = sessionCookieFrom(res)
    const me = await jsonOf(await api('/me', { cookie }), 'getMe')
    expect(me.user).toMatchObject({ email: 'newcomer@example.test', name: 'Nia Newcomer' })
    expect(me.accounts).toEqual([expect.objectContaining({ id: acme, level: 'user', roles: ['Technical'] })])
    expect(me.lastAccountId).toBe(acme)
    await login('newcomer@example.test', strongPassword)

    const before = await snapshot('memberships')
    const again = await accept(token, { name: 'Someone Else', password: strongPassword })
    expect(again.status).toBe(410)
    expect((await problem(again)).code).toBe('invitation_used')
    expect((await problem(await api(`/invitations/${token}`))).code).toBe('invitation_used')
    expect(await snapshot('memberships')).toBe(before)
  })

  it('adds the membership to an existing login (one login, several accounts) only when signed in with the invited email', async () => {
    const { acme, token } = await inviteMember('sam@freelance.test')
    expect((await jsonOf(await api(`/invitations/${token}`), 'previewInvitation')).existingUser).toBe(true)

    const anonymous = await accept(token, {})
    expect(anonymous.status).toBe(401)
    expect((await problem(anonymous)).code).toBe('sign_in_required')

    const wrong = await accept(token, {}, await login('tom@acme.test'))
    expect(wrong.status).toBe(403)
    const mismatch = await problem(wrong)
    expect(mismatch.code).toBe('email_mismatch')
    expect(mismatch.detail).toContain('sam@freelance.test')

    const sam = await login('sam@freelance.test')
    const res = await accept(token, {}, sam)
    expect(res.status).toBe(201)
    const me = await jsonOf(await api('/me', { cookie: sam }), 'getMe')
    expect(me.accounts.map((a) => a.name).sort()).toEqual(['Acme Hosting', 'Bluebird Bakery', 'Evergreen Legal'])
    // The password did not change: the same login, not a new one.
    await login('sam@freelance.test')
    const count = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = 'sam@freelance.test'").first<{ n: number }>()
    expect(count!.n).toBe(1)
    expect((await jsonOf(await api(`/accounts/${acme}/members`, { cookie: await login('owner@acme.test') }), 'listMembers')).items.map((m) => m.user.email)).toContain('sam@freelance.test')
  })

  it('resend issues a new link and kills the old one; revoke kills the link', async () => {
    const { acme, invitation, token } = await inviteMember('newcomer@example.test')
    const owner = await login('owner@acme.test')
    const resent = await api(`/accounts/${acme}/invitations/${invitation.id}/resend`, { method: 'POST', cookie: owner })
    expect(resent.status).toBe(200)
    const fresh = await linkToken('newcomer@example.test')
    expect(fresh).not.toBe(token)
    expect((await api(`/invitations/${token}`)).status).toBe(404)
    expect((await accept(token, { name: 'N', password: strongPassword })).status).toBe(404)
    expect((await api(`/invitations/${fresh}`)).status).toBe(200)

    expect((await api(`/accounts/${acme}/invitations/${invitation.id}`, { method: 'DELETE', cookie: owner })).status).toBe(204)
    const revoked = await api(`/invitations/${fresh}`)
    expect(revoked.status).toBe(410)
    expect((await problem(revoked)).code).toBe('invitation_revoked')
    expect((await accept(fresh, { name: 'N', password: strongPassword })).status).toBe(410)
    // Revoking twice, or resending a revoked invitation, changes nothing.
    expect((await api(`/accounts/${acme}/invitations/${invitation.id}`, { method: 'DELETE', cookie: owner })).status).toBe(409)
    expect((await api(`/accounts/${acme}/invitations/${invitation.id}/resend`, { method: 'POST', cookie: owner })).status).toBe(409)
    const list = await jsonOf(await api(`/accounts/${acme}/invitations?status=all`, { cookie: owner }), 'listInvitations')
    expect(list.items.find((i) => i.id === invitation.id)?.status).toBe('revoked')
    expect((await jsonOf(await api(`/accounts/${acme}/invitations`, { cookie: owner }), 'listInvitations')).items).toEqual([])
  })

  it('expires after 7 days (fake clock): the link answers 410 and nothing is created', async () => {
    const { token } = await inviteMember('newcomer@example.test')
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 7 * 24 * 3600 * 1000 + 1000)
    const res = await api(`/invitations/${token}`)
    expect(res.status).toBe(410)
    expect((await problem(res)).code).toBe('invitation_expired')
    const users = await snapshot('users')
    expect((await accept(token, { name: 'Late', password: strongPassword })).status).toBe(410)
    expect(await snapshot('users')).toBe(users)
  })

  it('answers tampered and malformed tokens with 404 problem+json', async () => {
    const { token } = await inviteMember('newcomer@example.test')
    const tampered = token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a')
    for (const t of [tampered, 'not-a-token', 'x'.repeat(128)]) {
      const res = await api(`/invitations/${encodeURIComponent(t)}`)
      expect(res.status).toBe(404)
      expect((await problem(res)).code).toBe('invitation_not_found')
    }
  })

  it('creates one membership when two tabs accept at once', async () => {
    const { acme, token } = await inviteMember('newcomer@example.test')
    const results = await Promise.all([0, 1, 2].map(() => accept(token, { name: 'Racer', password: strongPassword })))
    expect(results.map((r) => r.status).sort()).toEqual([201, 410, 410])
    const n = await env.DB.prepare("SELECT count(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'newcomer@example.test' AND m.account_id = ?")
      .bind(acme)
      .first<{ n: number }>()
    expect(n!.n).toBe(1)
  })
})

describe('who may invite, and what', () => {
  it('answers 409 for an existing member and for a second pending invitation', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const member = await invite(owner, acme, { kind: 'member', email: 'TOM@acme.test', level: 'user' })
    expect(member.status).toBe(409)
    expect((await problem(member)).code).toBe('already_member')
    expect((await invite(owner, acme, { kind: 'member', email: 'x@example.test', level: 'user' })).status).toBe(201)
    const twice = await invite(owner, acme, { kind: 'member', email: 'X@example.test ', level: 'user' })
    expect(twice.status).toBe(409)
    expect(await problem(twice)).toMatchObject({
      code: 'already_invited',
      detail: 'email: This email already has a pending invitation; resend it instead.',
      errors: [{ field: 'email', message: 'This email already has a pending invitation; resend it instead.' }],
    })
  })

  it('never lets an inviter offer more than they hold, and hides other tenants', async () => {
    const acme = await accountId('Acme Hosting')
    // Sarah (admin: Manager, Technical, Customer care) does not hold Billing.
    const sarah = await login('sarah@acme.test')
    const escalation = await invite(sarah, acme, { kind: 'member', email: 'x@example.test', level: 'admin', roleIds: ['billing'] })
    expect(await problem(escalation)).toMatchObject({ status: 403, code: 'escalation' })
    // Users cannot hold financial permissions at all.
    const userWithBilling = await invite(await login('owner@acme.test'), acme, { kind: 'member', email: 'y@example.test', level: 'user', roleIds: ['billing'] })
    expect(await problem(userWithBilling)).toMatchObject({ status: 422, code: 'level_restriction' })
    expect((await invite(await login('tom@acme.test'), acme, { kind: 'member', email: 'x@example.test', level: 'user' })).status).toBe(403)
    expect((await invite(await login('owner@globex.test'), acme, { kind: 'member', email: 'x@example.test', level: 'user' })).status).toBe(404)
    expect((await api(`/accounts/${acme}/invitations`, { cookie: await login('owner@globex.test') })).status).toBe(404)
    expect(await env.DB.prepare('SELECT count(*) AS n FROM invitations').first<{ n: number }>()).toEqual({ n: 0 })
    expect(await env.DB.prepare('SELECT count(*) AS n FROM email_outbox').first<{ n: number }>()).toEqual({ n: 0 })
  })

  it('answers bad input with 400 naming the field', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: 'member', email: 'not-an-email', level: 'user' }, 'email'],
      [{ kind: 'member', email: 'a@example.test', level: 'owner' }, 'level'],
      [{ kind: 'alien', email: 'a@example.test' }, 'kind'],
      [{ kind: 'member', email: 'a@example.test', level: 'user', scope: { mode: 'everything' } }, 'scope'],
    ]
    for (const [body, field] of cases) {
      const res = await invite(owner, acme, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect((await problem(res)).errors?.map((e) => e.field).join(' '), JSON.stringify(body)).toContain(field)
    }
    const { token } = await inviteMember('newcomer@example.test')
    const weak = await accept(token, { name: 'N', password: 'password' })
    expect(weak.status).toBe(400)
    expect((await problem(weak)).errors?.[0]?.field).toBe('password')
    const noName = await accept(token, { password: strongPassword })
    expect((await problem(noName)).errors?.[0]?.field).toBe('name')
  })

  it('rate-limits invitations per account', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const statuses: number[] = []
    for (let i = 0; i < 31; i++) statuses.push((await invite(owner, acme, { kind: 'member', email: `bulk${i}@example.test`, level: 'user' })).status)
    expect(statuses.slice(0, 30).every((s) => s === 201)).toBe(true)
    expect(statuses[30]).toBe(429)
  })

  it('records invitations and acceptances in the activity log', async () => {
    // Durable Object storage outlives a test within this file: a fresh email keeps the query exact.
    const { acme, token } = await inviteMember('logged-newcomer@example.test')
    await accept(token, { name: 'Nia Newcomer', password: strongPassword })
    const res = await api(`/accounts/${acme}/activity?actor=logged-newcomer@example.test`, { cookie: await login('owner@acme.test') })
    const events = (await jsonOf(res, 'listActivity')).items
    expect(events.map((e) => [e.type, e.actor?.email])).toEqual([['invitation_accepted', 'logged-newcomer@example.test']])
    const sent = await api(`/accounts/${acme}/activity?q=logged&type=invite_user`, { cookie: await login('owner@acme.test') })
    expect((await jsonOf(sent, 'listActivity')).items.map((e) => e.actor?.email)).toEqual(['owner@acme.test'])
  })
})

describe('partners invite customers', () => {
  it('turns a prospect into a customer organisation under the partner, with partner access off by default', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const res = await invite(owner, acme, { kind: 'customer', email: 'prospect@example.test', name: 'Prospect Pies' })
    expect(res.status).toBe(201)
    const token = await linkToken('prospect@example.test')
    expect((await lastEmail('prospect@example.test')).text).toContain('Acme Hosting')
    const shown = await jsonOf(await api(`/invitations/${token}`), 'previewInvitation')
    expect(shown).toMatchObject({ kind: 'customer', suggestedName: 'Prospect Pies' })

    const missingName = await accept(token, { name: 'Pat Prospect', password: strongPassword })
    expect((await problem(missingName)).errors?.[0]?.field).toBe('organisationName')

    const accepted = await accept(token, { name: 'Pat Prospect', password: strongPassword, organisationName: 'Pat’s Pies Ltd' })
    expect(accepted.status).toBe(201)
    const { accountId: customer } = await jsonOf(accepted, 'acceptInvitation')
    const pat = sessionCookieFrom(accepted)

    const account = await env.DB.prepare('SELECT parent_id, kind, name, path, partner_access_default FROM accounts WHERE id = ?').bind(customer).first()
    expect(account).toMatchObject({ parent_id: acme, kind: 'customer', name: 'Pat’s Pies Ltd', partner_access_default: 0 })
    const me = await jsonOf(await api('/me', { cookie: pat }), 'getMe')
    expect(me.accounts).toEqual([expect.objectContaining({ id: customer, level: 'owner' })])

    // The partner sees the new customer under Customers.
    const children = await jsonOf(await api(`/accounts/${acme}/children`, { cookie: owner }), 'listChildAccounts')
    expect(children.items.map((c) => c.name)).toContain('Pat’s Pies Ltd')

    // The customer's new service starts without partner access: the partner may look, not operate.
    const created = await api(`/accounts/${customer}/services`, { method: 'POST', cookie: pat, json: { type: 'server', name: 'pies-01' } })
    expect(created.status).toBe(201)
    const service = (await jsonOf(created, 'createService')).service
    expect(service.partnerAccess).toBe(false)
    const operate = await api(`/accounts/${customer}/services/${service.id}/actions/restart`, { method: 'POST', cookie: owner })
    expect(operate.status).toBe(403)
    expect((await problem(operate)).code).toBe('consent_required')
  })

  it('lets only resellers with customers.invite invite customers', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    expect((await invite(await login('owner@bluebird.test'), bluebird, { kind: 'customer', email: 'p@example.test' })).status).toBe(403)
    const acme = await accountId('Acme Hosting')
    expect((await invite(await login('billie@acme.test'), acme, { kind: 'customer', email: 'p@example.test' })).status).toBe(403)
    // Sarah's custom "Customer care" role holds customers.invite.
    expect((await invite(await login('sarah@acme.test'), acme, { kind: 'customer', email: 'p@example.test' })).status).toBe(201)
  })
})

describe('reseller limits bind invitations (rule 9)', () => {
  it('refuses a customer invitation when the reseller is full, and an accept that would pass the limit', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    // Acme has three customers; allow one more.
    await env.DB.prepare(`UPDATE accounts SET limits = '{"max_customers":4}' WHERE id = ?`).bind(acme).run()
    expect((await invite(owner, acme, { kind: 'customer', email: 'first@example.test' })).status).toBe(201)
    expect((await invite(owner, acme, { kind: 'customer', email: 'second@example.test' })).status).toBe(201)
    const first = await linkToken('first@example.test')
    const second = await linkToken('second@example.test')
    // Both accept at once: exactly one organisation fits.
    const results = await Promise.all([
      accept(first, { name: 'First', password: strongPassword, organisationName: 'First Org' }),
      accept(second, { name: 'Second', password: strongPassword, organisationName: 'Second Org' }),
    ])
    expect(results.map((r) => r.status).sort()).toEqual([201, 422])
    const refused = results.find((r) => r.status === 422)!
    expect(await problem(refused)).toMatchObject({ code: 'limit_reached', limit: 'max_customers', value: 4 })
    const customers = await env.DB.prepare(`SELECT count(*) AS n FROM accounts WHERE parent_id = ? AND kind = 'customer'`).bind(acme).first<{ n: number }>()
    expect(customers!.n).toBe(4)
    // Full now: a new invitation is refused up front, naming the limit.
    const full = await invite(owner, acme, { kind: 'customer', email: 'third@example.test' })
    expect(await problem(full)).toMatchObject({ status: 422, code: 'limit_reached', limit: 'max_customers' })
  })
})

describe('a customer decides partner access for all its services', () => {
  it('turns access on for every service and for new ones; partners and impersonators cannot', async () => {
    const driftwood = await accountId('Driftwood Dental')
    const dana = await login('owner@driftwood.test')
    const acmeOwner = await login('owner@acme.test')
    expect((await api(`/accounts/${driftwood}/partner-access`, { method: 'PUT', cookie: acmeOwner, json: { enabled: true } })).status).toBe(403)

    const on = await api(`/accounts/${driftwood}/partner-access`, { method: 'PUT', cookie: dana, json: { enabled: true } })
    expect(on.status).toBe(200)
    expect((await jsonOf(on, 'setPartnerAccessForAll')).servicesChanged).toBeGreaterThan(0)
    const off = await env.DB.prepare('SELECT count(*) AS n FROM services WHERE account_id = ? AND partner_access = 0').bind(driftwood).first<{ n: number }>()
    expect(off!.n).toBe(0)
    const created = await api(`/accounts/${driftwood}/services`, { method: 'POST', cookie: dana, json: { type: 'mailbox', name: 'front-desk@driftwood.example' } })
    expect((await jsonOf(created, 'createService')).service.partnerAccess).toBe(true)

    // A partner acting as the customer's owner cannot decide for them.
    const dana2 = (await env.DB.prepare(`SELECT id FROM users WHERE email = 'owner@driftwood.test'`).first<{ id: string }>())!.id
    expect((await api('/impersonation', { method: 'POST', cookie: acmeOwner, json: { userId: dana2, accountId: driftwood, reason: 'Setting up their mail' } })).status).toBe(201)
    const impersonated = await api(`/accounts/${driftwood}/partner-access`, { method: 'PUT', cookie: acmeOwner, json: { enabled: false } })
    expect(impersonated.status).toBe(403)
    expect((await problem(impersonated)).code).toBe('impersonation_restricted')
  })
})
