import { env } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { newId } from '../../../worker/src/crypto/tokens.ts'
import { accountId, api, expectJson, jsonOf, lastEmail, login, problem } from '../../helpers/client.ts'
import { addMembership, createUser } from '../../helpers/factories.ts'

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)
const siteId = async (name: string) => (await env.DB.prepare('SELECT id FROM sites WHERE name = ?').bind(name).first<{ id: string }>())!.id
const demoVisit = async () => (await env.DB.prepare("SELECT id FROM visit_requests WHERE reference = 'V-DEMO1BAK'").first<{ id: string }>())!.id

const visitBody = async (over: Record<string, unknown> = {}) => ({
  siteId: await siteId('Amsterdam AMS-1'),
  date: day(3),
  startTime: '10:00',
  endTime: '11:30',
  purpose: 'Swap a failed power supply',
  visitors: [{ name: 'Bea Lawson', idNumber: 'NL-ZZ998877' }],
  ...over,
})

const request = async (cookie: string, account: string, over: Record<string, unknown> = {}) =>
  api(`/accounts/${await accountId(account)}/visits`, { method: 'POST', cookie, json: await visitBody(over) })

/** A new person in `account` holding only the built-in role `role`. */
async function memberWithRole(account: string, role: string, level: 'admin' | 'user' = 'user') {
  const user = await createUser({ password: 'a perfectly fine password' })
  const acc = await accountId(account)
  await addMembership(user.id, acc, level)
  const mid = (await env.DB.prepare('SELECT id FROM memberships WHERE user_id = ? AND account_id = ?').bind(user.id, acc).first<{ id: string }>())!.id
  await env.DB.prepare('INSERT INTO membership_roles (membership_id, role_id) VALUES (?, ?)').bind(mid, role).run()
  return { ...user, cookie: await login(user.email, 'a perfectly fine password'), membershipId: mid }
}

async function userId(email: string) {
  return (await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first<{ id: string }>())!.id
}

describe('visitation: who may see and act (attacker cases first)', () => {
  it('answers 401 without a session, before reading the body', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    expect((await api(`/accounts/${bluebird}/visits`)).status).toBe(401)
    expect((await api(`/accounts/${bluebird}/visits`, { method: 'POST', json: { nonsense: true } })).status).toBe(401)
    expect((await api(`/accounts/${bluebird}/visits/${await demoVisit()}/approve`, { method: 'POST' })).status).toBe(401)
  })

  it('hides a sibling customer’s visit (404), through its own account and through the sibling’s', async () => {
    // Protects against reading another tenant's visitors' ID numbers by id.
    const carl = await login('owner@copperleaf.test')
    const vid = await demoVisit()
    expect((await api(`/accounts/${await accountId('Copperleaf Studio')}/visits/${vid}`, { cookie: carl })).status).toBe(404)
    expect((await api(`/accounts/${await accountId('Bluebird Bakery')}/visits/${vid}`, { cookie: carl })).status).toBe(404)
    const list = await jsonOf(await api(`/accounts/${await accountId('Copperleaf Studio')}/visits`, { cookie: carl }), 'listVisits')
    expect(list.items).toEqual([])
  })

  it('hides another reseller’s sites and visits (404), and refuses a visit to its site', async () => {
    const grace = await login('owner@globex.test')
    const acme = await accountId('Acme Hosting')
    expect((await api(`/accounts/${acme}/sites`, { cookie: grace })).status).toBe(404)
    expect((await api(`/accounts/${await accountId('Globex Partners')}/visits/${await demoVisit()}`, { cookie: grace })).status).toBe(404)
    expect((await api(`/accounts/${await accountId('Globex Partners')}/visits/${await demoVisit()}/approve`, { method: 'POST', cookie: grace })).status).toBe(404)
    // Evergreen (Globex's customer) naming Acme's site: no such site for it.
    const res = await request(await login('owner@evergreen.test'), 'Evergreen Legal')
    expect(res.status).toBe(400)
    expect((await problem(res)).errors?.[0]?.field).toBe('siteId')
    expect(await env.DB.prepare("SELECT count(*) AS n FROM visit_requests WHERE account_id = ?").bind(await accountId('Evergreen Legal')).first()).toEqual({ n: 0 })
  })

  it('refuses members without the Visitation permissions (403): a technical user, a billing admin', async () => {
    const tech = await memberWithRole('Bluebird Bakery', 'technical')
    expect((await api(`/accounts/${await accountId('Bluebird Bakery')}/visits`, { cookie: tech.cookie })).status).toBe(403)
    expect((await request(tech.cookie, 'Bluebird Bakery')).status).toBe(403)
    const billie = await login('billie@acme.test')
    const acme = await accountId('Acme Hosting')
    expect((await api(`/accounts/${acme}/visits/${await demoVisit()}/approve`, { method: 'POST', cookie: billie })).status).toBe(403)
    // Tom (Acme user, Technical) cannot read the visitors' ID numbers either.
    expect((await api(`/accounts/${acme}/visits/${await demoVisit()}`, { cookie: await login('tom@acme.test') })).status).toBe(403)
  })

  it('lets a Visitation member ask but not decide; only the parent decides', async () => {
    const visitor = await memberWithRole('Bluebird Bakery', 'visitation')
    const created = await expectJson(await request(visitor.cookie, 'Bluebird Bakery'), 201, 'requestVisit')
    expect(created.visit.allowed).toEqual({ decide: false, cancel: true })
    const bluebird = await accountId('Bluebird Bakery')
    // The customer's own owner holds visitation.manage, but the visit is asked of Acme's site: not theirs to decide.
    const bea = await login('owner@bluebird.test')
    expect((await api(`/accounts/${bluebird}/visits/${created.visit.id}/approve`, { method: 'POST', cookie: bea })).status).toBe(403)
    expect((await api(`/accounts/${bluebird}/visits/${created.visit.id}/approve`, { method: 'POST', cookie: visitor.cookie })).status).toBe(403)
  })

  it('caps an impersonator by their own rights: Sarah acting as Bluebird’s owner cannot ask for a visit', async () => {
    const sarah = await login('sarah@acme.test')
    const start = await api('/impersonation', { method: 'POST', cookie: sarah, json: { userId: await userId('owner@bluebird.test'), accountId: await accountId('Bluebird Bakery'), reason: 'Helping with the visit form' } })
    expect(start.status).toBe(201)
    const res = await request(sarah, 'Bluebird Bakery')
    expect(res.status).toBe(403)
    expect(await env.DB.prepare('SELECT count(*) AS n FROM visit_requests').first()).toEqual({ n: 1 })
  })

  it('shuts out a removed member at once (404)', async () => {
    const visitor = await memberWithRole('Bluebird Bakery', 'visitation')
    expect((await request(visitor.cookie, 'Bluebird Bakery')).status).toBe(201)
    const bea = await login('owner@bluebird.test')
    const bluebird = await accountId('Bluebird Bakery')
    expect((await api(`/accounts/${bluebird}/members/${visitor.membershipId}`, { method: 'DELETE', cookie: bea })).status).toBe(204)
    const after = await request(visitor.cookie, 'Bluebird Bakery')
    expect([401, 404]).toContain(after.status)
    expect((await api(`/accounts/${bluebird}/visits`, { cookie: visitor.cookie })).status).not.toBe(200)
  })

  it('never writes visitors’ ID numbers into an activity event', async () => {
    const bea = await login('owner@bluebird.test')
    const created = await expectJson(await request(bea, 'Bluebird Bakery', { visitors: [{ name: 'Quentin Secret', idNumber: 'ID-SECRET-4242' }] }), 201, 'requestVisit')
    const acme = await login('owner@acme.test')
    await expectJson(await api(`/accounts/${await accountId('Acme Hosting')}/visits/${created.visit.id}/approve`, { method: 'POST', cookie: acme }), 200, 'approveVisit')
    // (Activity logs are Durable Objects: they keep earlier tests' events, so look at this visit's.)
    const events = (await jsonOf(await api(`/accounts/${await accountId('Bluebird Bakery')}/activity?type=visit_requested,visit_approved&limit=200`, { cookie: bea }), 'listActivity')).items.filter((e) => e.target?.id === created.visit.id)
    expect(events.length).toBe(2)
    for (const e of events) {
      expect(e.description).not.toContain('ID-SECRET-4242')
      expect(e.description).not.toContain('Quentin Secret')
      expect(e.description).toContain(created.visit.reference)
    }
    const mail = await lastEmail('owner@bluebird.test')
    expect(mail.text).not.toContain('ID-SECRET-4242')
  })
})

describe('POST /api/v1/accounts/:id/visits', () => {
  it('names the field of each bad input', async () => {
    const bea = await login('owner@bluebird.test')
    const cases: [Record<string, unknown>, string][] = [
      [{ date: day(-1) }, 'date'],
      [{ date: '2026-02-30' }, 'date'],
      [{ date: day(400) }, 'date'],
      [{ startTime: '14:00', endTime: '13:00' }, 'endTime'],
      [{ startTime: '14:00', endTime: '14:00' }, 'endTime'],
      [{ startTime: '25:00' }, 'startTime'],
      [{ visitors: [] }, 'visitors'],
      [{ visitors: Array.from({ length: 11 }, (_, i) => ({ name: `Visitor ${i}`, idNumber: `ID-${i}000` })) }, 'visitors'],
      [{ visitors: [{ name: '', idNumber: 'X123' }] }, 'visitors.0.name'],
      [{ visitors: [{ name: 'Jo', idNumber: '<script>' }] }, 'visitors.0.idNumber'],
      [{ purpose: '' }, 'purpose'],
      [{ siteId: 'sit_nope' }, 'siteId'],
    ]
    for (const [over, field] of cases) {
      const res = await request(bea, 'Bluebird Bakery', over)
      expect(res.status, JSON.stringify(over)).toBe(400)
      expect((await problem(res)).errors?.map((e) => e.field), JSON.stringify(over)).toContain(field)
    }
  })

  it('accepts today and ten visitors, copies the site, and lists the request for the customer and its reseller', async () => {
    const bea = await login('owner@bluebird.test')
    const ten = Array.from({ length: 10 }, (_, i) => ({ name: `Visitor ${i}`, idNumber: `ID-${i}000` }))
    const { visit } = await expectJson(await request(bea, 'Bluebird Bakery', { date: day(0), visitors: ten }), 201, 'requestVisit')
    expect(visit).toMatchObject({ status: 'pending', site: { name: 'Amsterdam AMS-1', address: expect.stringContaining('Amsterdam') }, account: { name: 'Bluebird Bakery' }, parent: { name: 'Acme Hosting' } })
    expect(visit.reference).toMatch(/^V-[A-Z2-7]{8}$/)
    expect(visit.visitors).toHaveLength(10)
    const acme = await jsonOf(await api(`/accounts/${await accountId('Acme Hosting')}/visits?status=pending`, { cookie: await login('owner@acme.test') }), 'listVisits')
    expect(acme.items.map((v) => v.id)).toContain(visit.id)
    expect(acme.items.find((v) => v.id === visit.id)!.allowed).toEqual({ decide: true, cancel: false })
  })
})

describe('deciding a visit', () => {
  it('approves once, emails the requester and the customer’s Visitation members (branded), and logs it in both accounts', async () => {
    const visitor = await memberWithRole('Bluebird Bakery', 'visitation')
    const bluebird = await accountId('Bluebird Bakery')
    const acmeId = await accountId('Acme Hosting')
    const acme = await login('owner@acme.test')
    const vid = await demoVisit()
    const approved = await expectJson(await api(`/accounts/${acmeId}/visits/${vid}/approve`, { method: 'POST', cookie: acme }), 200, 'approveVisit')
    expect(approved.visit).toMatchObject({ status: 'approved', decidedBy: 'owner@acme.test', reference: 'V-DEMO1BAK' })
    // A second decision (a colleague at the same time) is refused, and changes nothing.
    const again = await api(`/accounts/${acmeId}/visits/${vid}/decline`, { method: 'POST', cookie: acme, json: { reason: 'Too late' } })
    expect(again.status).toBe(409)
    for (const to of ['owner@bluebird.test', visitor.email]) {
      const mail = await lastEmail(to)
      expect(mail.subject).toBe('Visit V-DEMO1BAK approved')
      expect(mail.html).toContain('Acme Hosting')
      expect(mail.text).toContain(`/a/${bluebird}/visitation/${vid}/confirmation`)
    }
    // Not someone of Bluebird without visitation.view.
    const tech = await memberWithRole('Bluebird Bakery', 'technical')
    expect(await env.DB.prepare('SELECT count(*) AS n FROM email_outbox WHERE "to" = ?').bind(tech.email).first()).toEqual({ n: 0 })
    const approvedNow = (e: { target: { id: string } | null }) => e.target?.id === vid
    const since = approved.visit.decidedAt!
    const inBluebird = await jsonOf(await api(`/accounts/${bluebird}/activity?type=visit_approved&limit=200`, { cookie: await login('owner@bluebird.test') }), 'listActivity')
    expect(inBluebird.items.filter((e) => approvedNow(e) && e.time >= since)).toHaveLength(1)
    await vi.waitFor(
      async () => {
        const inAcme = await jsonOf(await api(`/accounts/${acmeId}/activity?type=visit_approved&limit=200`, { cookie: acme }), 'listActivity')
        expect(inAcme.items.filter((e) => approvedNow(e) && e.time >= since && e.accountId === bluebird)).toHaveLength(1)
      },
      { timeout: 5000, interval: 100 },
    )
  })

  it('declines only with a reason, which reaches the requester', async () => {
    const acmeId = await accountId('Acme Hosting')
    const acme = await login('owner@acme.test')
    const vid = await demoVisit()
    const bare = await api(`/accounts/${acmeId}/visits/${vid}/decline`, { method: 'POST', cookie: acme, json: {} })
    expect((await problem(bare)).errors?.[0]?.field).toBe('reason')
    const declined = await expectJson(await api(`/accounts/${acmeId}/visits/${vid}/decline`, { method: 'POST', cookie: acme, json: { reason: 'The site is closed for maintenance that day.' } }), 200, 'declineVisit')
    expect(declined.visit).toMatchObject({ status: 'declined', reason: 'The site is closed for maintenance that day.' })
    const mail = await lastEmail('owner@bluebird.test')
    expect(mail.subject).toBe('Visit V-DEMO1BAK declined')
    expect(mail.text).toContain('closed for maintenance')
  })

  it('lets the requester cancel, after which nobody decides it', async () => {
    const bea = await login('owner@bluebird.test')
    const bluebird = await accountId('Bluebird Bakery')
    const vid = await demoVisit()
    const cancelled = await expectJson(await api(`/accounts/${bluebird}/visits/${vid}/cancel`, { method: 'POST', cookie: bea }), 200, 'cancelVisit')
    expect(cancelled.visit.status).toBe('cancelled')
    expect((await api(`/accounts/${await accountId('Acme Hosting')}/visits/${vid}/approve`, { method: 'POST', cookie: await login('owner@acme.test') })).status).toBe(409)
    // The parent does not cancel the customer's request: it declines it.
    expect((await api(`/accounts/${await accountId('Acme Hosting')}/visits/${vid}/cancel`, { method: 'POST', cookie: await login('owner@acme.test') })).status).toBe(403)
  })
})

describe('GET /api/v1/accounts/:id/visits', () => {
  it('filters by status and upcoming, searches, and pages with a cursor through every visit once', async () => {
    const bea = await login('owner@bluebird.test')
    for (let i = 0; i < 5; i++) expect((await request(bea, 'Bluebird Bakery', { purpose: `Maintenance round ${i}` })).status).toBe(201)
    // One in the past (written directly: the API refuses past dates).
    await env.DB.prepare(
      "INSERT INTO visit_requests (id, reference, account_id, parent_id, site_name, site_address, visit_date, start_time, end_time, purpose, visitors, status, requested_by_email, created_at) VALUES (?, 'V-PASTPAST', ?, ?, 'Old', 'Old street', ?, '09:00', '10:00', 'Long ago', '[]', 'approved', 'owner@bluebird.test', 1)",
    ).bind(newId('vis'), await accountId('Bluebird Bakery'), await accountId('Acme Hosting'), day(-30)).run()
    const acmeId = await accountId('Acme Hosting')
    const acme = await login('owner@acme.test')
    const list = async (query: string) => jsonOf(await api(`/accounts/${acmeId}/visits${query}`, { cookie: acme }), 'listVisits')
    expect((await list('?limit=100')).items).toHaveLength(7)
    expect((await list('?upcoming=true&limit=100')).items).toHaveLength(6)
    expect((await list('?status=approved')).items.map((v) => v.reference)).toEqual(['V-PASTPAST'])
    expect((await list('?q=round%203')).items.map((v) => v.purpose)).toEqual(['Maintenance round 3'])
    expect((await list('?q=v-demo1bak')).items.map((v) => v.reference)).toEqual(['V-DEMO1BAK'])
    expect((await list('?q=bluebird&limit=100')).items).toHaveLength(7)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      seen.push(...page.items.map((v) => v.id))
      cursor = page.nextCursor
    } while (cursor)
    expect(seen).toEqual((await list('?limit=100')).items.map((v) => v.id))
    expect((await problem(await api(`/accounts/${acmeId}/visits?cursor=zzz`, { cookie: acme }))).errors?.[0]?.field).toBe('cursor')
  })
})

describe('sites', () => {
  it('lets the reseller add, rename and delete its sites; names are unique; a site with a visit to come stays', async () => {
    const acmeId = await accountId('Acme Hosting')
    const acme = await login('owner@acme.test')
    const created = await expectJson(await api(`/accounts/${acmeId}/sites`, { method: 'POST', cookie: acme, json: { name: 'London LON-3', address: '1 Harbour Exchange Square, London E14 9GE' } }), 201, 'createSite')
    const dup = await api(`/accounts/${acmeId}/sites`, { method: 'POST', cookie: acme, json: { name: 'London LON-3', address: 'elsewhere' } })
    expect(dup.status).toBe(409)
    expect((await problem(dup)).errors?.[0]?.field).toBe('name')
    const renamed = await expectJson(await api(`/accounts/${acmeId}/sites/${created.site.id}`, { method: 'PATCH', cookie: acme, json: { name: 'London LON-4' } }), 200, 'updateSite')
    expect(renamed.site.name).toBe('London LON-4')
    expect((await api(`/accounts/${acmeId}/sites/${created.site.id}`, { method: 'DELETE', cookie: acme })).status).toBe(204)
    // Amsterdam has Bluebird's pending visit.
    expect((await api(`/accounts/${acmeId}/sites/${await siteId('Amsterdam AMS-1')}`, { method: 'DELETE', cookie: acme })).status).toBe(409)
    const sites = await jsonOf(await api(`/accounts/${acmeId}/sites`, { cookie: acme }), 'listSites')
    expect(sites.items.map((s) => s.name)).toEqual(['Amsterdam AMS-1', 'Frankfurt FRA-2'])
    expect(sites.allowed.manage).toBe(true)
  })

  it('gives customers their parent’s sites to choose from, and no sites of their own (404)', async () => {
    const bea = await login('owner@bluebird.test')
    const bluebird = await accountId('Bluebird Bakery')
    const choice = await jsonOf(await api(`/accounts/${bluebird}/visit-sites`, { cookie: bea }), 'listVisitSites')
    expect(choice.items.map((s) => s.name)).toEqual(['Amsterdam AMS-1', 'Frankfurt FRA-2'])
    expect(choice.parent?.name).toBe('Acme Hosting')
    expect((await api(`/accounts/${bluebird}/sites`, { method: 'POST', cookie: bea, json: { name: 'Kitchen', address: 'Back door' } })).status).toBe(404)
    // Another reseller's site id is not found from Acme's account.
    const globexSite = await expectJson(
      await api(`/accounts/${await accountId('Globex Partners')}/sites`, { method: 'POST', cookie: await login('owner@globex.test'), json: { name: 'Dublin DUB-1', address: 'Dublin' } }),
      201,
      'createSite',
    )
    expect((await api(`/accounts/${await accountId('Acme Hosting')}/sites/${globexSite.site.id}`, { method: 'DELETE', cookie: await login('owner@acme.test') })).status).toBe(404)
  })
})
