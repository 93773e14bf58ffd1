import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { accountId, api, login, membershipId, problem, jsonOf } from '../../helpers/client.ts'

type SessionItem = { id: string; current: boolean; device: { label: string }; ip: string | null; place: { country: string | null; city: string | null } | null; lastSeenAt: number | null }
const sessionIdOf = (cookie: string) => cookie.slice('trellis_session='.length).split('.')[0]!
const list = async (cookie: string) => (await jsonOf(await api('/me/sessions', { cookie }), 'listMySessions')).items

async function loginWith(email: string, headers: Record<string, string>) {
  const res = await api('/auth/login', { method: 'POST', json: { email, password: 'trellis-demo' }, headers, ip: `10.66.${Math.floor(Math.random() * 250)}.4` })
  expect(res.status).toBe(200)
  return /trellis_session=([^;]*)/.exec(res.headers.get('set-cookie')!)![0]
}

describe('GET /api/v1/me/sessions', () => {
  it('lists the login\'s sessions with device, address and place, marking this one', async () => {
    const here = await loginWith('tom@acme.test', {
      'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      'x-trellis-client-country': 'DE',
      'x-trellis-client-city': 'Berlin',
    })
    const phone = await loginWith('tom@acme.test', { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1' })
    await login('sarah@acme.test')
    const items = await list(here)
    expect(items).toHaveLength(2)
    const mine = items.find((s) => s.current)!
    expect(mine.id).toBe(sessionIdOf(here))
    expect(mine.device.label).toBe('Chrome on macOS')
    expect(mine.place).toEqual({ country: 'DE', city: 'Berlin' })
    expect(mine.ip).toMatch(/^10\.66\./)
    const other = items.find((s) => !s.current)!
    expect(other.id).toBe(sessionIdOf(phone))
    expect(other.device.label).toBe('Safari on iPhone')
  })
})

describe('ending sessions', () => {
  it('signs out one other session, which then answers 401, and records session_ended', async () => {
    const here = await login('tom@acme.test')
    const laptop = await login('tom@acme.test')
    const res = await api(`/me/sessions/${sessionIdOf(laptop)}`, { method: 'DELETE', cookie: here })
    expect(res.status).toBe(204)
    expect((await api('/me', { cookie: laptop })).status).toBe(401)
    expect((await api('/me', { cookie: here })).status).toBe(200)
    const owner = await login('owner@acme.test')
    const events = await jsonOf(await api(`/accounts/${await accountId('Acme Hosting')}/activity?type=session_ended`, { cookie: owner }), 'listActivity')
    expect(events.items).toHaveLength(1)
  })

  it('answers 404 for another login\'s session id and leaves it alone', async () => {
    // Protects against: signing other people out by guessing or reading their session ids.
    const here = await login('tom@acme.test')
    const theirs = await login('sarah@acme.test')
    const res = await api(`/me/sessions/${sessionIdOf(theirs)}`, { method: 'DELETE', cookie: here })
    expect(res.status).toBe(404)
    expect((await api('/me', { cookie: theirs })).status).toBe(200)
  })

  it('signs out everywhere else and keeps this session', async () => {
    const here = await login('tom@acme.test')
    const a = await login('tom@acme.test')
    const b = await login('tom@acme.test')
    const res = await api('/me/sessions/end-others', { method: 'POST', cookie: here })
    expect(await res.json()).toEqual({ ended: 2 })
    for (const cookie of [a, b]) expect((await api('/me', { cookie })).status).toBe(401)
    expect((await list(here)).map((s) => s.id)).toEqual([sessionIdOf(here)])
  })

  it('refuses the sessions list while impersonating', async () => {
    const owner = await login('owner@acme.test')
    const tom = await env.DB.prepare("SELECT id FROM users WHERE email = 'tom@acme.test'").first<{ id: string }>()
    const started = await api('/impersonation', { method: 'POST', cookie: owner, json: { userId: tom!.id, accountId: await accountId('Acme Hosting'), reason: 'Checking the sessions page' } })
    expect(started.status).toBe(201)
    const res = await api('/me/sessions', { cookie: owner })
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('impersonation_restricted')
  })
})

describe('POST /api/v1/accounts/{id}/members/{memberId}/sessions/end', () => {
  it('lets an owner (security.manage) sign a lower member out everywhere, as an event', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const tom1 = await login('tom@acme.test')
    const tom2 = await login('tom@acme.test')
    const res = await api(`/accounts/${acme}/members/${await membershipId('tom@acme.test', 'Acme Hosting')}/sessions/end`, { method: 'POST', cookie: owner })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ended: 2 })
    for (const cookie of [tom1, tom2]) expect((await api('/me', { cookie })).status).toBe(401)
    const events = await jsonOf(await api(`/accounts/${acme}/activity?type=session_ended`, { cookie: owner }), 'listActivity')
    expect(events.items[0]!.description).toMatch(/signed tom@acme\.test out everywhere/)
  })

  it('lets a parent reseller\'s owner sign out a customer\'s owner, but not the other way round', async () => {
    const customer = await env.DB.prepare("SELECT a.id, u.email FROM accounts a JOIN memberships m ON m.account_id = a.id JOIN users u ON u.id = m.user_id WHERE a.kind = 'customer' AND m.level = 'owner' AND a.path LIKE (SELECT path FROM accounts WHERE name = 'Acme Hosting') || '%' LIMIT 1").first<{ id: string; email: string }>()
    const owner = await login('owner@acme.test')
    const memberId = await env.DB.prepare('SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.account_id = ? AND u.email = ?').bind(customer!.id, customer!.email).first<{ id: string }>()
    const down = await api(`/accounts/${customer!.id}/members/${memberId!.id}/sessions/end`, { method: 'POST', cookie: owner })
    expect(down.status).toBe(200)
    const up = await api(`/accounts/${await accountId('Acme Hosting')}/members/${await membershipId('owner@acme.test', 'Acme Hosting')}/sessions/end`, { method: 'POST', cookie: await login(customer!.email) })
    expect(up.status).toBe(404)
  })

  it('refuses members without security.manage, and anyone at or above one\'s own level', async () => {
    const acme = await accountId('Acme Hosting')
    // Sarah is an admin without security.manage.
    const sarah = await login('sarah@acme.test')
    const refused = await api(`/accounts/${acme}/members/${await membershipId('tom@acme.test', 'Acme Hosting')}/sessions/end`, { method: 'POST', cookie: sarah })
    expect(refused.status).toBe(403)
    expect((await problem(refused)).code).toBe('forbidden')
    const owner = await login('owner@acme.test')
    const self = await api(`/accounts/${acme}/members/${await membershipId('owner@acme.test', 'Acme Hosting')}/sessions/end`, { method: 'POST', cookie: owner })
    expect(self.status).toBe(403)
    expect((await api('/me', { cookie: owner })).status).toBe(200)
  })

  it('answers 404 to a sibling tenant and for a member of another account', async () => {
    const acme = await accountId('Acme Hosting')
    const globex = await login('owner@globex.test')
    const res = await api(`/accounts/${acme}/members/${await membershipId('tom@acme.test', 'Acme Hosting')}/sessions/end`, { method: 'POST', cookie: globex })
    expect(res.status).toBe(404)
    const owner = await login('owner@acme.test')
    const wrongAccount = await api(`/accounts/${acme}/members/${await membershipId('owner@globex.test', 'Globex Partners')}/sessions/end`, { method: 'POST', cookie: owner })
    expect(wrongAccount.status).toBe(404)
  })

  it('offers the action per row exactly where it is allowed', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const body = await jsonOf(await api(`/accounts/${acme}/members`, { cookie: owner }), 'listMembers')
    const by = Object.fromEntries(body.items.map((m) => [m.user.email, m.allowed.signOut]))
    expect(by['owner@acme.test']).toBe(false)
    expect(by['tom@acme.test']).toBe(true)
    expect(by['sarah@acme.test']).toBe(true)
  })
})
