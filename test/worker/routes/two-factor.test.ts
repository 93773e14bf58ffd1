import { env } from 'cloudflare:test'
import { decodeBase32IgnorePadding } from '@oslojs/encoding'
import { describe, expect, it } from 'vitest'
import { totpCode, totpStep } from '../../../worker/src/crypto/totp.ts'
import { softAuthenticator } from '../../helpers/authenticator.ts'
import { accountId, api, DEMO_PASSWORD, login, problem, sessionCookieFrom, jsonOf } from '../../helpers/client.ts'

// The demo keys as the README prints them (test/worker/unit/readme-demo.test.ts holds the README to these).
const TESS_KEY = decodeBase32IgnorePadding('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')
const GUS_KEY = decodeBase32IgnorePadding('KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU')
let ipCounter = 0
const freshIp = () => `10.77.${ipCounter++ % 250}.${1 + Math.floor(ipCounter / 250)}`

function cookieOf(res: Response, name: string) {
  const match = new RegExp(`${name}=([^;]*)`).exec(res.headers.get('set-cookie') ?? '')
  return match && match[1] ? `${name}=${match[1]}` : null
}

async function userId(email: string) {
  return (await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first<{ id: string }>())!.id
}

/** POST /auth/login; the step cookie when a second factor is owed. */
async function passwordStep(email: string, ip = freshIp(), password = DEMO_PASSWORD) {
  const res = await api('/auth/login', { method: 'POST', json: { email, password }, ip })
  expect(res.status).toBe(200)
  const body = await jsonOf(res, 'signIn')
  return { body, step: cookieOf(res, 'trellis_step'), session: cookieOf(res, 'trellis_session'), ip }
}

/** Turn on TOTP for a signed-in login; its key and recovery codes. */
async function enrolTotp(cookie: string) {
  const start = await api('/me/two-factor/totp', { method: 'POST', cookie })
  expect(start.status).toBe(200)
  const { manualKey, uri } = await jsonOf(start, 'startTotpEnrolment')
  expect(uri).toMatch(/^otpauth:\/\/totp\/.+secret=/)
  const key = decodeBase32IgnorePadding(manualKey)
  const confirm = await api('/me/two-factor/totp/confirm', { method: 'POST', cookie, json: { code: totpCode(key, totpStep()) } })
  expect(confirm.status).toBe(200)
  const { recoveryCodes } = await jsonOf(confirm, 'confirmTotpEnrolment')
  return { key, recoveryCodes }
}

/** A code of the next step: the current one was used by the enrolment, and one step of drift is accepted. */
const nextCode = (key: Uint8Array, offset = 1) => totpCode(key, totpStep() + offset)

async function events(cookie: string, account: string, query: string) {
  const res = await api(`/accounts/${account}/activity${query}`, { cookie })
  return (await jsonOf(res, 'listActivity')).items
}

describe('TOTP enrolment', () => {
  it('enables nothing until one code confirms it, and an abandoned enrolment leaves the sign-in as it was', async () => {
    const cookie = await login('tom@acme.test')
    const start = await api('/me/two-factor/totp', { method: 'POST', cookie })
    expect(start.status).toBe(200)
    const status = await jsonOf(await api('/me/two-factor', { cookie }), 'getTwoFactor')
    expect(status).toMatchObject({ totp: null, enrolmentPending: true })
    // Abandoned halfway: the password alone still signs in.
    expect((await passwordStep('tom@acme.test')).body.next).toBeNull()
    const wrong = await api('/me/two-factor/totp/confirm', { method: 'POST', cookie, json: { code: '000000' } })
    expect(wrong.status).toBe(403)
    expect(await problem(wrong)).toMatchObject({ code: 'invalid_code', errors: [{ field: 'code' }] })
    expect((await api('/me/two-factor/totp/enrolment', { method: 'DELETE', cookie })).status).toBe(204)
    expect(await (await api('/me/two-factor', { cookie })).json()).toMatchObject({ totp: null, enrolmentPending: false })
    const late = await api('/me/two-factor/totp/confirm', { method: 'POST', cookie, json: { code: '123456' } })
    expect((await problem(late)).code).toBe('enrolment_expired')
  })

  it('confirms with one code, gives 10 recovery codes stored only as hashes, and asks for a code at the next sign-in', async () => {
    const cookie = await login('tom@acme.test')
    const { key, recoveryCodes } = await enrolTotp(cookie)
    expect(recoveryCodes).toHaveLength(10)
    expect(new Set(recoveryCodes).size).toBe(10)
    const stored = await env.DB.prepare('SELECT code_hash FROM recovery_codes WHERE user_id = ?').bind(await userId('tom@acme.test')).all<{ code_hash: string }>()
    expect(stored.results).toHaveLength(10)
    for (const r of stored.results) expect(recoveryCodes).not.toContain(r.code_hash)
    // The key is sealed at rest, never stored as the base32 people type.
    const secret = await env.DB.prepare('SELECT secret FROM totp_factors WHERE user_id = ?').bind(await userId('tom@acme.test')).first<{ secret: string }>()
    expect(secret!.secret.startsWith('v1.')).toBe(true)

    const signIn = await passwordStep('tom@acme.test')
    expect(signIn.body.next).toMatchObject({ step: 'verify', methods: ['totp', 'recovery'] })
    expect(signIn.session).toBeNull()
    // The step is not a session.
    expect((await api('/me', { cookie: signIn.step! })).status).toBe(401)
    const done = await api('/auth/step/code', { method: 'POST', cookie: signIn.step!, ip: signIn.ip, json: { method: 'totp', code: nextCode(key) } })
    expect(done.status).toBe(200)
    expect((await api('/me', { cookie: sessionCookieFrom(done) })).status).toBe(200)
  })

  it('refuses a code replayed in the same 30-second step, also from another sign-in', async () => {
    // Protects against: a shoulder-surfed or phished code used a second time.
    const { key } = await enrolTotp(await login('tom@acme.test'))
    const code = nextCode(key)
    const first = await passwordStep('tom@acme.test')
    expect((await api('/auth/step/code', { method: 'POST', cookie: first.step!, ip: first.ip, json: { method: 'totp', code } })).status).toBe(200)
    const second = await passwordStep('tom@acme.test')
    const replay = await api('/auth/step/code', { method: 'POST', cookie: second.step!, ip: second.ip, json: { method: 'totp', code } })
    expect(replay.status).toBe(403)
    expect((await problem(replay)).code).toBe('invalid_code')
    // The enrolment's own code (the current step) is used too.
    const older = await api('/auth/step/code', { method: 'POST', cookie: second.step!, ip: second.ip, json: { method: 'totp', code: totpCode(key, totpStep()) } })
    expect(older.status).toBe(403)
  })

  it('accepts each recovery code once', async () => {
    const { recoveryCodes } = await enrolTotp(await login('tom@acme.test'))
    const first = await passwordStep('tom@acme.test')
    const typed = recoveryCodes[3]!.toUpperCase().replace('-', ' ')
    expect((await api('/auth/step/code', { method: 'POST', cookie: first.step!, json: { method: 'recovery', code: typed } })).status).toBe(200)
    const second = await passwordStep('tom@acme.test')
    const reuse = await api('/auth/step/code', { method: 'POST', cookie: second.step!, json: { method: 'recovery', code: recoveryCodes[3]! } })
    expect(reuse.status).toBe(403)
    expect((await problem(reuse)).code).toBe('invalid_code')
    expect(await (await api('/me/two-factor', { cookie: await login('owner@acme.test') })).json()).toMatchObject({ totp: null })
  })

  it('slows wrong codes like wrong passwords', async () => {
    // Protects against: brute-forcing 6 digits once the password is known.
    const { key } = await enrolTotp(await login('tom@acme.test'))
    const step = await passwordStep('tom@acme.test')
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) {
      const res = await api('/auth/step/code', { method: 'POST', cookie: step.step!, json: { method: 'totp', code: String(100000 + i) } })
      statuses.push(res.status)
    }
    expect(statuses.slice(0, 5)).toEqual([403, 403, 403, 403, 403])
    expect(statuses.at(-1)).toBe(429)
    // Even the right code waits out the delay (the check comes before the code).
    const right = await api('/auth/step/code', { method: 'POST', cookie: step.step!, json: { method: 'totp', code: nextCode(key) } })
    expect(right.status).toBe(429)
    expect(right.headers.get('retry-after')).toBeTruthy()
  })

  it('needs the password and a current code to turn the app off or replace the recovery codes', async () => {
    const cookie = await login('tom@acme.test')
    const { key, recoveryCodes } = await enrolTotp(cookie)
    const wrongPassword = await api('/me/two-factor/totp/disable', { method: 'POST', cookie, json: { password: 'not-it', code: nextCode(key) } })
    expect(await problem(wrongPassword)).toMatchObject({ code: 'wrong_password', errors: [{ field: 'password' }] })
    const wrongCode = await api('/me/two-factor/totp/disable', { method: 'POST', cookie, json: { password: DEMO_PASSWORD, code: '000000' } })
    expect(await problem(wrongCode)).toMatchObject({ code: 'invalid_code', errors: [{ field: 'code' }] })
    const missing = await api('/me/two-factor/totp/disable', { method: 'POST', cookie, json: { password: DEMO_PASSWORD } })
    expect(await problem(missing)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'code' }] })

    const regen = await api('/me/two-factor/recovery-codes', { method: 'POST', cookie, json: { password: DEMO_PASSWORD, code: recoveryCodes[0]! } })
    expect(regen.status).toBe(200)
    const fresh = (await jsonOf(regen, 'regenerateRecoveryCodes')).recoveryCodes
    expect(fresh).toHaveLength(10)
    // The old set is gone.
    const old = await api('/me/two-factor/totp/disable', { method: 'POST', cookie, json: { password: DEMO_PASSWORD, code: recoveryCodes[1]! } })
    expect((await problem(old)).code).toBe('invalid_code')

    expect((await api('/me/two-factor/totp/disable', { method: 'POST', cookie, json: { password: DEMO_PASSWORD, code: nextCode(key) } })).status).toBe(204)
    expect((await passwordStep('tom@acme.test')).body.next).toBeNull()
    const log = await events(await login('owner@acme.test'), await accountId('Acme Hosting'), '?type=update_user_profile&actor=tom@acme.test')
    expect(log.map((e) => e.description)).toEqual(
      expect.arrayContaining([expect.stringContaining('turned on two-factor'), expect.stringContaining('replaced their recovery codes'), expect.stringContaining('turned off two-factor')]),
    )
  })

  it('signs in the demo member of each reseller with a code from the key printed in the README', async () => {
    const step = await passwordStep('tess@acme.test')
    expect(step.body.next).toMatchObject({ step: 'verify' })
    const res = await api('/auth/step/code', { method: 'POST', cookie: step.step!, json: { method: 'totp', code: totpCode(TESS_KEY, totpStep()) } })
    expect(res.status).toBe(200)
    const gus = await passwordStep('gus@globex.test')
    expect(gus.body.next).toMatchObject({ step: 'verify' })
    const signedIn = await api('/auth/step/code', { method: 'POST', cookie: gus.step!, json: { method: 'totp', code: totpCode(GUS_KEY, totpStep()) } })
    expect(signedIn.status).toBe(200)
  })
})

describe('the sign-in step', () => {
  it('answers finished problems for a missing, forged, expired or wrong-kind step', async () => {
    const none = await api('/auth/step/code', { method: 'POST', json: { method: 'totp', code: '123456' } })
    expect(none.status).toBe(401)
    expect((await problem(none)).code).toBe('step_required')
    const forged = await api('/auth/step', { cookie: 'trellis_step=abc.def' })
    expect((await problem(forged)).code).toBe('step_required')

    const step = await passwordStep('tess@acme.test')
    const view = await api('/auth/step', { cookie: step.step! })
    expect(await view.json()).toMatchObject({ step: 'verify', methods: ['totp', 'recovery'], email: 'tess@acme.test' })
    const enrol = await api('/auth/step/enrol', { method: 'POST', cookie: step.step! })
    expect((await problem(enrol)).code).toBe('step_required')
    await env.DB.prepare('UPDATE sign_in_steps SET expires_at = 1').run()
    const expired = await api('/auth/step/code', { method: 'POST', cookie: step.step!, json: { method: 'totp', code: totpCode(TESS_KEY, totpStep()) } })
    expect(expired.status).toBe(410)
    expect((await problem(expired)).code).toBe('step_expired')
  })

  it('refuses a step cookie sent from another site', async () => {
    // Protects against: a forged cross-site POST finishing someone's sign-in.
    const step = await passwordStep('tess@acme.test')
    const res = await api('/auth/step/code', { method: 'POST', cookie: step.step!, headers: { origin: 'https://evil.example' }, json: { method: 'totp', code: '123456' } })
    expect((await problem(res)).code).toBe('csrf_rejected')
  })
})

describe('requiring two-factor sign-in', () => {
  it('needs security.manage, and answers 404 to another tenant', async () => {
    const acme = await accountId('Acme Hosting')
    const body = { requireTwoFactor: true, allowPasswordless: true, trustedLocationDays: null }
    const tom = await api(`/accounts/${acme}/security`, { method: 'PUT', cookie: await login('tom@acme.test'), json: body })
    expect(tom.status).toBe(403)
    const globex = await api(`/accounts/${acme}/security`, { method: 'PUT', cookie: await login('owner@globex.test'), json: body })
    expect(globex.status).toBe(404)
    expect((await api(`/accounts/${acme}/security`, { cookie: await login('owner@globex.test') })).status).toBe(404)
    const bad = await api(`/accounts/${acme}/security`, { method: 'PUT', cookie: await login('owner@acme.test'), json: { ...body, trustedLocationDays: 365 } })
    expect(await problem(bad)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'trustedLocationDays' }] })
  })

  it('sends members below a requiring ancestor to enrolment right after the password; the step reaches only enrolment', async () => {
    const nimbus = await accountId('Nimbus Cloud')
    const set = await api(`/accounts/${nimbus}/security`, { method: 'PUT', cookie: await login('admin@nimbus.test'), json: { requireTwoFactor: true, allowPasswordless: true, trustedLocationDays: null } })
    expect(set.status).toBe(200)
    const step = await passwordStep('owner@bluebird.test')
    expect(step.body.next).toMatchObject({ step: 'enrol', methods: [] })
    expect(step.session).toBeNull()
    expect((await api('/me', { cookie: step.step! })).status).toBe(401)
    expect((await problem(await api('/auth/step/code', { method: 'POST', cookie: step.step!, json: { method: 'totp', code: '123456' } }))).code).toBe('step_required')
    const start = await api('/auth/step/enrol', { method: 'POST', cookie: step.step! })
    const key = decodeBase32IgnorePadding((await jsonOf(start, 'startSignInEnrolment')).manualKey)
    const done = await api('/auth/step/enrol/confirm', { method: 'POST', cookie: step.step!, json: { code: totpCode(key, totpStep()) } })
    expect(done.status).toBe(200)
    expect((await jsonOf(done, 'confirmSignInEnrolment')).recoveryCodes).toHaveLength(10)
    const cookie = sessionCookieFrom(done)
    expect((await api('/me', { cookie })).status).toBe(200)
    // The Security page of Bluebird says who requires it.
    const view = await jsonOf(await api(`/accounts/${await accountId('Bluebird Bakery')}/security`, { cookie }), 'getAccountSecurity')
    expect(view.inherited.requiredBy?.name).toBe('Nimbus Cloud')
    // The last factor cannot be turned off while it is required.
    const off = await api('/me/two-factor/totp/disable', { method: 'POST', cookie, json: { password: DEMO_PASSWORD, code: totpCode(key, totpStep() + 1) } })
    expect((await problem(off)).code).toBe('two_factor_required')
  })
})

describe('trusted connections', () => {
  it('skips the second factor from a trusted /24 for the account’s days, lists it, and asks again after a revoke; each change is an event', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    expect((await api(`/accounts/${acme}/security`, { method: 'PUT', cookie: owner, json: { requireTwoFactor: false, allowPasswordless: true, trustedLocationDays: 30 } })).status).toBe(200)
    const first = await passwordStep('tess@acme.test', '198.51.100.7')
    expect(first.body.next).toMatchObject({ step: 'verify', trustDays: 30 })
    const done = await api('/auth/step/code', { method: 'POST', cookie: first.step!, ip: '198.51.100.7', json: { method: 'totp', code: totpCode(TESS_KEY, totpStep()), trust: true } })
    expect(done.status).toBe(200)
    // Same /24: no second factor.
    const again = await passwordStep('tess@acme.test', '198.51.100.200')
    expect(again.body.next).toBeNull()
    expect(again.session).not.toBeNull()
    // Another /24 still asks.
    expect((await passwordStep('tess@acme.test', '198.51.101.7')).body.next).toMatchObject({ step: 'verify' })

    const tess = again.session!
    const listed = await jsonOf(await api('/me/two-factor', { cookie: tess }), 'getTwoFactor')
    expect(listed.trustedLocations).toMatchObject([{ network: '198.51.100.0/24' }])
    const page = await jsonOf(await api(`/accounts/${acme}/security`, { cookie: owner }), 'getAccountSecurity')
    expect(page.members.find((m) => m.user.email === 'tess@acme.test')!.factors).toMatchObject({ totp: true, trustedLocations: [{ network: '198.51.100.0/24' }] })
    expect(page.members.find((m) => m.user.email === 'tom@acme.test')!.factors).toMatchObject({ totp: false, passkeys: 0 })

    expect((await api(`/me/trusted-locations/${listed.trustedLocations[0]!.id}`, { method: 'DELETE', cookie: tess })).status).toBe(204)
    expect((await passwordStep('tess@acme.test', '198.51.100.9')).body.next).toMatchObject({ step: 'verify' })
    const log = await events(owner, acme, '?type=update_trusted_connection')
    expect(log.map((e) => e.description)).toEqual([expect.stringContaining('stopped trusting 198.51.100.0/24'), expect.stringContaining('trusted 198.51.100.0/24 for 30 days')])
  })

  it('trusts an IPv6 /64 as one location, and “forget all” asks again everywhere, as an event', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    await api(`/accounts/${acme}/security`, { method: 'PUT', cookie: owner, json: { requireTwoFactor: false, allowPasswordless: true, trustedLocationDays: 30 } })
    const v6 = await passwordStep('tess@acme.test', '2001:db8:1:2::7')
    expect(v6.body.next).toMatchObject({ step: 'verify', trustDays: 30 })
    expect((await api('/auth/step/code', { method: 'POST', cookie: v6.step!, ip: '2001:db8:1:2::7', json: { method: 'totp', code: totpCode(TESS_KEY, totpStep()), trust: true } })).status).toBe(200)
    // Anywhere in the same /64: trusted; the next /64: asked.
    const same = await passwordStep('tess@acme.test', '2001:db8:1:2:ffff:ffff:ffff:1')
    expect(same.body.next).toBeNull()
    const other = await passwordStep('tess@acme.test', '2001:db8:1:3::7')
    expect(other.body.next).toMatchObject({ step: 'verify' })
    expect((await api('/auth/step/code', { method: 'POST', cookie: other.step!, ip: '2001:db8:1:3::7', json: { method: 'totp', code: nextCode(TESS_KEY), trust: true } })).status).toBe(200)

    const tess = same.session!
    const listed = async () => ((await (await api('/me/two-factor', { cookie: tess })).json()) as { trustedLocations: { network: string; createdAt: number; lastUsedAt: number }[] }).trustedLocations
    const both = await listed()
    expect(both.map((l) => l.network).sort()).toEqual(['2001:db8:1:2::/64', '2001:db8:1:3::/64'])
    expect(both.every((l) => l.createdAt > 0 && l.lastUsedAt >= l.createdAt)).toBe(true)

    const res = await api('/me/trusted-locations', { method: 'DELETE', cookie: tess })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ revoked: 2 })
    expect(await listed()).toEqual([])
    expect((await passwordStep('tess@acme.test', '2001:db8:1:2::8')).body.next).toMatchObject({ step: 'verify' })
    expect((await passwordStep('tess@acme.test', '2001:db8:1:3::8')).body.next).toMatchObject({ step: 'verify' })
    const log = await events(owner, acme, '?type=update_trusted_connection')
    expect(log[0]!.description).toContain('stopped trusting all 2 trusted locations')
  })

  it('never trusts a location where the strictest account says 0, and lets security.manage revoke a member’s location', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    await api(`/accounts/${acme}/security`, { method: 'PUT', cookie: owner, json: { requireTwoFactor: false, allowPasswordless: true, trustedLocationDays: 10 } })
    const s = await passwordStep('tess@acme.test', '203.0.113.5')
    await api('/auth/step/code', { method: 'POST', cookie: s.step!, ip: '203.0.113.5', json: { method: 'totp', code: totpCode(TESS_KEY, totpStep()), trust: true } })
    expect((await passwordStep('tess@acme.test', '203.0.113.6')).body.next).toBeNull()
    const page = await jsonOf(await api(`/accounts/${acme}/security`, { cookie: owner }), 'getAccountSecurity')
    const id = page.members.find((m) => m.user.email === 'tess@acme.test')!.factors!.trustedLocations[0]!.id
    // Another tenant cannot reach it.
    const globex = await api(`/accounts/${await accountId('Globex Partners')}/security/trusted-locations/${id}`, { method: 'DELETE', cookie: await login('owner@globex.test') })
    expect(globex.status).toBe(404)
    // The platform says never: the strictest wins at once.
    await api(`/accounts/${await accountId('Nimbus Cloud')}/security`, { method: 'PUT', cookie: await login('admin@nimbus.test'), json: { requireTwoFactor: false, allowPasswordless: true, trustedLocationDays: 0 } })
    expect((await passwordStep('tess@acme.test', '203.0.113.7')).body.next).toMatchObject({ step: 'verify', trustDays: 0 })
    expect((await api(`/accounts/${acme}/security/trusted-locations/${id}`, { method: 'DELETE', cookie: owner })).status).toBe(204)
    const log = await events(owner, acme, '?type=update_trusted_connection')
    expect(log[0]!.description).toContain('Stopped trusting 203.0.113.0/24 for tess@acme.test')
  })
})

describe('impersonation keeps the target’s factors out of reach (rule 7)', () => {
  it('refuses to show or change the target’s factors, passkeys and trusted locations, and hides them on the Security page', async () => {
    // Protects against: a support session reading or resetting someone's second factor.
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const start = await api('/impersonation', { method: 'POST', cookie: owner, json: { userId: await userId('tess@acme.test'), accountId: acme, reason: 'Helping with 2FA' } })
    expect(start.status).toBe(201)
    const calls: [string, string, unknown?][] = [
      ['GET', '/me/two-factor'],
      ['POST', '/me/two-factor/totp'],
      ['POST', '/me/two-factor/totp/confirm', { code: '123456' }],
      ['POST', '/me/two-factor/totp/disable', { password: DEMO_PASSWORD, code: '123456' }],
      ['POST', '/me/two-factor/recovery-codes', { password: DEMO_PASSWORD, code: '123456' }],
      ['DELETE', '/me/two-factor/totp/enrolment'],
      ['POST', '/me/passkeys/options'],
      ['POST', '/me/passkeys', { name: 'x', clientDataJSON: 'e30', attestationObject: 'oA' }],
      ['PATCH', '/me/passkeys/pk_x', { name: 'x' }],
      ['DELETE', '/me/passkeys/pk_x'],
      ['DELETE', '/me/trusted-locations'],
      ['DELETE', '/me/trusted-locations/tl_x'],
    ]
    for (const [method, path, json] of calls) {
      const res = await api(path, { method, cookie: owner, json })
      expect(res.status, `${method} ${path}`).toBe(403)
      expect((await problem(res)).code, `${method} ${path}`).toBe('impersonation_restricted')
    }
    expect(await env.DB.prepare('SELECT count(*) AS n FROM totp_factors WHERE user_id = ?').bind(await userId('tess@acme.test')).first('n')).toBe(1)
  })

  it('hides the target’s own row on the Security page the target may view', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const owner = await login('owner@acme.test')
    const start = await api('/impersonation', { method: 'POST', cookie: owner, json: { userId: await userId('owner@bluebird.test'), accountId: bluebird, reason: 'Checking security' } })
    expect(start.status).toBe(201)
    const page = await jsonOf(await api(`/accounts/${bluebird}/security`, { cookie: owner }), 'getAccountSecurity')
    expect(page.members.find((m) => m.user.email === 'owner@bluebird.test')!.factors).toBeNull()
    expect(page.members.find((m) => m.user.email === 'sam@freelance.test')!.factors).toMatchObject({ totp: false })
  })
})

describe('passkeys', () => {
  async function register(cookie: string, name = 'Laptop') {
    const auth = await softAuthenticator()
    const options = await jsonOf(await api('/me/passkeys/options', { method: 'POST', cookie }), 'passkeyCreationOptions')
    expect(options.rp.id).toBe('localhost')
    const res = await api('/me/passkeys', { method: 'POST', cookie, json: { name, ...(await auth.register(options)) } })
    expect(res.status).toBe(201)
    return { auth, passkey: await jsonOf(res, 'registerPasskey')}
  }

  it('registers several with names, renames and removes them; ids of other logins answer 404', async () => {
    const cookie = await login('tom@acme.test')
    const a = await register(cookie, 'Laptop')
    await register(cookie, 'Phone')
    expect((await api(`/me/passkeys/${a.passkey.id}`, { method: 'PATCH', cookie, json: { name: 'Work laptop' } })).status).toBe(204)
    const list = await jsonOf(await api('/me/two-factor', { cookie }), 'getTwoFactor')
    expect(list.passkeys.map((p) => p.name)).toEqual(['Work laptop', 'Phone'])
    const stranger = await login('owner@globex.test')
    expect((await api(`/me/passkeys/${a.passkey.id}`, { method: 'DELETE', cookie: stranger })).status).toBe(404)
    expect((await api(`/me/passkeys/${a.passkey.id}`, { method: 'PATCH', cookie: stranger, json: { name: 'Mine' } })).status).toBe(404)
    expect((await api(`/me/passkeys/${a.passkey.id}`, { method: 'DELETE', cookie })).status).toBe(204)
    const blank = await api(`/me/passkeys/${a.passkey.id}`, { method: 'PATCH', cookie, json: { name: '  ' } })
    expect(await problem(blank)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'name' }] })
  })

  it('refuses a registration for another origin, another relying party, without user verification, or with a used challenge', async () => {
    // Protects against: a phishing site relaying a ceremony, and replayed registrations.
    const cookie = await login('tom@acme.test')
    const options = async () => await jsonOf(await api('/me/passkeys/options', { method: 'POST', cookie }), 'passkeyCreationOptions')
    const auth = await softAuthenticator()
    for (const opts of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }, { userVerified: false }]) {
      const res = await api('/me/passkeys', { method: 'POST', cookie, json: { name: 'x', ...(await auth.register(await options(), opts)) } })
      expect((await problem(res)).code, JSON.stringify(opts)).toBe('passkey_invalid')
    }
    const o = await options()
    const body = { name: 'x', ...(await auth.register(o)) }
    expect((await api('/me/passkeys', { method: 'POST', cookie, json: body })).status).toBe(201)
    expect((await problem(await api('/me/passkeys', { method: 'POST', cookie, json: body }))).code).toBe('passkey_invalid')
    // Someone else's challenge does not register a passkey to them or to us.
    const other = await login('sarah@acme.test')
    const theirs = await jsonOf(await api('/me/passkeys/options', { method: 'POST', cookie: other }), 'passkeyCreationOptions')
    const stolen = await api('/me/passkeys', { method: 'POST', cookie, json: { name: 'y', ...(await (await softAuthenticator()).register(theirs)) } })
    expect((await problem(stolen)).code).toBe('passkey_invalid')
    // Garbage never 500s.
    const junk = await api('/me/passkeys', { method: 'POST', cookie, json: { name: 'z', clientDataJSON: 'e30', attestationObject: 'oA' } })
    expect((await problem(junk)).code).toBe('passkey_invalid')
  })

  it('is a second factor after the password, verified with the real signature, and a replayed assertion is refused', async () => {
    const cookie = await login('tom@acme.test')
    const { auth } = await register(cookie)
    const step = await passwordStep('tom@acme.test')
    expect(step.body.next).toMatchObject({ step: 'verify', methods: ['passkey'] })
    const options = await jsonOf(await api('/auth/step/passkey-options', { method: 'POST', cookie: step.step! }), 'signInStepPasskeyOptions')
    expect(options.allowCredentials).toHaveLength(1)
    const assertion = await auth.assert(options)
    // A tampered signature fails.
    const tampered = await api('/auth/step/passkey', { method: 'POST', cookie: step.step!, json: { ...assertion, authenticatorData: (await auth.assert(options)).authenticatorData } })
    expect((await problem(tampered)).code).toBe('passkey_invalid')
    const options2 = await jsonOf(await api('/auth/step/passkey-options', { method: 'POST', cookie: step.step! }), 'signInStepPasskeyOptions')
    const good = await auth.assert(options2)
    const res = await api('/auth/step/passkey', { method: 'POST', cookie: step.step!, json: good })
    expect(res.status).toBe(200)
    expect((await api('/me', { cookie: sessionCookieFrom(res) })).status).toBe(200)
    const next = await passwordStep('tom@acme.test')
    const replay = await api('/auth/step/passkey', { method: 'POST', cookie: next.step!, json: good })
    expect((await problem(replay)).code).toBe('passkey_invalid')
  })

  it('signs in without a password where every account allows it, and not where an ancestor forbids it', async () => {
    const cookie = await login('tom@acme.test')
    const { auth } = await register(cookie)
    const options = async () => await jsonOf(await api('/auth/passkey-options', { method: 'POST' }), 'passwordlessOptions')
    const res = await api('/auth/passkey', { method: 'POST', json: await auth.assert(await options()) })
    expect(res.status).toBe(200)
    expect(await (await api('/me', { cookie: sessionCookieFrom(res) })).json()).toMatchObject({ user: { email: 'tom@acme.test' } })

    await api(`/accounts/${await accountId('Nimbus Cloud')}/security`, { method: 'PUT', cookie: await login('admin@nimbus.test'), json: { requireTwoFactor: false, allowPasswordless: false, trustedLocationDays: null } })
    const refused = await api('/auth/passkey', { method: 'POST', json: await auth.assert(await options()) })
    expect((await problem(refused)).code).toBe('passwordless_not_allowed')
    // A second-factor challenge is not a passwordless one.
    const step = await passwordStep('tom@acme.test')
    const o = await jsonOf(await api('/auth/step/passkey-options', { method: 'POST', cookie: step.step! }), 'signInStepPasskeyOptions')
    expect((await problem(await api('/auth/passkey', { method: 'POST', json: await auth.assert(o) }))).code).toBe('passkey_invalid')
  })

  it('can be the factor a required-2FA member sets up during sign-in, with a challenge bound to that step', async () => {
    await api(`/accounts/${await accountId('Acme Hosting')}/security`, { method: 'PUT', cookie: await login('owner@acme.test'), json: { requireTwoFactor: true, allowPasswordless: true, trustedLocationDays: null } })
    const step = await passwordStep('billie@acme.test')
    expect(step.body.next).toMatchObject({ step: 'enrol' })
    const auth = await softAuthenticator()
    // A challenge of someone's session is not one of this step.
    const foreign = await jsonOf(await api('/me/passkeys/options', { method: 'POST', cookie: await login('owner@globex.test') }), 'passkeyCreationOptions')
    const wrong = await api('/auth/step/enrol/passkey', { method: 'POST', cookie: step.step!, json: { name: 'Phone', ...(await auth.register(foreign)) } })
    expect((await problem(wrong)).code).toBe('passkey_invalid')
    const options = await jsonOf(await api('/auth/step/enrol/passkey-options', { method: 'POST', cookie: step.step! }), 'signInEnrolPasskeyOptions')
    const done = await api('/auth/step/enrol/passkey', { method: 'POST', cookie: step.step!, json: { name: 'Phone', ...(await auth.register(options)) } })
    expect(done.status).toBe(200)
    expect((await api('/me', { cookie: sessionCookieFrom(done) })).status).toBe(200)
    // From now on the passkey is asked for.
    expect((await passwordStep('billie@acme.test')).body.next).toMatchObject({ step: 'verify', methods: ['passkey'] })
  })

  it('offers no passkey ceremony on a hostname that is not the portal’s', async () => {
    // Protects against: a forged Host making us a relying party for someone else's domain.
    const res = await api('/auth/passkey-options', { method: 'POST', headers: { host: 'evil.example', origin: 'http://evil.example' } })
    expect([400, 403]).toContain(res.status)
  })
})

describe('the daily clean-up', () => {
  it('forgets sign-in steps, pending enrolments, challenges and trusted locations past their end, and keeps the live ones', async () => {
    const { createDb } = await import('../../../worker/src/db.ts')
    const { pruneTwoFactor } = await import('../../../worker/src/domain/two-factor.ts')
    const tess = await userId('tess@acme.test')
    const now = Date.now()
    await env.DB.batch([
      env.DB.prepare("INSERT INTO sign_in_steps (id, secret_hash, user_id, kind, created_at, expires_at) VALUES ('old', 'x', ?, 'verify', 0, ?), ('live', 'y', ?, 'verify', 0, ?)").bind(tess, now - 1, tess, now + 60_000),
      env.DB.prepare("INSERT INTO webauthn_challenges (challenge_hash, purpose, expires_at) VALUES ('old', 'passwordless', ?), ('live', 'passwordless', ?)").bind(now - 1, now + 60_000),
      env.DB.prepare("INSERT INTO trusted_locations (id, user_id, network, created_at, last_used_at, expires_at) VALUES ('old', ?, '10.0.0.0/24', 0, 0, ?), ('live', ?, '10.0.1.0/24', 0, 0, ?)").bind(tess, now - 1, tess, now + 60_000),
      env.DB.prepare("INSERT INTO totp_enrolments (user_id, secret, created_at, expires_at) VALUES (?, 'v1.x.y', 0, ?)").bind(tess, now - 1),
    ])
    await pruneTwoFactor(createDb(env.DB), now)
    for (const table of ['sign_in_steps', 'trusted_locations']) {
      expect((await env.DB.prepare(`SELECT id FROM ${table}`).all<{ id: string }>()).results.map((r) => r.id)).toEqual(['live'])
    }
    expect((await env.DB.prepare('SELECT challenge_hash AS id FROM webauthn_challenges').all<{ id: string }>()).results.map((r) => r.id)).toEqual(['live'])
    expect(await env.DB.prepare('SELECT count(*) AS n FROM totp_enrolments').first('n')).toBe(0)
  })
})
