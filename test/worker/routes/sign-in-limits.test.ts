import { env } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { sha256Hex } from '../../../worker/src/crypto/tokens.ts'
import { SIGN_IN_LIMITS } from '../../../worker/src/domain/sign-in-limits.ts'
import { purgeDeletedAccounts } from '../../../worker/src/scheduled.ts'
import { api, DEMO_PASSWORD, login, problem } from '../../helpers/client.ts'

// Rule 16: failed sign-ins slow the guesser (per account, per IP, IPv6 per /64);
// the right person with the right password still gets in.

const DEVICE_COOKIE = 'trellis_device'

function signIn(email: string, password: string, ip: string, device?: string) {
  return api('/auth/login', { method: 'POST', json: { email, password }, ip, headers: device ? { cookie: device } : {} })
}

/** The `trellis_device=…` pair a sign-in set. */
function deviceCookieFrom(res: Response) {
  const line = res.headers.getSetCookie().find((l) => l.startsWith(`${DEVICE_COOKIE}=`))
  if (!line) throw new Error(`no device cookie in ${res.headers.getSetCookie().join(' | ')}`)
  return { pair: line.split(';')[0]!, line }
}

const retryAfter = (res: Response) => Number(res.headers.get('retry-after'))

afterEach(() => {
  vi.useRealTimers()
})

describe('known devices', () => {
  it('sets a long-lived HttpOnly device cookie on a successful sign-in, and keeps only a hash of its secret', async () => {
    const res = await signIn('tom@acme.test', DEMO_PASSWORD, '10.40.0.1')
    expect(res.status).toBe(200)
    const { pair, line } = deviceCookieFrom(res)
    expect(line).toMatch(/HttpOnly/)
    expect(line).toMatch(/SameSite=Lax/)
    expect(line).toMatch(/Path=\//)
    const expires = new Date(/Expires=([^;]+)/.exec(line)![1]!).getTime()
    expect(expires).toBeGreaterThan(Date.now() + 180 * 24 * 3600 * 1000)
    const [id, secret] = pair.slice(`${DEVICE_COOKIE}=`.length).split('.')
    const row = await env.DB.prepare('SELECT * FROM known_devices WHERE id = ?').bind(id).first<Record<string, unknown>>()
    expect(row!.secret_hash).toBe(sha256Hex(secret!))
    expect(Object.values(row!)).not.toContain(secret)
  })

  it('lets the right person in from a known device while an attacker has burned the account’s and the IP’s counters', async () => {
    // Protects against: an attacker locking the owner out of their own account by failing on purpose (unauthenticated lockout).
    const home = '10.41.0.1'
    const first = await signIn('owner@acme.test', DEMO_PASSWORD, home)
    expect(first.status).toBe(200)
    const device = deviceCookieFrom(first).pair

    // Guesses at the owner's account from many addresses burn the account-wide counter …
    for (let i = 0; i < SIGN_IN_LIMITS.account.free + 2; i++) await signIn('owner@acme.test', 'wrong-guess', `10.42.0.${i}`)
    // … guesses at many accounts from the owner's own address burn that address's counter …
    for (let i = 0; i < SIGN_IN_LIMITS.client.free + 2; i++) await signIn(`victim${i}@example.test`, 'wrong-guess', home)
    // … and guesses from there at the owner's account burn that pair.
    for (let i = 0; i < SIGN_IN_LIMITS.pair.free + 2; i++) await signIn('owner@acme.test', 'wrong-guess', home)

    // A browser that never signed in here waits, even with the right password.
    const stranger = await signIn('owner@acme.test', DEMO_PASSWORD, home)
    expect(stranger.status).toBe(429)
    expect(retryAfter(stranger)).toBeGreaterThan(0)
    expect((await problem(stranger)).code).toBe('rate_limited')
    // The owner's own browser does not.
    const owner = await signIn('owner@acme.test', DEMO_PASSWORD, home, device)
    expect(owner.status).toBe(200)
    // From another address as well.
    expect((await signIn('owner@acme.test', DEMO_PASSWORD, '10.43.0.1', device)).status).toBe(200)
  })

  it('does not treat one person’s device cookie as a known device of another login', async () => {
    const ip = '10.44.0.1'
    const device = deviceCookieFrom(await signIn('tom@acme.test', DEMO_PASSWORD, ip)).pair
    for (let i = 0; i < SIGN_IN_LIMITS.account.free; i++) await signIn('sarah@acme.test', 'wrong-guess', `10.45.0.${i}`)
    expect((await signIn('sarah@acme.test', DEMO_PASSWORD, ip, device)).status).toBe(429)
  })

  it('still slows a known device by its own failures', async () => {
    const ip = '10.46.0.1'
    const device = deviceCookieFrom(await signIn('tom@acme.test', DEMO_PASSWORD, ip)).pair
    const statuses = []
    for (let i = 0; i < SIGN_IN_LIMITS.device.free + 1; i++) statuses.push((await signIn('tom@acme.test', 'wrong-guess', ip, device)).status)
    expect(statuses).toEqual([...Array(SIGN_IN_LIMITS.device.free).fill(401), 429])
  })

  it('ignores a forged device cookie', async () => {
    const ip = '10.47.0.1'
    const real = deviceCookieFrom(await signIn('tom@acme.test', DEMO_PASSWORD, ip)).pair
    const forged = `${real.split('.')[0]}.${'a'.repeat(24)}`
    for (let i = 0; i < SIGN_IN_LIMITS.account.free; i++) await signIn('tom@acme.test', 'wrong-guess', `10.48.0.${i}`)
    expect((await signIn('tom@acme.test', DEMO_PASSWORD, ip, forged)).status).toBe(429)
    expect((await signIn('tom@acme.test', DEMO_PASSWORD, ip, real)).status).toBe(200)
  })
})

describe('the penalty falls on the failing side', () => {
  it('lets a colleague behind the same NAT address sign in after one person’s 20 typos', async () => {
    // Protects against: one person's typos locking a whole office (one public IP) out.
    const office = '10.50.0.1'
    const typist: number[] = []
    for (let i = 0; i < 20; i++) typist.push((await signIn('tom@acme.test', 'tpyo-password', office)).status)
    expect(typist.slice(0, SIGN_IN_LIMITS.pair.free)).toEqual(Array(SIGN_IN_LIMITS.pair.free).fill(401))
    expect(typist.at(-1)).toBe(429)
    // Neither browser has signed in before.
    expect((await signIn('sarah@acme.test', DEMO_PASSWORD, office)).status).toBe(200)
    expect((await signIn('billie@acme.test', DEMO_PASSWORD, office)).status).toBe(200)
  })

  it('gives the guesser growing Retry-After values, up to 15 minutes, and checks no password meanwhile', async () => {
    // Protects against: unlimited online guessing at one account from one client.
    vi.useFakeTimers({ toFake: ['Date'] })
    const ip = '10.51.0.1'
    for (let i = 0; i < SIGN_IN_LIMITS.pair.free; i++) expect((await signIn('tom@acme.test', 'wrong-guess', ip)).status).toBe(401)
    const waits: number[] = []
    for (let round = 0; round < 12; round++) {
      const refused = await signIn('tom@acme.test', DEMO_PASSWORD, ip) // even the right password waits
      expect(refused.status).toBe(429)
      expect(refused.headers.get('set-cookie')).toBeNull()
      waits.push(retryAfter(refused))
      vi.setSystemTime(Date.now() + retryAfter(refused) * 1000 + 1)
      expect((await signIn('tom@acme.test', 'wrong-guess', ip)).status).toBe(401)
    }
    for (let i = 1; i < waits.length; i++) expect(waits[i]!, `wait ${i}: ${waits}`).toBeGreaterThanOrEqual(waits[i - 1]!)
    expect(waits[1]!).toBeGreaterThan(waits[0]!)
    expect(waits[2]!).toBeGreaterThan(waits[1]!)
    expect(waits[0]!).toBeLessThanOrEqual(5)
    expect(Math.max(...waits)).toBe(15 * 60)
    // After the wait the right password works, and the client's counter starts over.
    vi.setSystemTime(Date.now() + 15 * 60 * 1000 + 1)
    expect((await signIn('tom@acme.test', DEMO_PASSWORD, ip)).status).toBe(200)
    expect((await signIn('tom@acme.test', 'wrong-guess', ip)).status).toBe(401)
  })

  it('lets no more than the free attempts through when one client races guesses at one account', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => signIn('tom@acme.test', 'wrong-guess', '10.53.0.1')))
    const statuses = answers.map((r) => r.status)
    expect(statuses.filter((s) => s === 401)).toHaveLength(SIGN_IN_LIMITS.pair.free)
    expect(statuses.filter((s) => s === 429)).toHaveLength(12 - SIGN_IN_LIMITS.pair.free)
  })

  it('counts IPv6 clients per /64', async () => {
    // Protects against: one host rotating through its /64 to get fresh guesses.
    const prefix = '2001:db8:1:2'
    for (let i = 0; i < SIGN_IN_LIMITS.pair.free; i++) {
      expect((await signIn('tom@acme.test', 'wrong-guess', `${prefix}:${(i + 1).toString(16)}::${i + 7}`)).status).toBe(401)
    }
    expect((await signIn('tom@acme.test', 'wrong-guess', `${prefix}:ffff:ffff:ffff:ffff`)).status).toBe(429)
    expect((await signIn('tom@acme.test', 'wrong-guess', '2001:DB8:1:2::abcd')).status).toBe(429)
    // The next /64 is another client.
    expect((await signIn('tom@acme.test', 'wrong-guess', '2001:db8:1:3::1')).status).toBe(401)
  })

  it('slows unknown devices at an address that guesses at many accounts (password spraying), not other addresses', async () => {
    const sprayer = '10.52.0.1'
    for (let i = 0; i < SIGN_IN_LIMITS.client.free; i++) expect((await signIn(`person${i}@example.test`, 'Summer2026!', sprayer)).status).toBe(401)
    expect((await signIn('person-next@example.test', 'Summer2026!', sprayer)).status).toBe(429)
    expect((await signIn('tom@acme.test', DEMO_PASSWORD, '10.52.0.2')).status).toBe(200)
  })
})

describe('current-password checks on /me', () => {
  it('slows wrong current passwords per user, across sessions, with a growing Retry-After', async () => {
    // Protects against: a stolen session guessing the password it needs to change the email or password.
    vi.useFakeTimers({ toFake: ['Date'] })
    const a = await login('tom@acme.test')
    const b = await login('tom@acme.test')
    const change = (cookie: string, currentPassword: string) =>
      api('/me/password', { method: 'POST', cookie, json: { currentPassword, newPassword: 'quiet-harbour-lantern-93' } })
    for (let i = 0; i < SIGN_IN_LIMITS.reauth.free; i++) expect((await change(i % 2 ? a : b, 'wrong-guess')).status).toBe(403)
    const first = await change(a, DEMO_PASSWORD)
    expect(first.status).toBe(429)
    expect((await problem(first)).code).toBe('rate_limited')
    // The email change asks the same question and shares the counter.
    const email = await api('/me', { method: 'PATCH', cookie: b, json: { email: 'tom.new@example.test', currentPassword: 'wrong-guess' } })
    expect(email.status).toBe(429)
    vi.setSystemTime(Date.now() + retryAfter(first) * 1000 + 1)
    expect((await change(b, 'wrong-guess')).status).toBe(403)
    const second = await change(a, DEMO_PASSWORD)
    expect(second.status).toBe(429)
    expect(retryAfter(second)).toBeGreaterThan(retryAfter(first))
    vi.setSystemTime(Date.now() + retryAfter(second) * 1000 + 1)
    expect((await change(a, DEMO_PASSWORD)).status).toBe(204)
  })
})

describe('the daily clean-up', () => {
  it('forgets counters quiet for a day and devices past their expiry, and nothing newer', async () => {
    // Protects against: guesses at made-up emails filling D1 forever.
    const DAY = 24 * 60 * 60 * 1000
    await signIn('tom@acme.test', DEMO_PASSWORD, '10.60.0.1')
    for (let i = 0; i < 3; i++) await signIn(`made-up-${i}@example.test`, 'wrong-guess', '10.60.0.2')
    const count = async (table: string) => (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n
    expect(await count('throttles')).toBeGreaterThan(0)
    await purgeDeletedAccounts(env, Date.now() + DAY / 2)
    expect(await count('throttles')).toBeGreaterThan(0)
    await purgeDeletedAccounts(env, Date.now() + DAY + 60_000)
    expect(await count('throttles')).toBe(0)
    expect(await count('known_devices')).toBe(1)
    await purgeDeletedAccounts(env, Date.now() + 366 * DAY)
    expect(await count('known_devices')).toBe(0)
  })
})
