import { env, SELF } from 'cloudflare:test'
import { beforeEach, describe, expect, it } from 'vitest'
import { invalidateBrandCache } from '../../../worker/src/domain/host-brand.ts'
import { accountId, api, jsonOf, lastEmail, login, problem, sessionCookieFrom, userIdOf } from '../../helpers/client.ts'

// Self sign-up on a portal: only on a verified hostname of a reseller that opened it (or the platform's own
// hosts when the platform did), the same answer for known and unknown emails, limits in the same write.

const ACME = 'acme.localhost'
const PASSWORD = 'amber-lighthouse-52-orchard'
let ipCounter = 0

beforeEach(() => invalidateBrandCache())

/** A request to the API as a browser on `host` would send it (its own origin, a client IP of its own). */
function on(host: string, path: string, init: RequestInit & { json?: unknown; cookie?: string } = {}) {
  const { json, cookie, headers, ...rest } = init
  const h = new Headers(headers)
  if (json !== undefined) h.set('content-type', 'application/json')
  if (cookie) h.set('cookie', cookie)
  const method = (rest.method ?? 'GET').toUpperCase()
  if (method !== 'GET' && !h.has('origin')) h.set('origin', `http://${host}`)
  if (!h.has('x-trellis-client-ip')) h.set('x-trellis-client-ip', `10.77.${ipCounter++ % 250}.9`)
  return SELF.fetch(`http://${host}/api/v1${path}`, { ...rest, headers: h, body: json !== undefined ? JSON.stringify(json) : rest.body })
}

async function setMode(accountName: string, mode: 'off' | 'approval' | 'open') {
  await env.DB.prepare('INSERT INTO signup_settings (account_id, mode, updated_at) VALUES (?, ?, 0) ON CONFLICT (account_id) DO UPDATE SET mode = excluded.mode')
    .bind(await accountId(accountName), mode)
    .run()
}

const form = (email: string, organisationName = 'Hazel Studio') => ({ email, name: 'Hazel', password: PASSWORD, organisationName })

/** The token of the newest sign-up link emailed to `to`. */
async function signupToken(to: string) {
  const match = /\/signup\/([a-z2-7]+)/.exec((await lastEmail(to)).text)
  if (!match) throw new Error(`no sign-up link in the email to ${to}`)
  return match[1]!
}

async function signUp(email: string, organisationName?: string, host = ACME) {
  const res = await on(host, '/signup', { method: 'POST', json: form(email, organisationName) })
  expect(res.status, await res.clone().text()).toBe(202)
  return signupToken(email)
}

/** The portal on `host` says it takes no sign-ups, and refuses one (403 signup_closed). */
async function expectClosed(host: string, email: string) {
  expect(await (await on(host, '/signup')).json()).toMatchObject({ open: false })
  const res = await on(host, '/signup', { method: 'POST', json: form(email) })
  expect(res.status).toBe(403)
  expect((await problem(res)).code).toBe('signup_closed')
}

const customersOfAcme = async () =>
  (await env.DB.prepare("SELECT count(*) AS n FROM accounts WHERE kind = 'customer' AND status != 'deleted' AND parent_id = ?").bind(await accountId('Acme Hosting')).first<{ n: number }>())!.n

describe('who may sign up where', () => {
  it('is closed everywhere until a portal opens it, and the sign-in page is told so', async () => {
    expect(await (await on(ACME, '/signup')).json()).toMatchObject({ open: false, mode: 'off' })
    const res = await on(ACME, '/signup', { method: 'POST', json: form('hazel@hazel.example') })
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('signup_closed')
    expect(await env.DB.prepare('SELECT count(*) AS n FROM signups').first()).toEqual({ n: 0 })
  })

  it('does not let a forged Host header open a reseller’s sign-up on the platform host', async () => {
    // Protects against reaching Acme's sign-up from a host that is not Acme's verified portal.
    await setMode('Acme Hosting', 'open')
    for (const headers of [{ host: ACME }, { 'x-forwarded-host': ACME }, { forwarded: `host=${ACME}` }] as Record<string, string>[]) {
      const res = await on('localhost', '/signup', { method: 'POST', json: form('forged@hazel.example'), headers })
      expect(res.status).toBe(403)
      expect((await problem(res)).code).toBe('signup_closed')
    }
    // An unverified name is the platform too: never Acme's.
    const unverified = await on('acme-portal.example', '/signup', { method: 'POST', json: form('forged@hazel.example') })
    expect(unverified.status).toBe(403)
    expect(await (await on('localhost', '/signup')).json()).toMatchObject({ open: false })
  })

  it('opens on the platform host only when the platform opens it, and then creates customers under the platform', async () => {
    await setMode('Nimbus Cloud', 'open')
    const token = await signUp('direct@hazel.example', 'Direct Co', 'localhost')
    const done = await on('localhost', `/signup/${token}/complete`, { method: 'POST' })
    expect(done.status, await done.clone().text()).toBe(201)
    const row = await env.DB.prepare("SELECT parent_id AS parent FROM accounts WHERE name = 'Direct Co'").first<{ parent: string }>()
    expect(row?.parent).toBe(await accountId('Nimbus Cloud'))
  })

  it('closes when the reseller is disabled, whatever its setting', async () => {
    await setMode('Acme Hosting', 'open')
    await env.DB.prepare("UPDATE accounts SET status = 'disabled' WHERE id = ?").bind(await accountId('Acme Hosting')).run()
    invalidateBrandCache()
    await expectClosed(ACME, 'late@hazel.example')
  })

  it('stays open beside deleted and disabled customers deep in the tree, and closes when an account above the reseller is disabled', async () => {
    // A deleted customer's path is longer than D1's 50-byte LIKE patterns: the check once answered 500 here.
    await setMode('Acme Hosting', 'approval')
    await env.DB.prepare("UPDATE accounts SET status = 'deleted' WHERE id = ?").bind(await accountId('Bluebird Bakery')).run()
    await env.DB.prepare("UPDATE accounts SET status = 'disabled' WHERE id = ?").bind(await accountId('Copperleaf Studio')).run()
    const deep = await env.DB.prepare('SELECT max(length(path)) AS n FROM accounts WHERE status != ?').bind('active').first<{ n: number }>()
    expect(deep!.n).toBeGreaterThan(50)
    const open = await on(ACME, '/signup')
    expect(open.status).toBe(200)
    expect(await open.json()).toMatchObject({ open: true, mode: 'approval' })
    expect((await on(ACME, '/signup', { method: 'POST', json: form('beside@hazel.example') })).status).toBe(202)

    await env.DB.prepare("UPDATE accounts SET status = 'disabled' WHERE id = ?").bind(await accountId('Nimbus Cloud')).run()
    invalidateBrandCache()
    await expectClosed(ACME, 'above@hazel.example')
  })

  it('refuses a link of Acme’s on Globex’s portal', async () => {
    await setMode('Acme Hosting', 'open')
    const token = await signUp('wander@hazel.example')
    const res = await on('globex.localhost', `/signup/${token}/complete`, { method: 'POST' })
    expect(res.status).toBe(404)
    expect(await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = 'wander@hazel.example'").first()).toEqual({ n: 0 })
  })
})

describe('POST /api/v1/signup', () => {
  it('answers the same for an email that has a login, creates nothing for it, and tells that person to sign in', async () => {
    // Protects against the sign-up form revealing which emails have a login.
    await setMode('Acme Hosting', 'open')
    const known = await on(ACME, '/signup', { method: 'POST', json: form('owner@bluebird.test') })
    const unknown = await on(ACME, '/signup', { method: 'POST', json: form('nobody@hazel.example') })
    expect(known.status).toBe(202)
    expect(unknown.status).toBe(202)
    expect(await known.text()).toBe(await unknown.text())
    expect(known.headers.get('set-cookie')).toBeNull()
    const mail = await lastEmail('owner@bluebird.test')
    expect(mail.subject).toMatch(/already have/)
    expect(mail.text).not.toMatch(/\/signup\//)
    expect(await env.DB.prepare("SELECT count(*) AS n FROM signups WHERE email = 'owner@bluebird.test'").first()).toEqual({ n: 0 })
  })

  it('names the field of bad input, and refuses a weak password', async () => {
    await setMode('Acme Hosting', 'open')
    const bad = await on(ACME, '/signup', { method: 'POST', json: { email: 'not-an-email', name: '', password: PASSWORD, organisationName: 'X' } })
    expect(bad.status).toBe(400)
    const fields = (await problem(bad)).errors?.map((e) => e.field)
    expect(fields).toEqual(expect.arrayContaining(['email', 'name']))
    const weak = await on(ACME, '/signup', { method: 'POST', json: { ...form('weak@hazel.example'), password: 'password' } })
    expect(weak.status).toBe(400)
    expect((await problem(weak)).errors?.[0]?.field).toBe('password')
  })

  it('slows a client that keeps signing up (429 with Retry-After)', async () => {
    await setMode('Acme Hosting', 'open')
    const statuses: number[] = []
    let retryAfter: string | null = null
    for (let i = 0; i < 12; i++) {
      const res = await on(ACME, '/signup', { method: 'POST', json: form(`burst${i}@hazel.example`), headers: { 'x-trellis-client-ip': '10.66.1.1' } })
      statuses.push(res.status)
      if (res.status === 429) retryAfter = res.headers.get('retry-after')
    }
    expect(statuses.slice(0, 10).every((s) => s === 202)).toBe(true)
    expect(statuses).toContain(429)
    expect(Number(retryAfter)).toBeGreaterThan(0)
  })
})

describe('confirming the link', () => {
  it('with sign-up open: creates the login (email verified), the organisation under Acme with them as owner, and signs them in', async () => {
    await setMode('Acme Hosting', 'open')
    const token = await signUp('hazel@hazel.example')
    const preview = await jsonOf(await on(ACME, `/signup/${token}`), 'previewSignup')
    expect(preview).toMatchObject({ email: 'hazel@hazel.example', organisationName: 'Hazel Studio', outcome: { kind: 'create', pending: false } })
    const res = await on(ACME, `/signup/${token}/complete`, { method: 'POST' })
    expect(res.status, await res.clone().text()).toBe(201)
    const body = await jsonOf(res, 'completeSignup')
    expect(body.status).toBe('created')
    const cookie = sessionCookieFrom(res)
    const me = await on(ACME, '/me', { cookie })
    expect(me.status).toBe(200)
    const account = await env.DB.prepare('SELECT parent_id AS parent, status, kind FROM accounts WHERE id = ?').bind(body.accountId).first()
    expect(account).toEqual({ parent: await accountId('Acme Hosting'), status: 'active', kind: 'customer' })
    const user = await env.DB.prepare("SELECT email_verified_at AS v FROM users WHERE email = 'hazel@hazel.example'").first<{ v: number | null }>()
    expect(user?.v).toBeGreaterThan(0)
    // Single use.
    const again = await on(ACME, `/signup/${token}/complete`, { method: 'POST' })
    expect(again.status).toBe(410)
    expect((await problem(again)).code).toBe('signup_link_used')
  })

  it('with approval: the organisation waits disabled, its owner cannot sign in yet, and Acme approves it from its list', async () => {
    await setMode('Acme Hosting', 'approval')
    const token = await signUp('ivy@ivy.example', 'Ivy & Co')
    const res = await on(ACME, `/signup/${token}/complete`, { method: 'POST' })
    expect(res.status).toBe(201)
    // Named in the answer: the link is used now, and the page says who reviews what.
    expect(await jsonOf(res, 'completeSignup')).toEqual({ status: 'pending', accountId: null, accountName: 'Ivy & Co', portalName: 'Acme Hosting' })
    expect(res.headers.get('set-cookie')).toBeNull()
    const refused = await on(ACME, '/auth/login', { method: 'POST', json: { email: 'ivy@ivy.example', password: PASSWORD } })
    expect(refused.status).toBe(403)
    expect(await refused.text()).toMatch(/approve/)

    const owner = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const list = await jsonOf(await api(`/accounts/${acme}/signups`, { cookie: owner }), 'listPendingSignups')
    expect(list.items.map((i) => [i.name, i.email])).toEqual([['Ivy & Co', 'ivy@ivy.example']])
    const approved = await api(`/accounts/${acme}/signups/${list.items[0]!.accountId}/approve`, { method: 'POST', cookie: owner })
    expect(approved.status).toBe(200)
    expect((await lastEmail('ivy@ivy.example')).subject).toMatch(/approved/)
    const signIn = await on(ACME, '/auth/login', { method: 'POST', json: { email: 'ivy@ivy.example', password: PASSWORD } })
    expect(signIn.status).toBe(200)
    expect((await jsonOf(await api(`/accounts/${acme}/signups`, { cookie: owner }), 'listPendingSignups')).items).toEqual([])
    const events = await jsonOf(await api(`/accounts/${acme}/activity?type=signup_approved&limit=5`, { cookie: owner }), 'listActivity')
    expect(events.items[0]?.description).toMatch(/approved the sign-up of Ivy & Co/)
  })

  it('declining removes the organisation and its login, and frees its place', async () => {
    await setMode('Acme Hosting', 'approval')
    const before = await customersOfAcme()
    const token = await signUp('nope@nope.example', 'Nope Ltd')
    expect((await on(ACME, `/signup/${token}/complete`, { method: 'POST' })).status).toBe(201)
    expect(await customersOfAcme()).toBe(before + 1)
    const owner = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const [pending] = (await jsonOf(await api(`/accounts/${acme}/signups`, { cookie: owner }), 'listPendingSignups')).items
    expect((await api(`/accounts/${acme}/signups/${pending!.accountId}/decline`, { method: 'POST', cookie: owner })).status).toBe(204)
    expect(await customersOfAcme()).toBe(before)
    expect(await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = 'nope@nope.example'").first()).toEqual({ n: 0 })
    expect((await lastEmail('nope@nope.example')).subject).toMatch(/declined/)
  })

  it('two sign-ups racing for the last free customer place: one organisation, one 422', async () => {
    // Protects against concurrent sign-ups overshooting the reseller's max_customers.
    await setMode('Acme Hosting', 'open')
    const acme = await accountId('Acme Hosting')
    const [a, b] = [await signUp('race-a@race.example', 'Race A'), await signUp('race-b@race.example', 'Race B')]
    await env.DB.prepare(`UPDATE accounts SET limits = json_set(limits, '$.max_customers', ?) WHERE id = ?`).bind(await customersOfAcme() + 1, acme).run()
    const results = await Promise.all([a, b].map((t) => on(ACME, `/signup/${t}/complete`, { method: 'POST' })))
    expect(results.map((r) => r.status).sort()).toEqual([201, 422])
    const refused = results.find((r) => r.status === 422)!
    expect((await problem(refused)).code).toBe('limit_reached')
    expect(await env.DB.prepare("SELECT count(*) AS n FROM accounts WHERE name IN ('Race A', 'Race B')").first()).toEqual({ n: 1 })
    // The refused person's login was not created either (one batch).
    expect(await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email IN ('race-a@race.example', 'race-b@race.example')").first()).toEqual({ n: 1 })
    // And a full portal says so at once.
    const full = await on(ACME, '/signup', { method: 'POST', json: form('late@race.example', 'Late') })
    expect(full.status).toBe(422)
  })

  it('refuses an unknown, malformed or expired link', async () => {
    await setMode('Acme Hosting', 'open')
    expect((await on(ACME, '/signup/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).status).toBe(404)
    expect((await on(ACME, '/signup/..%2f..')).status).toBe(404)
    const token = await signUp('slow@slow.example')
    await env.DB.prepare("UPDATE signups SET expires_at = 1 WHERE email = 'slow@slow.example'").run()
    const res = await on(ACME, `/signup/${token}/complete`, { method: 'POST' })
    expect(res.status).toBe(410)
    expect((await problem(res)).code).toBe('signup_link_expired')
  })

  it('stops when the reseller closes sign-up before the link comes back', async () => {
    await setMode('Acme Hosting', 'open')
    const token = await signUp('toolate@slow.example')
    await setMode('Acme Hosting', 'off')
    const res = await on(ACME, `/signup/${token}/complete`, { method: 'POST' })
    expect(res.status).toBe(403)
  })
})

describe('the settings and the approval list', () => {
  it('refuses the unauthenticated, a lower level, a sibling reseller and an impersonator', async () => {
    const acme = await accountId('Acme Hosting')
    expect((await api(`/accounts/${acme}/signups`)).status).toBe(401)
    expect((await api(`/accounts/${acme}/signup-settings`, { method: 'PUT', json: { mode: 'open' } })).status).toBe(401)
    // Tom is a user at Acme (technical only).
    const tom = await login('tom@acme.test')
    expect((await api(`/accounts/${acme}/signup-settings`, { method: 'PUT', cookie: tom, json: { mode: 'open' } })).status).toBe(403)
    expect((await api(`/accounts/${acme}/signups`, { cookie: tom })).status).toBe(403)
    // Globex cannot see or decide Acme's.
    const globex = await login('owner@globex.test')
    expect((await api(`/accounts/${acme}/signups`, { cookie: globex })).status).toBe(404)
    await setMode('Acme Hosting', 'approval')
    const token = await signUp('sib@sib.example', 'Sib Co')
    await on(ACME, `/signup/${token}/complete`, { method: 'POST' })
    const pendingId = (await env.DB.prepare("SELECT id FROM accounts WHERE name = 'Sib Co'").first<{ id: string }>())!.id
    const globexId = await accountId('Globex Partners')
    expect((await api(`/accounts/${globexId}/signups/${pendingId}/approve`, { method: 'POST', cookie: globex })).status).toBe(404)
    expect((await api(`/accounts/${acme}/signups/${pendingId}/approve`, { method: 'POST', cookie: globex })).status).toBe(404)
    // Customers have no portal of their own.
    const bea = await login('owner@bluebird.test')
    expect((await api(`/accounts/${await accountId('Bluebird Bakery')}/signup-settings`, { cookie: bea })).status).toBe(404)
    // Sarah acting as Bluebird's owner reaches Bluebird, not Acme's settings.
    const sarah = await login('sarah@acme.test')
    const start = await api('/impersonation', { method: 'POST', cookie: sarah, json: { userId: await userIdOf('owner@bluebird.test'), accountId: await accountId('Bluebird Bakery'), reason: 'Checking sign-up' } })
    expect(start.status).toBe(201)
    expect((await api(`/accounts/${acme}/signup-settings`, { method: 'PUT', cookie: sarah, json: { mode: 'off' } })).status).not.toBe(200)
    expect((await api(`/accounts/${acme}/signups/${pendingId}/approve`, { method: 'POST', cookie: sarah })).status).not.toBe(200)
    expect((await env.DB.prepare('SELECT status FROM accounts WHERE id = ?').bind(pendingId).first<{ status: string }>())!.status).toBe('disabled')
  })

  it('lets the owner open and close it, logged', async () => {
    const owner = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const res = await api(`/accounts/${acme}/signup-settings`, { method: 'PUT', cookie: owner, json: { mode: 'approval' } })
    expect(res.status).toBe(200)
    expect(await (await on(ACME, '/signup')).json()).toMatchObject({ open: true, mode: 'approval' })
    expect((await jsonOf(await api(`/accounts/${acme}/signup-settings`, { cookie: owner }), 'getSignupSettings')).settings.mode).toBe('approval')
    const events = await jsonOf(await api(`/accounts/${acme}/activity?type=signup_settings_updated&limit=5`, { cookie: owner }), 'listActivity')
    expect(events.items[0]?.description).toMatch(/opened sign-up with approval/)
    expect((await api(`/accounts/${acme}/signup-settings`, { method: 'PUT', cookie: owner, json: { mode: 'sometimes' } })).status).toBe(400)
  })
})
