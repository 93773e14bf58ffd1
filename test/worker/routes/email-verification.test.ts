import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { acceptAsNewPerson, accountId, api, DEMO_PASSWORD, login, problem, jsonOf } from '../../helpers/client.ts'
import { addMembership, createUser } from '../../helpers/factories.ts'

async function emailsTo(to: string) {
  const { results } = await env.DB.prepare('SELECT subject, text FROM email_outbox WHERE "to" = ? ORDER BY created_at, rowid').bind(to).all<{ subject: string; text: string }>()
  return results
}
async function linkTo(to: string) {
  const match = /\/verify-email\/([a-z2-7]+)/.exec((await emailsTo(to)).at(-1)?.text ?? '')
  if (!match) throw new Error(`no confirmation link in the email to ${to}`)
  return match[1]!
}
const changeEmail = (cookie: string, email: string, currentPassword = DEMO_PASSWORD) => api('/me', { method: 'PATCH', cookie, json: { email, currentPassword } })

describe('email change', () => {
  it('changes nothing until the new address confirms', async () => {
    // Protects against: a typo or a hijacker's address taking over the login without proof of the inbox.
    const cookie = await login('tom@acme.test')
    const res = await changeEmail(cookie, 'tom.new@example.test')
    expect(res.status).toBe(200)
    expect((await jsonOf(res, 'updateMe')).pendingEmail).toBe('tom.new@example.test')
    const me = await jsonOf(await api('/me', { cookie }), 'getMe')
    expect(me.user.email).toBe('tom@acme.test')
    await login('tom@acme.test')
    await expect(login('tom.new@example.test')).rejects.toThrow(/401/)
    const state = await jsonOf(await api('/me/email', { cookie }), 'getMyEmail')
    expect(state.pendingEmail).toBe('tom.new@example.test')
    // The old address is not told yet: nothing happened to it.
    expect(await emailsTo('tom@acme.test')).toHaveLength(0)
  })

  it('takes effect on confirmation, tells the old address, and the link works once', async () => {
    const cookie = await login('tom@acme.test')
    await changeEmail(cookie, 'tom.new@example.test')
    const token = await linkTo('tom.new@example.test')
    // Opened in another browser (no session): the link alone is the proof.
    const confirmed = await api(`/auth/verify-email/${token}`, { method: 'POST' })
    expect(confirmed.status).toBe(200)
    expect(await confirmed.json()).toEqual({ email: 'tom.new@example.test', changed: true })
    await login('tom.new@example.test')
    await expect(login('tom@acme.test')).rejects.toThrow(/401/)
    const told = await emailsTo('tom@acme.test')
    expect(told).toHaveLength(1)
    expect(told[0]!.text).toContain('tom.new@example.test')
    const again = await api(`/auth/verify-email/${token}`, { method: 'POST' })
    expect(again.status).toBe(410)
    expect((await problem(again)).code).toBe('verification_link_used')
  })

  it('needs the current password', async () => {
    const cookie = await login('tom@acme.test')
    const res = await changeEmail(cookie, 'tom.new@example.test', 'not-my-password')
    expect(res.status).toBe(403)
    expect((await problem(res)).errors?.[0]?.field).toBe('currentPassword')
    expect(await emailsTo('tom.new@example.test')).toHaveLength(0)
  })

  it('refuses to confirm an address another login took meanwhile', async () => {
    const cookie = await login('tom@acme.test')
    await changeEmail(cookie, 'taken.later@example.test')
    const token = await linkTo('taken.later@example.test')
    await createUser({ email: 'taken.later@example.test' })
    const res = await api(`/auth/verify-email/${token}`, { method: 'POST' })
    expect(res.status).toBe(409)
  })

  it('answers expired and unknown links with their own codes', async () => {
    const cookie = await login('tom@acme.test')
    await changeEmail(cookie, 'tom.new@example.test')
    const token = await linkTo('tom.new@example.test')
    await env.DB.prepare("UPDATE user_links SET expires_at = ? WHERE purpose = 'change_email'").bind(Date.now() - 1).run()
    const old = await api(`/auth/verify-email/${token}`, { method: 'POST' })
    expect(old.status).toBe(410)
    expect((await problem(old)).code).toBe('verification_link_expired')
    const unknown = await api(`/auth/verify-email/${'b'.repeat(32)}`, { method: 'POST' })
    expect(unknown.status).toBe(404)
    expect((await problem(unknown)).code).toBe('verification_link_invalid')
  })
})

describe('email verification', () => {
  it('lets an unverified login sign in, says so, and verifies it by link', async () => {
    const user = await createUser({ email: 'made.by.someone@example.test', password: 'a perfectly fine password' })
    await addMembership(user.id, await accountId('Acme Hosting'), 'user')
    const cookie = await login('made.by.someone@example.test', 'a perfectly fine password')
    const me = await jsonOf(await api('/me', { cookie }), 'getMe')
    expect(me.emailVerified).toBe(false)
    expect((await api('/me/email/verification', { method: 'POST', cookie })).status).toBe(202)
    const token = await linkTo('made.by.someone@example.test')
    const res = await api(`/auth/verify-email/${token}`, { method: 'POST' })
    expect(await res.json()).toEqual({ email: 'made.by.someone@example.test', changed: false })
    expect((await jsonOf(await api('/me', { cookie }), 'getMe')).emailVerified).toBe(true)
  })

  it('counts demo users and people who accepted an invitation as verified', async () => {
    const demo = await login('tom@acme.test')
    expect((await jsonOf(await api('/me', { cookie: demo }), 'getMe')).emailVerified).toBe(true)
    const owner = await login('owner@acme.test')
    await api(`/accounts/${await accountId('Acme Hosting')}/members`, { method: 'POST', cookie: owner, json: { email: 'joiner@example.test', level: 'user' } })
    const joined = await acceptAsNewPerson('joiner@example.test')
    expect(joined.status).toBe(201)
    const cookie = await login('joiner@example.test', 'amber-lighthouse-52-orchard')
    expect((await jsonOf(await api('/me', { cookie }), 'getMe')).emailVerified).toBe(true)
    const again = await api('/me/email/verification', { method: 'POST', cookie })
    expect(again.status).toBe(409)
  })
})
