import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { purgeDeletedAccounts } from '../../../worker/src/scheduled.ts'
import { addMembership, createAccount, createUser } from '../../helpers/factories.ts'
import { acceptAsNewPerson, accountId, addMember, api, DEMO_PASSWORD, jsonOf, login, problem, sessionCookieFrom } from '../../helpers/client.ts'

const password = 'violet-harbour-71-lantern'
const DAY = 24 * 60 * 60 * 1000

async function platform() {
  return { id: await accountId('Nimbus Cloud'), cookie: await login('admin@nimbus.test') }
}

/** Set limits (and optionally access) on a demo reseller through the API. */
async function limitReseller(name: string, limits: Record<string, unknown>, access?: string[] | null) {
  const p = await platform()
  const res = await api(`/accounts/${p.id}/resellers/${await accountId(name)}`, {
    method: 'PATCH',
    cookie: p.cookie,
    json: { limits, ...(access !== undefined && { access }) },
  })
  expect(res.status).toBe(200)
  return p
}

async function loginStatus(email: string, pass = DEMO_PASSWORD) {
  const res = await api('/auth/login', { method: 'POST', json: { email, password: pass }, ip: `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` })
  return res
}

describe('reseller templates', () => {
  it('creates a template and a reseller from it that copies limits and access and remembers the template', async () => {
    const p = await platform()
    const t = await api(`/accounts/${p.id}/templates`, {
      method: 'POST',
      cookie: p.cookie,
      json: { name: 'Starter', limits: { max_customers: 2, max_services: { hosting: 1 } }, access: ['services', 'customers', 'staff'] },
    })
    expect(t.status).toBe(201)
    const { template } = await jsonOf(t, 'createTemplate')
    expect(template.limits).toMatchObject({ max_customers: 2, max_staff: null, max_services: { hosting: 1 } })

    const res = await api(`/accounts/${p.id}/resellers`, {
      method: 'POST',
      cookie: p.cookie,
      json: { name: 'Initech', ownerEmail: 'owner@initech.test', ownerName: 'Bill L', ownerPassword: password, templateId: template.id },
    })
    expect(res.status).toBe(201)
    const { account } = await jsonOf(res, 'createReseller')
    expect(account).toMatchObject({ name: 'Initech', status: 'active', templateId: template.id, templateName: 'Starter', access: ['services', 'customers', 'staff'] })
    expect(account.limits).toMatchObject({ max_customers: 2, max_services: { hosting: 1 } })
    // The new owner accepts the emailed invitation, then sees only the sections of the access list (and the dashboard).
    expect((await acceptAsNewPerson('owner@initech.test', password)).status).toBe(201)
    const owner = await login('owner@initech.test', password)
    const menu = await jsonOf(await api(`/accounts/${account.id}/menu`, { cookie: owner }), 'getAccountMenu')
    expect(menu.items.map((i) => i.key)).toEqual(['dashboard', 'services', 'customers', 'staff'])
    const list = await jsonOf(await api(`/accounts/${p.id}/templates`, { cookie: p.cookie }), 'listTemplates')
    expect(list.items.find((i) => i.name === 'Starter')?.resellers).toBe(1)
  })

  it('updates and deletes a template; resellers keep their copied limits', async () => {
    const p = await platform()
    const { template } = await jsonOf(await api(`/accounts/${p.id}/templates`, { method: 'POST', cookie: p.cookie, json: { name: 'Temp', limits: { max_customers: 4 } } }), 'createTemplate')
    const patched = await api(`/accounts/${p.id}/templates/${template.id}`, { method: 'PATCH', cookie: p.cookie, json: { name: 'Renamed' } })
    expect(patched.status).toBe(200)
    expect((await jsonOf(patched, 'updateTemplate')).template.name).toBe('Renamed')
    const acme = await accountId('Acme Hosting')
    await api(`/accounts/${p.id}/resellers/${acme}`, { method: 'PATCH', cookie: p.cookie, json: { templateId: template.id } })
    expect((await api(`/accounts/${p.id}/templates/${template.id}`, { method: 'DELETE', cookie: p.cookie })).status).toBe(204)
    const { account } = await jsonOf(await api(`/accounts/${p.id}/resellers/${acme}`, { cookie: p.cookie }), 'getReseller')
    expect(account.templateId).toBeNull()
    expect(account.limits).toMatchObject({ max_customers: 4 })
  })

  it("answers 404 for another platform's templates and resellers, and to resellers asking about their platform", async () => {
    const other = await createAccount({ name: 'Other Platform', kind: 'platform' })
    const otherReseller = await createAccount({ name: 'Other Reseller', kind: 'reseller', parentId: other.id })
    const boss = await createUser({ email: 'boss@other.test', password })
    await addMembership(boss.id, other.id, 'owner')
    const otherCookie = await login('boss@other.test', password)
    const { template } = await jsonOf(await api(`/accounts/${other.id}/templates`, { method: 'POST', cookie: otherCookie, json: { name: 'Theirs' } }), 'createTemplate')

    const p = await platform()
    expect((await api(`/accounts/${p.id}/templates/${template.id}`, { cookie: p.cookie })).status).toBe(404)
    expect((await api(`/accounts/${p.id}/templates/${template.id}`, { method: 'PATCH', cookie: p.cookie, json: { name: 'x' } })).status).toBe(404)
    expect((await api(`/accounts/${p.id}/templates/${template.id}`, { method: 'DELETE', cookie: p.cookie })).status).toBe(404)
    expect((await api(`/accounts/${p.id}/resellers/${otherReseller.id}`, { cookie: p.cookie })).status).toBe(404)
    expect((await api(`/accounts/${p.id}/resellers/${otherReseller.id}/disable`, { method: 'POST', cookie: p.cookie, json: { reason: 'x' } })).status).toBe(404)
    expect((await api(`/accounts/${other.id}/resellers`, { cookie: p.cookie })).status).toBe(404)
    // A template id from another platform cannot seed a reseller here.
    const bad = await api(`/accounts/${p.id}/resellers`, { method: 'POST', cookie: p.cookie, json: { name: 'X', ownerEmail: 'x@x.test', ownerName: 'X', ownerPassword: password, templateId: template.id } })
    expect(bad.status).toBe(400)
    expect((await problem(bad)).errors?.[0]?.field).toBe('templateId')
    // Acme's owner is not a member of the platform.
    const acmeOwner = await login('owner@acme.test')
    expect((await api(`/accounts/${p.id}/resellers`, { cookie: acmeOwner })).status).toBe(404)
    expect((await api(`/accounts/${await accountId('Acme Hosting')}/templates`, { cookie: acmeOwner })).status).toBe(403)
  })

  it('answers 400 naming the field for bad input', async () => {
    const p = await platform()
    const cases: [string, string, unknown, string][] = [
      ['POST', `/accounts/${p.id}/templates`, { name: 'X', limits: { max_customers: -1 } }, 'limits.max_customers'],
      ['POST', `/accounts/${p.id}/templates`, { name: 'X', access: ['bogus'] }, 'access.0'],
      ['POST', `/accounts/${p.id}/templates`, { name: '' }, 'name'],
      ['POST', `/accounts/${p.id}/templates`, { name: 'X', limits: { max_services: { spaceship: 1 } } }, 'limits.max_services'],
      ['POST', `/accounts/${p.id}/resellers`, { name: 'X', ownerEmail: 'nope', ownerName: 'X' }, 'ownerEmail'],
      ['POST', `/accounts/${p.id}/resellers/${await accountId('Acme Hosting')}/disable`, { reason: '' }, 'reason'],
      ['PATCH', `/accounts/${p.id}/resellers/${await accountId('Acme Hosting')}`, { limits: { max_staff: 1.5 } }, 'limits.max_staff'],
    ]
    for (const [method, path, json, field] of cases) {
      const res = await api(path, { method, cookie: p.cookie, json })
      expect(res.status, `${method} ${path} ${JSON.stringify(json)}`).toBe(400)
      expect((await problem(res)).errors?.map((e) => e.field)).toContain(field)
    }
  })
})

describe('limits on every write path', () => {
  it('refuses the customer past max_customers, also when many creates race', async () => {
    await limitReseller('Acme Hosting', { max_customers: 5 }) // Acme has 3 customers
    const acme = await accountId('Acme Hosting')
    const cookie = await login('owner@acme.test')
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        api(`/accounts/${acme}/customers`, { method: 'POST', cookie, json: { name: `Race ${i}`, ownerEmail: `race${i}@race.test`, ownerName: `Racer ${i}`, ownerPassword: password } }),
      ),
    )
    expect(results.filter((r) => r.status === 201)).toHaveLength(2)
    const refused = results.filter((r) => r.status === 422)
    expect(refused).toHaveLength(4)
    expect(await problem(refused[0]!)).toMatchObject({ code: 'limit_reached', limit: 'max_customers', value: 5 })
    const n = await env.DB.prepare(`SELECT count(*) AS n FROM accounts WHERE kind = 'customer' AND parent_id = ?`).bind(acme).first<{ n: number }>()
    expect(n?.n).toBe(5)
    // No logins were made for anyone: each created customer invited its owner, the refused ones nobody.
    const users = await env.DB.prepare(`SELECT count(*) AS n FROM users WHERE email LIKE '%@race.test'`).first<{ n: number }>()
    expect(users?.n).toBe(0)
    const invited = await env.DB.prepare(`SELECT count(*) AS n FROM invitations WHERE email LIKE '%@race.test' AND level = 'owner'`).first<{ n: number }>()
    expect(invited?.n).toBe(2)
  })

  it('refuses staff past max_staff in any account of the tree, also when acceptances race', async () => {
    await limitReseller('Acme Hosting', { max_staff: 3 }) // Bluebird has its owner and Sam
    const bluebird = await accountId('Bluebird Bakery')
    const cookie = await login('owner@bluebird.test')
    for (let i = 0; i < 4; i++) {
      expect((await api(`/accounts/${bluebird}/members`, { method: 'POST', cookie, json: { email: `staff${i}@bb.test`, level: 'user' } })).status).toBe(201)
    }
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => acceptAsNewPerson(`staff${i}@bb.test`, password)))
    expect(results.map((r) => r.status).sort()).toEqual([201, 422, 422, 422])
    expect(await results.find((r) => r.status === 422)!.json()).toMatchObject({ code: 'limit_reached', limit: 'max_staff', value: 3 })
  })

  it('caps admins per account at max_admins, and no parent raises a cap above it', async () => {
    const p = await limitReseller('Acme Hosting', { max_admins: 2 }) // Acme already has two admins
    const acme = await accountId('Acme Hosting')
    const res = await addMember(await login('owner@acme.test'), acme, { email: 'third@acme.test', level: 'admin' }, password)
    expect(res.status).toBe(422)
    expect(await res.json()).toMatchObject({ code: 'limit_reached', limit: 'max_admins', value: 2 })
    const raise = await api(`/accounts/${await accountId('Bluebird Bakery')}`, { method: 'PATCH', cookie: await login('owner@acme.test'), json: { adminCap: 5 } })
    expect(raise.status).toBe(422)
    expect(await raise.json()).toMatchObject({ code: 'limit_reached', limit: 'max_admins', value: 2 })
    expect((await api(`/accounts/${acme}`, { method: 'PATCH', cookie: p.cookie, json: { adminCap: 2 } })).status).toBe(200)
  })

  it('counts services per type across the whole tree, also when creates race', async () => {
    await limitReseller('Acme Hosting', { max_services: { server: 6 } }) // Acme's tree has 5 servers
    const copperleaf = await accountId('Copperleaf Studio')
    const cookie = await login('owner@copperleaf.test')
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => api(`/accounts/${copperleaf}/services`, { method: 'POST', cookie, json: { type: 'server', name: `render-${i}` } })),
    )
    expect(results.map((r) => r.status).sort()).toEqual([201, 422, 422, 422])
    expect(await results.find((r) => r.status === 422)!.json()).toMatchObject({ code: 'limit_reached', limit: 'max_services.server', value: 6 })
    // Other types stay unlimited.
    expect((await api(`/accounts/${copperleaf}/services`, { method: 'POST', cookie, json: { type: 'hosting', name: 'www.more.test' } })).status).toBe(201)
  })

  it('reports usage against the limits for the dashboard bars', async () => {
    await limitReseller('Acme Hosting', { max_customers: 10, max_services: { server: 8 } })
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/usage`, { cookie: await login('owner@acme.test') })
    expect(res.status).toBe(200)
    const { items } = await jsonOf(res, 'getAccountUsage')
    expect(items.find((i) => i.limit === 'max_customers')).toMatchObject({ used: 3, allowed: 10 })
    expect(items.find((i) => i.limit === 'max_services.server')).toMatchObject({ used: 5, allowed: 8 })
    expect(items.find((i) => i.limit === 'max_staff')).toMatchObject({ used: 5, allowed: null }) // Acme's owner, Sarah, Billie, Tom and Tess
  })
})

describe('access', () => {
  it('removes sections from the menu and the API everywhere in the reseller’s tree', async () => {
    await limitReseller('Acme Hosting', {}, ['customers', 'staff', 'roles', 'activity'])
    const bluebird = await accountId('Bluebird Bakery')
    const acme = await accountId('Acme Hosting')
    for (const [email, account] of [['owner@acme.test', acme], ['owner@bluebird.test', bluebird], ['sarah@acme.test', bluebird]] as const) {
      const cookie = await login(email)
      const menu = await jsonOf(await api(`/accounts/${account}/menu`, { cookie }), 'getAccountMenu')
      expect(menu.items.map((i) => i.key), email).not.toContain('services')
      expect((await api(`/accounts/${account}/services`, { cookie })).status, email).toBe(403)
    }
    const svc = await env.DB.prepare(`SELECT id FROM services WHERE account_id = ? LIMIT 1`).bind(bluebird).first<{ id: string }>()
    expect((await api(`/accounts/${acme}/services/${svc!.id}`, { cookie: await login('owner@acme.test') })).status).toBe(403)
    expect((await api(`/accounts/${bluebird}/services`, { method: 'POST', cookie: await login('owner@bluebird.test'), json: { type: 'hosting', name: 'x.test' } })).status).toBe(403)
    // Globex's tree is untouched.
    const globex = await jsonOf(await api(`/accounts/${await accountId('Globex Partners')}/menu`, { cookie: await login('owner@globex.test') }), 'getAccountMenu')
    expect(globex.items.map((i) => i.key)).toContain('services')
  })
})

describe('lifecycle cascade', () => {
  it('disabling a reseller refuses logins, ends sessions in its whole tree, keeps data; enabling restores', async () => {
    const acme = await accountId('Acme Hosting')
    const bluebird = await accountId('Bluebird Bakery')
    const acmeOwner = await login('owner@acme.test')
    const bluebirdOwner = await login('owner@bluebird.test')
    const sam = await login('sam@freelance.test') // also in Globex's tree
    const p = await platform()
    const res = await api(`/accounts/${p.id}/resellers/${acme}/disable`, { method: 'POST', cookie: p.cookie, json: { reason: 'Unpaid invoice', showReason: true } })
    expect(res.status).toBe(200)
    expect((await jsonOf(res, 'disableReseller')).account.status).toBe('disabled')

    expect((await api('/me', { cookie: acmeOwner })).status).toBe(401)
    expect((await api(`/accounts/${bluebird}`, { cookie: bluebirdOwner })).status).toBe(401)
    // Someone with an active account elsewhere keeps the session but not this tree.
    const samRes = await api(`/accounts/${bluebird}`, { cookie: sam })
    expect(samRes.status).toBe(403)
    expect((await problem(samRes)).code).toBe('account_suspended')
    expect((await api(`/accounts/${await accountId('Evergreen Legal')}`, { cookie: sam })).status).toBe(200)

    const refused = await loginStatus('owner@acme.test')
    expect(refused.status).toBe(403)
    const body = await problem(refused)
    expect(body.code).toBe('account_suspended')
    expect(body.detail).toContain('Unpaid invoice')
    expect((await loginStatus('owner@bluebird.test')).status).toBe(403)
    // The platform still sees it, data intact.
    expect((await api(`/accounts/${bluebird}/members`, { cookie: p.cookie })).status).toBe(200)

    expect((await api(`/accounts/${p.id}/resellers/${acme}/enable`, { method: 'POST', cookie: p.cookie })).status).toBe(200)
    expect((await loginStatus('owner@acme.test')).status).toBe(200)
    expect((await api(`/accounts/${bluebird}`, { cookie: sam })).status).toBe(200)
  })

  it('hides the reason unless the platform chose to show it', async () => {
    const p = await platform()
    await api(`/accounts/${p.id}/resellers/${await accountId('Globex Partners')}/disable`, { method: 'POST', cookie: p.cookie, json: { reason: 'Internal fraud review' } })
    const body = await problem(await loginStatus('owner@globex.test'))
    expect(body.code).toBe('account_suspended')
    expect(body.detail).not.toContain('fraud')
  })

  it('a reseller disables and enables one of its customers', async () => {
    const acme = await accountId('Acme Hosting')
    const copperleaf = await accountId('Copperleaf Studio')
    const cookie = await login('owner@acme.test')
    expect((await api(`/accounts/${acme}/customers/${copperleaf}/disable`, { method: 'POST', cookie, json: { reason: 'Paused' } })).status).toBe(200)
    expect((await loginStatus('owner@copperleaf.test')).status).toBe(403)
    expect((await loginStatus('owner@bluebird.test')).status).toBe(200)
    expect((await api(`/accounts/${acme}/customers/${copperleaf}/enable`, { method: 'POST', cookie })).status).toBe(200)
    expect((await loginStatus('owner@copperleaf.test')).status).toBe(200)
    // Another reseller's customer is not found.
    expect((await api(`/accounts/${acme}/customers/${await accountId('Foxglove Farms')}/disable`, { method: 'POST', cookie, json: { reason: 'x' } })).status).toBe(404)
  })

  it('deleting hides the subtree and refuses logins; restore brings it back', async () => {
    const acme = await accountId('Acme Hosting')
    const driftwood = await accountId('Driftwood Dental')
    const cookie = await login('owner@acme.test')
    const ownerCookie = await login('owner@driftwood.test')
    const del = await api(`/accounts/${acme}/customers/${driftwood}`, { method: 'DELETE', cookie })
    expect(del.status).toBe(200)
    const { account } = await jsonOf(del, 'deleteCustomer')
    expect(account.status).toBe('deleted')
    expect(account.purgeAfter! - Date.now()).toBeGreaterThan(29 * DAY)

    const children = await jsonOf(await api(`/accounts/${acme}/children`, { cookie }), 'listChildAccounts')
    expect(children.items.map((c) => c.id)).not.toContain(driftwood)
    expect((await api(`/accounts/${driftwood}`, { cookie })).status).toBe(404)
    expect((await api(`/me`, { cookie: ownerCookie })).status).toBe(401)
    expect((await loginStatus('owner@driftwood.test')).status).toBe(403)

    expect((await api(`/accounts/${acme}/customers/${driftwood}/restore`, { method: 'POST', cookie })).status).toBe(200)
    expect((await api(`/accounts/${driftwood}`, { cookie })).status).toBe(200)
    expect((await loginStatus('owner@driftwood.test')).status).toBe(200)
  })

  it("hides a deleted reseller's whole tree from services lists and account switchers; a disabled one reads as disabled", async () => {
    const p = await platform()
    const acme = await accountId('Acme Hosting')
    const sam = await login('sam@freelance.test')
    const names = async () => (await jsonOf(await api('/me', { cookie: sam }), 'getMe')).accounts
    await api(`/accounts/${p.id}/resellers/${acme}/disable`, { method: 'POST', cookie: p.cookie, json: { reason: 'Review' } })
    expect((await names()).find((a) => a.name === 'Bluebird Bakery')?.status).toBe('disabled')
    await api(`/accounts/${p.id}/resellers/${acme}`, { method: 'DELETE', cookie: p.cookie })
    expect((await names()).map((a) => a.name)).toEqual(['Evergreen Legal'])
    const services = await jsonOf(await api(`/accounts/${p.id}/services?limit=200`, { cookie: p.cookie }), 'listServices')
    const owners = new Set(services.items.map((s) => s.account.name))
    expect(owners.has('Bluebird Bakery') || owners.has('Acme Hosting')).toBe(false)
    expect(owners.has('Evergreen Legal')).toBe(true)
    const svc = await env.DB.prepare(`SELECT s.id FROM services s JOIN accounts a ON a.id = s.account_id WHERE a.name = 'Bluebird Bakery' LIMIT 1`).first<{ id: string }>()
    expect((await api(`/accounts/${p.id}/services/${svc!.id}`, { cookie: p.cookie })).status).toBe(404)
  })

  it('restores a deleted customer only while it fits under max_customers', async () => {
    const acme = await accountId('Acme Hosting')
    const driftwood = await accountId('Driftwood Dental')
    const cookie = await login('owner@acme.test')
    await api(`/accounts/${acme}/customers/${driftwood}`, { method: 'DELETE', cookie })
    await limitReseller('Acme Hosting', { max_customers: 2 })
    const res = await api(`/accounts/${acme}/customers/${driftwood}/restore`, { method: 'POST', cookie })
    expect(res.status).toBe(422)
    expect(await res.json()).toMatchObject({ code: 'limit_reached', limit: 'max_customers', value: 2 })
  })

  it('purges a deleted subtree after the 30-day window, not before', async () => {
    const p = await platform()
    const globex = await accountId('Globex Partners')
    expect((await api(`/accounts/${p.id}/resellers/${globex}`, { method: 'DELETE', cookie: p.cookie })).status).toBe(200)
    const count = async () => (await env.DB.prepare(`SELECT count(*) AS n FROM accounts WHERE path LIKE '%' || ? || '%'`).bind(globex).first<{ n: number }>())!.n

    const log = (id: string) => env.ACTIVITY.get(env.ACTIVITY.idFromName(id))
    const evergreen = await accountId('Evergreen Legal')
    expect((await log(globex).list({ kind: 'all' }, 5)).items.length).toBeGreaterThan(0)

    expect(await purgeDeletedAccounts(env, Date.now() + 29 * DAY)).toHaveLength(0)
    expect(await count()).toBe(3)
    expect((await log(globex).list({ kind: 'all' }, 5)).items.length).toBeGreaterThan(0)
    expect(await purgeDeletedAccounts(env, Date.now() + 31 * DAY)).toHaveLength(1)
    expect(await count()).toBe(0)
    // The purged accounts' activity logs are erased with them; the platform's log records the purge.
    expect((await log(globex).list({ kind: 'all' }, 5)).items).toEqual([])
    expect((await log(evergreen).list({ kind: 'all' }, 5)).items).toEqual([])
    const platformEvents = (await log(p.id).list({ kind: 'all', types: ['account_purged'] }, 5)).items
    expect(platformEvents.map((e) => e.target?.label)).toContain('Globex Partners')
    // Logins that belonged only to the tree are gone; Sam (also in Acme's tree) stays.
    const left = await env.DB.prepare(`SELECT email FROM users WHERE email IN ('owner@globex.test', 'owner@evergreen.test', 'sam@freelance.test')`).all<{ email: string }>()
    expect(left.results.map((r) => r.email)).toEqual(['sam@freelance.test'])
    // Too late to restore.
    expect((await api(`/accounts/${p.id}/resellers/${globex}/restore`, { method: 'POST', cookie: p.cookie })).status).toBe(404)
  })

  it('refuses a restore once the window has passed (fake clock)', async () => {
    const p = await platform()
    const globex = await accountId('Globex Partners')
    await api(`/accounts/${p.id}/resellers/${globex}`, { method: 'DELETE', cookie: p.cookie })
    await env.DB.prepare('UPDATE accounts SET purge_after = ? WHERE id = ?').bind(Date.now() - 1, globex).run()
    expect((await api(`/accounts/${p.id}/resellers/${globex}/restore`, { method: 'POST', cookie: p.cookie })).status).toBe(409)
  })
})

describe('a new reseller’s owner without a login is invited', () => {
  it('emails an owner invitation; accepting makes them the owner, and the platform can then log in as them', async () => {
    const admin = await login('admin@nimbus.test')
    const nimbus = await accountId('Nimbus Cloud')
    const res = await api(`/accounts/${nimbus}/resellers`, { method: 'POST', cookie: admin, json: { name: 'Umbrella Hosting', ownerEmail: 'Founder@Umbrella.test', ownerName: 'Una Founder' } })
    expect(res.status).toBe(201)
    const body = await jsonOf(res, 'createReseller')
    expect(body.ownerInvitation?.email).toBe('founder@umbrella.test')
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM memberships WHERE account_id = ?`).bind(body.account.id).first<{ n: number }>()).toEqual({ n: 0 })

    const mail = await env.DB.prepare(`SELECT subject, text FROM email_outbox WHERE "to" = 'founder@umbrella.test'`).first<{ subject: string; text: string }>()
    expect(mail!.subject).toContain('Umbrella Hosting')
    const token = /\/invite\/([a-z2-7]+)/.exec(mail!.text)![1]!
    const accepted = await api(`/invitations/${token}/accept`, { method: 'POST', json: { name: 'Una Founder', password: 'umbrella-harbour-93-kite' } })
    expect(accepted.status).toBe(201)
    const me = await jsonOf(await api('/me', { cookie: sessionCookieFrom(accepted) }), 'getMe')
    expect(me.accounts).toEqual([expect.objectContaining({ id: body.account.id, level: 'owner' })])

    // "Log in as reseller" is impersonation of its owner.
    const una = (await env.DB.prepare(`SELECT id FROM users WHERE email = 'founder@umbrella.test'`).first<{ id: string }>())!.id
    const as = await api('/impersonation', { method: 'POST', cookie: admin, json: { userId: una, accountId: body.account.id, reason: 'Helping set up the portal' } })
    expect(as.status).toBe(201)
  })
})

describe('a reseller’s brand domain on creation', () => {
  it('claims the hostname as pending, and refuses taken, platform and malformed ones before creating anything', async () => {
    const admin = await login('admin@nimbus.test')
    const nimbus = await accountId('Nimbus Cloud')
    const create = (name: string, hostname: string) =>
      api(`/accounts/${nimbus}/resellers`, { method: 'POST', cookie: admin, json: { name, ownerEmail: 'owner@acme.test', ownerName: 'Alex', hostname } })
    const ok = await create('Wayne Hosting', 'Portal.Wayne.example')
    expect(ok.status).toBe(201)
    const { account } = await jsonOf(ok, 'createReseller')
    const row = await env.DB.prepare('SELECT hostname, status FROM hostnames WHERE reseller_account_id = ?').bind(account.id).first()
    expect(row).toEqual({ hostname: 'portal.wayne.example', status: 'pending' })

    for (const [hostname, status] of [['acme.localhost', 409], ['localhost', 409], ['https://x.example/path', 400]] as const) {
      const res = await create(`Refused ${hostname}`, hostname)
      expect(res.status, hostname).toBe(status)
      expect((await problem(res)).errors?.[0]?.field).toBe('hostname')
      expect(await env.DB.prepare('SELECT count(*) AS n FROM accounts WHERE name = ?').bind(`Refused ${hostname}`).first()).toEqual({ n: 0 })
    }
  })
})

describe('nobody’s existing login is attached without their consent (rule 14)', () => {
  type Created = { account: Record<string, unknown> & { id: string; owner: unknown }; ownerInvitation: { id: string; email: string; expiresAt: number } }

  /** The answer with everything that differs between two creations by nature (ids, names, times) taken out. */
  const shape = ({ account, ownerInvitation }: Created) => {
    const { id: _i, name: _n, path: _p, createdAt: _c, ...rest } = account
    return { account: rest, ownerInvitation: Object.keys(ownerInvitation).sort() }
  }

  // Security: a reseller naming another tree's owner (or the platform owner) as owner of a new customer gains nothing.
  it.each(['owner@globex.test', 'admin@nimbus.test'])('creating a customer for %s answers like a new email, makes nobody owner, and reveals nothing', async (existing) => {
    const acme = await accountId('Acme Hosting')
    const cookie = await login('owner@acme.test')
    const known = await api(`/accounts/${acme}/customers`, { method: 'POST', cookie, json: { name: 'Trojan Horse Ltd', ownerEmail: existing, ownerName: 'Whoever', ownerPassword: password } })
    const fresh = await api(`/accounts/${acme}/customers`, { method: 'POST', cookie, json: { name: 'Honest Ltd', ownerEmail: 'brand-new@honest.test', ownerName: 'Whoever', ownerPassword: password } })
    expect(known.status).toBe(201)
    expect(fresh.status).toBe(201)
    const knownBody = await jsonOf(known, 'createCustomer')
    expect(shape(knownBody)).toEqual(shape(await jsonOf(fresh, 'createCustomer')))
    expect(knownBody.account.owner).toBeNull()
    // The list names whom the owner invitation went to, until it is accepted.
    const children = await jsonOf(await api(`/accounts/${acme}/children`, { cookie }), 'listChildAccounts')
    expect(children.items.find((a) => a.id === knownBody.account.id)).toMatchObject({ owner: null, ownerInvitation: { email: existing } })
    // The real owner of that email has no membership in the new customer …
    const member = await env.DB.prepare('SELECT count(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ? AND m.account_id = ?')
      .bind(existing, knownBody.account.id)
      .first<{ n: number }>()
    expect(member?.n).toBe(0)
    // … so their sign-ins never land in Acme's tree, and Acme cannot act as them.
    await login(existing)
    const log = await jsonOf(await api(`/accounts/${knownBody.account.id}/activity?type=login`, { cookie }), 'listActivity')
    expect(log.items).toEqual([])
    const userId = (await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(existing).first<{ id: string }>())!.id
    const imp = await api('/impersonation', { method: 'POST', cookie, json: { userId, accountId: knownBody.account.id, reason: 'Trying to get in' } })
    expect(imp.status).toBe(404)
  })

  it('creating a reseller for an existing login sends an owner invitation; accepting while signed in makes them owner', async () => {
    const p = await platform()
    const res = await api(`/accounts/${p.id}/resellers`, { method: 'POST', cookie: p.cookie, json: { name: 'Second Brand', ownerEmail: 'owner@globex.test', ownerName: 'Globex owner' } })
    expect(res.status).toBe(201)
    const { account } = await jsonOf(res, 'createReseller')
    expect(account.owner).toBeNull()
    // Only the person's own acceptance, signed in as themselves, attaches their login.
    const token = /\/invite\/([a-z2-7]+)/.exec(((await env.DB.prepare('SELECT text FROM email_outbox WHERE "to" = ? ORDER BY created_at DESC, rowid DESC LIMIT 1').bind('owner@globex.test').first<{ text: string }>())!).text)![1]!
    const accepted = await api(`/invitations/${token}/accept`, { method: 'POST', cookie: await login('owner@globex.test'), json: {} })
    expect(accepted.status).toBe(201)
    const list = await jsonOf(await api(`/accounts/${p.id}/resellers/${account.id}`, { cookie: p.cookie }), 'getReseller')
    expect(list.account.owner?.email).toBe('owner@globex.test')
  })
})

describe('only the account that suspended or deleted can undo it (rule 8)', () => {
  // Security: a reseller cannot lift its platform's suspension of one of its customers.
  it('refuses a reseller enabling a customer the platform disabled; the platform can', async () => {
    const p = await platform()
    const acme = await accountId('Acme Hosting')
    const bluebird = await accountId('Bluebird Bakery')
    const disabled = await api(`/accounts/${p.id}/customers/${bluebird}/disable`, { method: 'POST', cookie: p.cookie, json: { reason: 'Unpaid invoices' } })
    expect(disabled.status).toBe(200)
    const reseller = await login('owner@acme.test')
    const listed = await jsonOf(await api(`/accounts/${acme}/customers`, { cookie: reseller }), 'listCustomers')
    expect(listed.items.find((c) => c.id === bluebird)?.canUndo).toBe(false)
    const paged = await jsonOf(await api(`/accounts/${acme}/children`, { cookie: reseller }), 'listChildAccounts')
    expect(paged.items.find((c) => c.id === bluebird)?.canUndo).toBe(false)
    const refused = await api(`/accounts/${acme}/customers/${bluebird}/enable`, { method: 'POST', cookie: reseller })
    expect(refused.status).toBe(403)
    expect((await api(`/accounts/${bluebird}`, { cookie: await login('admin@nimbus.test') })).status).toBe(200)
    const status = await env.DB.prepare('SELECT status FROM accounts WHERE id = ?').bind(bluebird).first<{ status: string }>()
    expect(status?.status).toBe('disabled')
    expect((await api(`/accounts/${p.id}/customers/${bluebird}/enable`, { method: 'POST', cookie: p.cookie })).status).toBe(200)
  })

  it('lets the platform undo what a reseller decided, and the reseller undo its own decision', async () => {
    const p = await platform()
    const acme = await accountId('Acme Hosting')
    const copperleaf = await accountId('Copperleaf Studio')
    const reseller = await login('owner@acme.test')
    expect((await api(`/accounts/${acme}/customers/${copperleaf}/disable`, { method: 'POST', cookie: reseller, json: { reason: 'Abuse report' } })).status).toBe(200)
    expect((await api(`/accounts/${p.id}/customers/${copperleaf}/enable`, { method: 'POST', cookie: p.cookie })).status).toBe(200)
    expect((await api(`/accounts/${acme}/customers/${copperleaf}/disable`, { method: 'POST', cookie: reseller, json: { reason: 'Abuse report' } })).status).toBe(200)
    expect((await api(`/accounts/${acme}/customers/${copperleaf}/enable`, { method: 'POST', cookie: reseller })).status).toBe(200)
  })

  it('refuses a reseller restoring a customer the platform deleted', async () => {
    const p = await platform()
    const acme = await accountId('Acme Hosting')
    const driftwood = await accountId('Driftwood Dental')
    expect((await api(`/accounts/${p.id}/customers/${driftwood}`, { method: 'DELETE', cookie: p.cookie })).status).toBe(200)
    const refused = await api(`/accounts/${acme}/customers/${driftwood}/restore`, { method: 'POST', cookie: await login('owner@acme.test') })
    expect(refused.status).toBe(403)
    expect((await api(`/accounts/${p.id}/customers/${driftwood}/restore`, { method: 'POST', cookie: p.cookie })).status).toBe(200)
  })
})
