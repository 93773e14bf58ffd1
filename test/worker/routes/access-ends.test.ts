import { env, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { endExpiredAccess, remindAccessEnding } from '../../../worker/src/domain/access-ends.ts'
import { newId } from '../../../worker/src/crypto/tokens.ts'
import { acceptAsNewPerson, api, expectJson, jsonOf, login, problem } from '../../helpers/client.ts'
import { createAccount, createUser } from '../../helpers/factories.ts'

const DAY = 24 * 3600 * 1000
const PASSWORD = 'a perfectly fine password'

async function member(accountId: string, level: 'owner' | 'admin' | 'user', roles: string[], opts: { endsAt?: number | null; roleEnds?: Record<string, number> } = {}) {
  const user = await createUser()
  const id = newId('mem')
  await env.DB.prepare('INSERT INTO memberships (id, user_id, account_id, level, scope, ends_at) VALUES (?, ?, ?, ?, ?, ?)')
    .bind(id, user.id, accountId, level, '{"mode":"all"}', opts.endsAt ?? null)
    .run()
  for (const role of roles) {
    await env.DB.prepare('INSERT INTO membership_roles (membership_id, role_id, ends_at) VALUES (?, ?, ?)').bind(id, role, opts.roleEnds?.[role] ?? null).run()
  }
  return { ...user, membershipId: id }
}

/** A reseller of its own under the platform, with a customer: owner, a manager admin, a technical user, each fresh. */
async function tree() {
  const platform = (await env.DB.prepare("SELECT id FROM accounts WHERE kind = 'platform' LIMIT 1").first<{ id: string }>())!.id
  const reseller = await createAccount({ name: `Expiry Reseller ${newId('x')}`, kind: 'reseller', parentId: platform })
  const customer = await createAccount({ name: `Expiry Customer ${newId('x')}`, kind: 'customer', parentId: reseller.id })
  const owner = await member(reseller.id, 'owner', [])
  const manager = await member(reseller.id, 'admin', ['manager'])
  const tech = await member(reseller.id, 'user', ['technical'])
  return { reseller, customer, owner, manager, tech }
}

const cookieOf = (u: { email: string }) => login(u.email, PASSWORD)
const patch = (cookie: string, account: string, memberId: string, json: unknown) => api(`/accounts/${account}/members/${memberId}`, { method: 'PATCH', cookie, json })
const endsAtOf = async (membershipId: string) => (await env.DB.prepare('SELECT ends_at AS e FROM memberships WHERE id = ?').bind(membershipId).first<{ e: number | null }>())?.e
const events = async (cookie: string, account: string, type: string) =>
  (await expectJson(await api(`/accounts/${account}/activity?type=${type}`, { cookie }), 200, 'listActivity')).items

describe('access that ends: who may set an end date', () => {
  // Security (rule 1): an end date is a write on a member; another tenant's member is not found.
  it('answers 404 to another tenant setting an end date, and changes nothing', async () => {
    const a = await tree()
    const b = await tree()
    const res = await patch(await cookieOf(b.owner), a.reseller.id, a.tech.membershipId, { endsAt: Date.now() + 10 * DAY })
    expect(res.status).toBe(404)
    expect(await endsAtOf(a.tech.membershipId)).toBeNull()
  })

  // Security (rule 6): a member cannot shorten or stretch their own access, nor a user set anyone's.
  it('refuses a user without staff.manage (403) and a member setting their own end', async () => {
    const t = await tree()
    expect((await patch(await cookieOf(t.tech), t.reseller.id, t.manager.membershipId, { endsAt: Date.now() + DAY })).status).toBe(403)
    const own = await patch(await cookieOf(t.manager), t.reseller.id, t.manager.membershipId, { endsAt: Date.now() + DAY })
    expect(own.status).toBe(403)
    expect((await problem(own)).errors?.[0]?.field).toBe('endsAt')
    expect(await endsAtOf(t.manager.membershipId)).toBeNull()
  })

  // Security (rule 6 over time): nobody sets an end on access they could not grant themselves.
  it('refuses a manager setting the end of a member whose roles they do not hold', async () => {
    const t = await tree()
    const res = await patch(await cookieOf(t.manager), t.reseller.id, t.tech.membershipId, { endsAt: Date.now() + 5 * DAY })
    expect(res.status).toBe(403)
    expect((await problem(res)).errors?.[0]?.field).toBe('endsAt')
  })

  // Security (rule 6 over time): access given never outlives the giver's own right to give it.
  it('lets a grantor whose own access ends give access only until then', async () => {
    const t = await tree()
    const temp = await member(t.reseller.id, 'admin', ['manager', 'technical'], { endsAt: Date.now() + 10 * DAY })
    const cookie = await cookieOf(temp)
    const forever = await patch(cookie, t.reseller.id, t.tech.membershipId, { endsAt: null, roles: ['technical'] })
    expect(forever.status).toBe(200) // nothing added, nothing moved: no question of time
    const beyond = await patch(cookie, t.reseller.id, t.tech.membershipId, { endsAt: Date.now() + 20 * DAY })
    expect(beyond.status).toBe(403)
    expect((await problem(beyond)).errors?.[0]).toMatchObject({ field: 'endsAt' })
    const within = await patch(cookie, t.reseller.id, t.tech.membershipId, { endsAt: Date.now() + 5 * DAY })
    expect(within.status, await within.clone().text()).toBe(200)
    const invited = await api(`/accounts/${t.reseller.id}/members`, { method: 'POST', cookie, json: { email: `${newId('p')}@example.test`, level: 'user', roles: ['technical'] } })
    expect(invited.status).toBe(403)
    expect((await problem(invited)).errors?.[0]?.field).toBe('endsAt')
  })

  it('refuses an end in the past or not a number, and an end for a role the member would not hold, naming the field', async () => {
    const t = await tree()
    const cookie = await cookieOf(t.owner)
    const past = await patch(cookie, t.reseller.id, t.tech.membershipId, { endsAt: Date.now() - 1000 })
    expect(past.status).toBe(400)
    expect((await problem(past)).errors?.[0]?.field).toBe('endsAt')
    const bad = await patch(cookie, t.reseller.id, t.tech.membershipId, { endsAt: 'tomorrow' })
    expect(bad.status).toBe(400)
    expect((await problem(bad)).errors?.[0]?.field).toBe('endsAt')
    const stray = await patch(cookie, t.reseller.id, t.tech.membershipId, { roleEnds: { billing: Date.now() + DAY } })
    expect(stray.status).toBe(400)
    expect((await problem(stray)).errors?.[0]?.field).toBe('roleEnds')
  })

  it('sets one role’s end, keeps it through other changes, and clears it with null; the staff list shows it per role', async () => {
    const t = await tree()
    const cookie = await cookieOf(t.owner)
    const roleEnd = async () => {
      const list = await jsonOf(await api(`/accounts/${t.reseller.id}/members`, { cookie }), 'listMembers')
      return list.items.find((m) => m.id === t.tech.membershipId)?.roles.map((r) => [r.id, r.endsAt])
    }
    const at = Date.now() + 10 * DAY
    const set = await patch(cookie, t.reseller.id, t.tech.membershipId, { roles: ['technical'], roleEnds: { technical: at } })
    expect(set.status, await set.clone().text()).toBe(200)
    const { member } = await jsonOf(set, 'updateMember')
    expect(member.roles).toEqual([expect.objectContaining({ id: 'technical', endsAt: at })])
    expect(member.endsAt).toBeNull() // the membership itself lasts
    expect(await roleEnd()).toEqual([['technical', at]])

    // A change that does not name the role's end (the scope, the same roles again) leaves it as it was.
    expect((await patch(cookie, t.reseller.id, t.tech.membershipId, { scope: { mode: 'none' } })).status).toBe(200)
    expect((await patch(cookie, t.reseller.id, t.tech.membershipId, { roles: ['technical'] })).status).toBe(200)
    expect(await roleEnd()).toEqual([['technical', at]])

    const cleared = await patch(cookie, t.reseller.id, t.tech.membershipId, { roles: ['technical'], roleEnds: { technical: null } })
    expect(cleared.status).toBe(200)
    expect(await roleEnd()).toEqual([['technical', null]])
    const logged = await events(cookie, t.reseller.id, 'update_user_permissions')
    const said = logged.map((e) => e.description).join('\n')
    expect(said).toMatch(/role technical ends on /)
    expect(said).toMatch(/role technical no longer ends/)
  })

  // Security (rule 7): while impersonating, the impersonator's own end is a ceiling too.
  it('holds an impersonator to their own end date', async () => {
    const t = await tree()
    const roleId = newId('rol')
    await env.DB.prepare('INSERT INTO roles (id, account_id, name, permissions) VALUES (?, ?, ?, ?)')
      .bind(roleId, t.reseller.id, 'Partner desk', JSON.stringify(['customers.view', 'customers.manage', 'customers.impersonate', 'staff.view', 'staff.manage', 'services.view']))
      .run()
    const desk = await member(t.reseller.id, 'admin', [roleId], { endsAt: Date.now() + 5 * DAY })
    const customerOwner = await member(t.customer.id, 'owner', [])
    const cookie = await cookieOf(desk)
    const started = await api('/impersonation', { method: 'POST', cookie, json: { userId: customerOwner.id, accountId: t.customer.id, reason: 'Setting up their staff' } })
    expect(started.status, await started.clone().text()).toBe(201)
    const invite = (json: Record<string, unknown>) => api(`/accounts/${t.customer.id}/members`, { method: 'POST', cookie, json: { email: `${newId('p')}@example.test`, level: 'user', roles: [], ...json } })
    const refused = await invite({})
    expect(refused.status).toBe(403)
    expect((await problem(refused)).errors?.[0]?.field).toBe('endsAt')
    expect((await invite({ accessEndsAt: Date.now() + 2 * DAY })).status).toBe(201)
  })
})

describe('access that ends: nothing is granted past the end, before any daily run', () => {
  it('a membership past its end grants nothing on the very next request, and leaves the switcher', async () => {
    const t = await tree()
    const cookie = await cookieOf(t.tech)
    expect((await api(`/accounts/${t.reseller.id}/services`, { cookie })).status).toBe(200)
    // The end passes (written as time would: the API refuses a past end).
    await env.DB.prepare('UPDATE memberships SET ends_at = ? WHERE id = ?').bind(Date.now() - 1, t.tech.membershipId).run()
    expect((await api(`/accounts/${t.reseller.id}/services`, { cookie })).status).toBe(404)
    const me = await jsonOf(await api('/me', { cookie }), 'getMe')
    expect(me.accounts.map((a) => a.id)).not.toContain(t.reseller.id)
  })

  it('a role past its end stops granting while the membership goes on', async () => {
    const t = await tree()
    const temp = await member(t.reseller.id, 'admin', ['manager', 'billing'], { roleEnds: { billing: Date.now() + DAY } })
    const cookie = await cookieOf(temp)
    expect((await api(`/accounts/${t.reseller.id}/invoices`, { cookie })).status).toBe(200)
    await env.DB.prepare("UPDATE membership_roles SET ends_at = ? WHERE membership_id = ? AND role_id = 'billing'").bind(Date.now() - 1, temp.membershipId).run()
    expect((await api(`/accounts/${t.reseller.id}/invoices`, { cookie })).status).toBe(403)
    expect((await api(`/accounts/${t.reseller.id}/members`, { cookie })).status).toBe(200)
  })

  it('an invitation carries its end to the membership, and the staff list shows it', async () => {
    const t = await tree()
    const cookie = await cookieOf(t.owner)
    const email = `${newId('p')}@example.test`
    const endsAt = Date.now() + 30 * DAY
    const invited = await api(`/accounts/${t.reseller.id}/members`, { method: 'POST', cookie, json: { email, level: 'user', roles: ['technical'], accessEndsAt: endsAt } })
    expect(invited.status).toBe(201)
    expect((await jsonOf(invited, 'addMember')).invitation.accessEndsAt).toBe(endsAt)
    expect((await acceptAsNewPerson(email)).status).toBe(201)
    const list = await jsonOf(await api(`/accounts/${t.reseller.id}/members`, { cookie }), 'listMembers')
    expect(list.items.find((m) => m.user.email === email)?.endsAt).toBe(endsAt)
  })

  it('the daily run closes a live socket opened with a membership that has ended', async () => {
    const t = await tree()
    const temp = await member(t.reseller.id, 'admin', ['manager'], { endsAt: Date.now() + DAY })
    const res = await SELF.fetch(`http://localhost/api/v1/accounts/${t.reseller.id}/activity/live`, { headers: { upgrade: 'websocket', cookie: await cookieOf(temp) } })
    expect(res.status).toBe(101)
    const ws = res.webSocket!
    const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)))
    ws.accept()
    await env.DB.prepare('UPDATE memberships SET ends_at = ? WHERE id = ?').bind(Date.now() - 1, temp.membershipId).run()
    await endExpiredAccess(env)
    expect(await closed).toBe(4403)
  })
})

describe('access that ends: the daily run', () => {
  it('ends expired access once, logs it once, even when two runs overlap', async () => {
    const t = await tree()
    const gone = await member(t.reseller.id, 'user', ['technical'], { endsAt: Date.now() + DAY })
    const partly = await member(t.reseller.id, 'admin', ['manager', 'billing'], { roleEnds: { billing: Date.now() + DAY } })
    const later = Date.now() + 2 * DAY
    await Promise.all([endExpiredAccess(env, later), endExpiredAccess(env, later)])
    await endExpiredAccess(env, later)
    expect(await endsAtOf(gone.membershipId)).toBeUndefined()
    const roles = await env.DB.prepare('SELECT role_id AS r FROM membership_roles WHERE membership_id = ?').bind(partly.membershipId).all<{ r: string }>()
    expect(roles.results.map((r) => r.r)).toEqual(['manager'])
    const log = await events(await cookieOf(t.owner), t.reseller.id, 'access_expired')
    expect(log).toHaveLength(2)
    expect(log.map((e) => e.subject?.email).sort()).toEqual([gone.email, partly.email].sort())
    expect(log.find((e) => e.subject?.email === partly.email)?.description).toContain('Billing')
  })

  it('tells the person and whoever set the end, 3 days before, once', async () => {
    const t = await tree()
    const ownerCookie = await cookieOf(t.owner)
    const endsAt = Date.now() + 10 * DAY
    expect((await patch(ownerCookie, t.reseller.id, t.tech.membershipId, { endsAt })).status).toBe(200)
    const mails = async (to: string) => (await env.DB.prepare('SELECT subject FROM email_outbox WHERE "to" = ?').bind(to).all<{ subject: string }>()).results
    const notices = async (userId: string) => (await env.DB.prepare("SELECT title FROM notices WHERE user_id = ? AND type = 'access_ending'").bind(userId).all<{ title: string }>()).results
    // Too early: nothing.
    await remindAccessEnding(env)
    expect(await mails(t.tech.email)).toHaveLength(0)
    const soon = endsAt - 2 * DAY
    await Promise.all([remindAccessEnding(env, soon), remindAccessEnding(env, soon)])
    await remindAccessEnding(env, soon + 1000)
    expect(await mails(t.tech.email)).toEqual([{ subject: expect.stringContaining('Your access to') }])
    expect(await mails(t.owner.email)).toEqual([{ subject: expect.stringContaining(`The access of ${t.tech.email}`) }])
    expect(await notices(t.tech.id)).toHaveLength(1)
    expect(await notices(t.owner.id)).toHaveLength(1)
    expect(await events(ownerCookie, t.reseller.id, 'access_ending')).toHaveLength(1)
    // Moving the date makes it due again, once.
    expect((await patch(ownerCookie, t.reseller.id, t.tech.membershipId, { endsAt: endsAt + DAY })).status).toBe(200)
    await remindAccessEnding(env, endsAt - DAY)
    expect(await mails(t.tech.email)).toHaveLength(2)
    // Setting and moving the end were logged as member changes.
    const changes = await events(ownerCookie, t.reseller.id, 'member_updated')
    expect(changes.filter((e) => e.description.includes('ends on'))).toHaveLength(2)
  })
})
