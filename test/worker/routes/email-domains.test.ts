import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from 'cloudflare:test'
import fc from 'fast-check'
import { beforeEach, describe, expect, it } from 'vitest'
import { claimableDomain, PUBLIC_MAIL_DOMAINS } from '../../../worker/src/domain/email-domains.ts'
import { invalidateBrandCache } from '../../../worker/src/domain/host-brand.ts'
import worker from '../../../worker/src/index.ts'
import { accountId, api, breakDns, invitationToken, jsonOf, lastEmail, login, problem, publishTxt, unpublishTxt, userIdOf } from '../../helpers/client.ts'

// A customer verifies its email domain through the same DNS adapter as portal hostnames (tested against the
// local DoH server); people at it who sign up or are invited as prospects join it, or wait for its admins.

const PASSWORD = 'amber-lighthouse-52-orchard'
let ipCounter = 0

beforeEach(() => invalidateBrandCache())

async function runCron(at = Date.now()) {
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: '30 3 * * *' }), env, ctx)
  await waitOnExecutionContext(ctx)
}

function onAcme(path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init
  const h = new Headers(rest.headers)
  if (json !== undefined) h.set('content-type', 'application/json')
  if ((rest.method ?? 'GET') !== 'GET') h.set('origin', 'http://acme.localhost')
  h.set('x-trellis-client-ip', `10.78.${ipCounter++ % 250}.3`)
  return SELF.fetch(`http://acme.localhost/api/v1${path}`, { ...rest, headers: h, body: json !== undefined ? JSON.stringify(json) : undefined })
}

const bluebird = async () => ({ cookie: await login('owner@bluebird.test'), id: await accountId('Bluebird Bakery') })

async function addDomain(t: { cookie: string; id: string }, domain: string, extra: Record<string, unknown> = {}) {
  return api(`/accounts/${t.id}/email-domains`, { method: 'POST', cookie: t.cookie, json: { domain, ...extra } })
}

/** Claim and verify a domain for Bluebird through real DNS (the local DoH server). */
async function verifiedDomain(domain: string, policy: 'join' | 'approve', defaultRole: string | null = 'technical') {
  const t = await bluebird()
  const res = await addDomain(t, domain, { policy, defaultRole })
  expect(res.status, await res.clone().text()).toBe(201)
  const { domain: row } = await jsonOf(res, 'createEmailDomain')
  await publishTxt(row.record.name, 'v=spf1 -all', row.record.value)
  const verified = await api(`/accounts/${t.id}/email-domains/${row.id}/verify`, { method: 'POST', cookie: t.cookie })
  expect(verified.status, await verified.clone().text()).toBe(200)
  return { ...t, row }
}

async function signUpOnAcme(email: string) {
  await env.DB.prepare("INSERT INTO signup_settings (account_id, mode, updated_at) VALUES (?, 'approval', 0) ON CONFLICT (account_id) DO UPDATE SET mode = 'approval'").bind(await accountId('Acme Hosting')).run()
  const res = await onAcme('/signup', { method: 'POST', json: { email, name: 'Pat', password: PASSWORD, organisationName: 'Should not exist' } })
  expect(res.status, await res.clone().text()).toBe(202)
  const token = /\/signup\/([a-z2-7]+)/.exec((await lastEmail(email)).text)![1]!
  return onAcme(`/signup/${token}/complete`, { method: 'POST' })
}

const membership = (email: string, account: string) =>
  env.DB.prepare(
    `SELECT m.level, (SELECT group_concat(role_id) FROM membership_roles r WHERE r.membership_id = m.id) AS roles
     FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ? AND m.account_id = ?`,
  )
    .bind(email, account)
    .first<{ level: string; roles: string | null }>()

describe('which domains an organisation may claim', () => {
  it('refuses public mail domains and names under them', async () => {
    const t = await bluebird()
    for (const domain of ['gmail.com', 'GMAIL.com.', '@outlook.com', 'mail.yahoo.com', 'orange.fr']) {
      const res = await addDomain(t, domain)
      expect(res.status, domain).toBe(422)
      const p = await problem(res)
      expect(p.code).toBe('public_mail_domain')
      expect(p.errors?.[0]?.field).toBe('domain')
    }
    for (const domain of ['not a domain', 'localhost', 'http://x.example/', '1.2.3.4']) {
      expect((await addDomain(t, domain)).status, domain).toBe(400)
    }
  })

  it('property: a name ending in a public mail domain is never claimable; other well-formed domains are', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/)
    const publicDomains = [...PUBLIC_MAIL_DOMAINS]
    fc.assert(
      fc.property(fc.array(label, { maxLength: 3 }), fc.constantFrom(...publicDomains), fc.constantFrom('', '.', ' '), (prefix, base, tail) => {
        const result = claimableDomain([...prefix, base].join('.').toUpperCase() + tail)
        expect(result.ok).toBe(false)
      }),
    )
    fc.assert(
      fc.property(label, fc.constantFrom('bakery', 'studio', 'works'), (name, tld) => {
        const domain = `${name}.${tld}`
        fc.pre(!PUBLIC_MAIL_DOMAINS.has(domain))
        expect(claimableDomain(domain)).toEqual({ ok: true, domain })
      }),
    )
  })

  it('refuses a default role a user-level member may not hold', async () => {
    const res = await addDomain(await bluebird(), 'bluebird-billing.example', { defaultRole: 'billing' })
    expect(res.status).toBe(422)
    expect((await problem(res)).errors?.[0]?.field).toBe('defaultRole')
  })
})

describe('verifying through DNS', () => {
  it('stays pending without the TXT record, verifies with it, and the first to verify wins', async () => {
    const t = await bluebird()
    const copper = { cookie: await login('owner@copperleaf.test'), id: await accountId('Copperleaf Studio') }
    const { domain: mine } = await jsonOf(await addDomain(t, 'shared-bakery.example'), 'createEmailDomain')
    const { domain: theirs } = await jsonOf(await addDomain(copper, 'shared-bakery.example'), 'createEmailDomain')
    expect(mine.record.name).toBe('_trellis.shared-bakery.example')
    expect(mine.record.value).not.toBe(theirs.record.value)
    const early = await api(`/accounts/${t.id}/email-domains/${mine.id}/verify`, { method: 'POST', cookie: t.cookie })
    expect(early.status).toBe(422)
    expect((await problem(early)).code).toBe('verification_failed')
    await publishTxt(mine.record.name, mine.record.value, theirs.record.value)
    expect((await api(`/accounts/${t.id}/email-domains/${mine.id}/verify`, { method: 'POST', cookie: t.cookie })).status).toBe(200)
    // Copperleaf's claim ended with Bluebird's verification; it cannot claim it again while verified.
    expect((await jsonOf(await api(`/accounts/${copper.id}/email-domains`, { cookie: copper.cookie }), 'listEmailDomains')).items).toEqual([])
    expect((await addDomain(copper, 'shared-bakery.example')).status).toBe(409)
    const events = await jsonOf(await api(`/accounts/${t.id}/activity?type=domain_verified&limit=5`, { cookie: t.cookie }), 'listActivity')
    expect(events.items[0]?.description).toMatch(/verified the email domain shared-bakery.example/)
  })

  it('answers 422 and changes nothing when DNS cannot be asked', async () => {
    const t = await bluebird()
    const { domain } = await jsonOf(await addDomain(t, 'broken-dns.example'), 'createEmailDomain')
    await breakDns(domain.record.name)
    const res = await api(`/accounts/${t.id}/email-domains/${domain.id}/verify`, { method: 'POST', cookie: t.cookie })
    expect(res.status).toBe(422)
    expect((await jsonOf(await api(`/accounts/${t.id}/email-domains`, { cookie: t.cookie }), 'listEmailDomains')).items[0]?.status).toBe('pending')
  })

  it('is demoted by the daily check when the record is gone, and kept when DNS fails', async () => {
    const kept = await verifiedDomain('steady.example', 'join')
    const gone = await jsonOf(await addDomain(kept, 'fleeting.example'), 'createEmailDomain')
    await publishTxt(gone.domain.record.name, gone.domain.record.value)
    expect((await api(`/accounts/${kept.id}/email-domains/${gone.domain.id}/verify`, { method: 'POST', cookie: kept.cookie })).status).toBe(200)
    await unpublishTxt(gone.domain.record.name)
    await breakDns(kept.row.record.name)
    await runCron()
    const items = (await jsonOf(await api(`/accounts/${kept.id}/email-domains`, { cookie: kept.cookie }), 'listEmailDomains')).items
    expect(Object.fromEntries(items.map((d) => [d.domain, d.status]))).toEqual({ 'fleeting.example': 'pending', 'steady.example': 'verified' })
    const events = await jsonOf(await api(`/accounts/${kept.id}/activity?type=domain_demoted&limit=5`, { cookie: kept.cookie }), 'listActivity')
    expect(events.items[0]?.description).toMatch(/fleeting.example is no longer verified/)
    // A demoted domain gathers nobody.
    expect((await (await signUpOnAcme('someone@fleeting.example')).json())).toMatchObject({ status: 'pending' })
  })
})

describe('people at a verified domain', () => {
  it('who sign up on the reseller’s portal join the customer as users with the default role (policy join)', async () => {
    const t = await verifiedDomain('bluebird-staff.example', 'join', 'technical')
    const res = await signUpOnAcme('pat@bluebird-staff.example')
    expect(res.status, await res.clone().text()).toBe(201)
    expect(await res.json()).toEqual({ status: 'joined', accountId: t.id, accountName: 'Bluebird Bakery', portalName: 'Acme Hosting' })
    expect(await membership('pat@bluebird-staff.example', t.id)).toEqual({ level: 'user', roles: 'technical' })
    expect(await env.DB.prepare("SELECT count(*) AS n FROM accounts WHERE name = 'Should not exist'").first()).toEqual({ n: 0 })
    const events = await jsonOf(await api(`/accounts/${t.id}/activity?type=member_joined&limit=5`, { cookie: t.cookie }), 'listActivity')
    expect(events.items[0]?.description).toMatch(/joined Bluebird Bakery as a user through its verified domain/)
  })

  it('are held for approval (policy approve), listed for the admins, and let in or turned away', async () => {
    const t = await verifiedDomain('bluebird-held.example', 'approve', 'technical')
    const res = await signUpOnAcme('quinn@bluebird-held.example')
    // The answer names the organisation that holds them: the link is used, so the page cannot ask again.
    expect(await res.json()).toEqual({ status: 'held', accountId: null, accountName: 'Bluebird Bakery', portalName: 'Acme Hosting' })
    expect(await membership('quinn@bluebird-held.example', t.id)).toBeNull()
    await signUpOnAcme('rory@bluebird-held.example')
    const list = (await jsonOf(await api(`/accounts/${t.id}/join-requests`, { cookie: t.cookie }), 'listJoinRequests')).items
    expect(list.map((r) => r.email)).toEqual(['quinn@bluebird-held.example', 'rory@bluebird-held.example'])
    const [quinn, rory] = list
    expect((await api(`/accounts/${t.id}/join-requests/${quinn!.id}/approve`, { method: 'POST', cookie: t.cookie })).status).toBe(200)
    expect(await membership('quinn@bluebird-held.example', t.id)).toEqual({ level: 'user', roles: 'technical' })
    // A second approval finds nothing.
    expect((await api(`/accounts/${t.id}/join-requests/${quinn!.id}/approve`, { method: 'POST', cookie: t.cookie })).status).toBe(404)
    expect((await api(`/accounts/${t.id}/join-requests/${rory!.id}/decline`, { method: 'POST', cookie: t.cookie })).status).toBe(204)
    expect(await membership('rory@bluebird-held.example', t.id)).toBeNull()
    expect((await jsonOf(await api(`/accounts/${t.id}/join-requests`, { cookie: t.cookie }), 'listJoinRequests')).items).toEqual([])
    const events = await jsonOf(await api(`/accounts/${t.id}/activity?limit=20`, { cookie: t.cookie }), 'listActivity')
    expect(events.items.map((e) => e.type)).toEqual(expect.arrayContaining(['join_requested', 'join_approved', 'join_declined']))
  })

  it('who are invited by the reseller to become a customer join the domain’s customer instead', async () => {
    const t = await verifiedDomain('bluebird-invited.example', 'join', null)
    const acme = await login('owner@acme.test')
    const invited = await api(`/accounts/${await accountId('Acme Hosting')}/invitations`, { method: 'POST', cookie: acme, json: { kind: 'customer', email: 'sky@bluebird-invited.example' } })
    expect(invited.status).toBe(201)
    const token = await invitationToken('sky@bluebird-invited.example')
    const preview = await jsonOf(await api(`/invitations/${token}`), 'previewInvitation')
    expect(preview.joins).toEqual({ accountName: 'Bluebird Bakery', held: false })
    const accepted = await api(`/invitations/${token}/accept`, { method: 'POST', json: { name: 'Sky', password: PASSWORD } })
    expect(accepted.status, await accepted.clone().text()).toBe(201)
    expect(await accepted.json()).toMatchObject({ accountId: t.id, held: false })
    expect(await membership('sky@bluebird-invited.example', t.id)).toEqual({ level: 'user', roles: null })
  })

  it('of another reseller’s tree are not gathered: Globex’s sign-up creates its own organisation', async () => {
    await verifiedDomain('bluebird-only.example', 'join')
    await env.DB.prepare("INSERT INTO signup_settings (account_id, mode, updated_at) VALUES (?, 'open', 0)").bind(await accountId('Globex Partners')).run()
    const res = await SELF.fetch('http://globex.localhost/api/v1/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://globex.localhost', 'x-trellis-client-ip': '10.79.0.1' },
      body: JSON.stringify({ email: 'wren@bluebird-only.example', name: 'Wren', password: PASSWORD, organisationName: 'Wren Works' }),
    })
    expect(res.status).toBe(202)
    const token = /\/signup\/([a-z2-7]+)/.exec((await lastEmail('wren@bluebird-only.example')).text)![1]!
    const preview = await (await SELF.fetch(`http://globex.localhost/api/v1/signup/${token}`)).json()
    expect(preview).toMatchObject({ outcome: { kind: 'create' } })
  })
})

describe('who may manage domains and held people', () => {
  it('refuses the unauthenticated, a user-level member, another customer, a reseller account and an impersonator', async () => {
    const t = await verifiedDomain('bluebird-guard.example', 'approve')
    await signUpOnAcme('held@bluebird-guard.example')
    const [held] = (await jsonOf(await api(`/accounts/${t.id}/join-requests`, { cookie: t.cookie }), 'listJoinRequests')).items
    expect((await api(`/accounts/${t.id}/email-domains`)).status).toBe(401)
    expect((await api(`/accounts/${t.id}/join-requests/${held!.id}/approve`, { method: 'POST' })).status).toBe(401)
    // Another customer's owner: Bluebird does not exist for them.
    const copper = await login('owner@copperleaf.test')
    expect((await api(`/accounts/${t.id}/email-domains`, { cookie: copper })).status).toBe(404)
    expect((await api(`/accounts/${t.id}/join-requests/${held!.id}/approve`, { method: 'POST', cookie: copper })).status).toBe(404)
    const copperId = await accountId('Copperleaf Studio')
    expect((await api(`/accounts/${copperId}/join-requests/${held!.id}/approve`, { method: 'POST', cookie: copper })).status).toBe(404)
    expect((await api(`/accounts/${copperId}/email-domains/${t.row.id}`, { method: 'DELETE', cookie: copper })).status).toBe(404)
    // A user-level member of Bluebird (joined through the domain with the Technical role).
    await env.DB.prepare("UPDATE email_domains SET policy = 'join' WHERE id = ?").bind(t.row.id).run()
    const joined = await signUpOnAcme('user@bluebird-guard.example')
    expect(joined.status).toBe(201)
    const userCookie = /trellis_session=[^;]*/.exec(joined.headers.get('set-cookie') ?? '')![0]
    expect((await api(`/accounts/${t.id}/email-domains`, { method: 'POST', cookie: userCookie, json: { domain: 'mine.example' } })).status).toBe(403)
    expect((await api(`/accounts/${t.id}/join-requests/${held!.id}/approve`, { method: 'POST', cookie: userCookie })).status).toBe(403)
    // Resellers have no email domains.
    const acme = await login('owner@acme.test')
    expect((await api(`/accounts/${await accountId('Acme Hosting')}/email-domains`, { cookie: acme })).status).toBe(404)
    // Sarah (Acme support) acting as Bluebird's owner is capped by her own rights.
    const sarah = await login('sarah@acme.test')
    const start = await api('/impersonation', { method: 'POST', cookie: sarah, json: { userId: await userIdOf('owner@bluebird.test'), accountId: t.id, reason: 'Domain help' } })
    expect(start.status).toBe(201)
    expect((await api(`/accounts/${t.id}/email-domains/${t.row.id}`, { method: 'DELETE', cookie: sarah })).status).toBe(403)
    expect(await env.DB.prepare('SELECT count(*) AS n FROM email_domains WHERE id = ?').bind(t.row.id).first()).toEqual({ n: 1 })
  })
})
