import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { accountId, api, DEMO_PASSWORD, jsonOf, login, problem } from '../../helpers/client.ts'
import { createUser } from '../../helpers/factories.ts'

const DAY = 24 * 60 * 60 * 1000
const sessionIdOf = (cookie: string) => cookie.slice('trellis_session='.length).split('.')[0]!

async function userId(email: string) {
  const row = await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first<{ id: string }>()
  return row!.id
}

async function emailsTo(to: string) {
  const { results } = await env.DB.prepare('SELECT subject, text, html FROM email_outbox WHERE "to" = ? ORDER BY created_at').bind(to).all<{ subject: string; text: string; html: string }>()
  return results
}

const changePassword = (cookie: string, currentPassword: string, newPassword: string) =>
  api('/me/password', { method: 'POST', cookie, json: { currentPassword, newPassword } })

describe('a credential change ends the other sessions (rule 15)', () => {
  it('signs out every other session of the user after a password change, and keeps the current one', async () => {
    // Protects against: a thief's stolen session surviving the victim's password change.
    const here = await login('tom@acme.test')
    const laptop = await login('tom@acme.test')
    const phone = await login('tom@acme.test')
    const bystander = await login('sarah@acme.test')
    expect((await changePassword(here, DEMO_PASSWORD, 'quiet-harbour-lantern-93')).status).toBe(204)

    expect((await api('/me', { cookie: here })).status).toBe(200)
    for (const other of [laptop, phone]) {
      const res = await api('/me', { cookie: other })
      expect(res.status).toBe(401)
      expect((await problem(res)).code).toBe('unauthenticated')
    }
    const left = await env.DB.prepare('SELECT id FROM sessions WHERE user_id = ?').bind(await userId('tom@acme.test')).all<{ id: string }>()
    expect(left.results.map((r) => r.id)).toEqual([sessionIdOf(here)])
    // Nobody else is touched.
    expect((await api('/me', { cookie: bystander })).status).toBe(200)
    // The new password is the one that works.
    await login('tom@acme.test', 'quiet-harbour-lantern-93')
  })

  it('ends an impersonation that one of those other sessions was running, and records its end', async () => {
    // Protects against: a support session outliving its impersonator's credential change.
    const support = await login('owner@acme.test')
    const start = await api('/impersonation', {
      method: 'POST',
      cookie: support,
      json: { userId: await userId('tom@acme.test'), accountId: await accountId('Acme Hosting'), reason: 'Ticket 5120 about the mailbox' },
    })
    expect(start.status).toBe(201)
    const here = await login('owner@acme.test')
    expect((await changePassword(here, DEMO_PASSWORD, 'amber-canyon-violin-27')).status).toBe(204)

    expect((await api('/me', { cookie: support })).status).toBe(401)
    const imp = await env.DB.prepare("SELECT ended_at, end_reason FROM impersonations WHERE reason = 'Ticket 5120 about the mailbox'").first<{ ended_at: number | null; end_reason: string }>()
    expect(imp!.ended_at).not.toBeNull()
    expect(imp!.end_reason).toBe('logout')
    const acme = await accountId('Acme Hosting')
    const events = await jsonOf(await api(`/accounts/${acme}/activity?type=impersonation_end&q=5120`, { cookie: here }), 'listActivity')
    expect(events.items).toHaveLength(1)
    expect(events.items[0]!.description).toContain('password')
  })

  it('signs out the other sessions once an email change is confirmed, and tells the old address', async () => {
    // Protects against: a hijacker quietly moving a login to their own address while the owner stays unaware.
    const here = await login('billie@acme.test')
    const other = await login('billie@acme.test')
    const res = await api('/me', { method: 'PATCH', cookie: here, json: { email: 'billie.new@example.test', currentPassword: DEMO_PASSWORD } })
    expect(res.status).toBe(200)
    const link = /\/verify-email\/([a-z2-7]+)/.exec((await emailsTo('billie.new@example.test'))[0]!.text)![1]!
    expect((await api(`/auth/verify-email/${link}`, { method: 'POST', cookie: here })).status).toBe(200)
    expect((await api('/me', { cookie: here })).status).toBe(200)
    expect((await api('/me', { cookie: other })).status).toBe(401)

    const told = await emailsTo('billie@acme.test')
    expect(told).toHaveLength(1)
    expect(told[0]!.subject).toMatch(/email/i)
    expect(told[0]!.text).toContain('billie.new@example.test')
    // Its links come from configuration too: Acme's verified portal.
    expect(told[0]!.text).toContain('http://acme.localhost:8787')
  })

  it('leaves the other sessions alone when only the name changes', async () => {
    const here = await login('tom@acme.test')
    const other = await login('tom@acme.test')
    expect((await api('/me', { method: 'PATCH', cookie: here, json: { name: 'Tom B.' } })).status).toBe(200)
    expect((await api('/me', { cookie: other })).status).toBe(200)
  })

  it('does not sign anyone out when the current password is wrong', async () => {
    const here = await login('tom@acme.test')
    const other = await login('tom@acme.test')
    expect((await changePassword(here, 'not-my-password', 'quiet-harbour-lantern-93')).status).toBe(403)
    expect((await api('/me', { cookie: other })).status).toBe(200)
  })
})

describe('absolute session lifetime', () => {
  it('refuses a session older than SESSION_MAX_DAYS even though it was used every day', async () => {
    // Protects against: a stolen session kept alive forever by sliding expiry.
    const cookie = await login('tom@acme.test')
    const id = sessionIdOf(cookie)
    const maxDays = Number(env.SESSION_MAX_DAYS)
    expect(maxDays).toBeGreaterThan(0)
    // Created past the absolute lifetime, yet its idle expiry is still days away (it was used yesterday).
    await env.DB.prepare('UPDATE sessions SET created_at = ?, expires_at = ? WHERE id = ?')
      .bind(Date.now() - maxDays * DAY - 60_000, Date.now() + 3 * DAY, id)
      .run()
    const res = await api('/me', { cookie })
    expect(res.status).toBe(401)
    expect(await env.DB.prepare('SELECT id FROM sessions WHERE id = ?').bind(id).first()).toBeNull()
  })

  it('never slides a session past its absolute end', async () => {
    const cookie = await login('tom@acme.test')
    const id = sessionIdOf(cookie)
    const maxDays = Number(env.SESSION_MAX_DAYS)
    const created = Date.now() - (maxDays - 1) * DAY
    await env.DB.prepare('UPDATE sessions SET created_at = ?, expires_at = ? WHERE id = ?').bind(created, Date.now() + 60 * 60 * 1000, id).run()
    expect((await api('/me', { cookie })).status).toBe(200)
    const row = await env.DB.prepare('SELECT expires_at FROM sessions WHERE id = ?').bind(id).first<{ expires_at: number }>()
    expect(row!.expires_at).toBeLessThanOrEqual(created + maxDays * DAY)
  })

  it('gives a new session an idle expiry within its absolute lifetime', async () => {
    const user = await createUser({ password: 'copper-kettle-48-meadow' })
    const res = await api('/auth/login', { method: 'POST', json: { email: user.email, password: 'copper-kettle-48-meadow' }, ip: '10.66.0.1' })
    expect(res.status).toBe(200)
    const row = await env.DB.prepare('SELECT created_at, expires_at FROM sessions WHERE user_id = ?').bind(user.id).first<{ created_at: number; expires_at: number }>()
    expect(row!.expires_at - row!.created_at).toBe(Math.min(Number(env.SESSION_TTL_DAYS), Number(env.SESSION_MAX_DAYS)) * DAY)
  })
})

describe('impersonation leaves the target’s profile alone (rule 7)', () => {
  it('refuses every PATCH /me while impersonating, a name change included', async () => {
    // Protects against: an impersonator renaming a login that other tenants see (e.g. a shared secondary user).
    const owner = await login('owner@acme.test')
    const start = await api('/impersonation', {
      method: 'POST',
      cookie: owner,
      json: { userId: await userId('sam@freelance.test'), accountId: await accountId('Bluebird Bakery'), reason: 'Helping with the bakery site' },
    })
    expect(start.status).toBe(201)
    const before = await env.DB.prepare("SELECT name, email, updated_at FROM users WHERE email = 'sam@freelance.test'").first()

    for (const body of [{ name: 'Renamed by the partner' }, { name: 'Sam' }, {}]) {
      const res = await api('/me', { method: 'PATCH', cookie: owner, json: body })
      expect(res.status, JSON.stringify(body)).toBe(403)
      expect((await problem(res)).code).toBe('impersonation_restricted')
    }
    expect(await env.DB.prepare("SELECT name, email, updated_at FROM users WHERE email = 'sam@freelance.test'").first()).toEqual(before)
    const pw = await api('/me/password', { method: 'POST', cookie: owner, json: { currentPassword: DEMO_PASSWORD, newPassword: 'quiet-harbour-lantern-93' } })
    expect(pw.status).toBe(403)
    expect((await problem(pw)).code).toBe('impersonation_restricted')
  })
})
