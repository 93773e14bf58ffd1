import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { RESET_ANSWER_FLOOR_MS } from '../../../worker/src/routes/recovery.ts'
import { accountId, api, DEMO_PASSWORD, login, problem, jsonOf } from '../../helpers/client.ts'

const NEW_PASSWORD = 'silver-meadow-compass-41'

async function emailsTo(to: string) {
  const { results } = await env.DB.prepare('SELECT subject, text, html FROM email_outbox WHERE "to" = ? ORDER BY created_at, rowid').bind(to).all<{ subject: string; text: string; html: string }>()
  return results
}

/** The token of the newest reset link emailed to `to`. */
async function resetToken(to: string) {
  const mails = await emailsTo(to)
  const match = /\/reset-password\/([a-z2-7]+)/.exec(mails.at(-1)?.text ?? '')
  if (!match) throw new Error(`no reset link in the email to ${to}`)
  return match[1]!
}

let ip = 0
const ask = (email: string, from = `10.77.${ip++ % 250}.9`) => api('/auth/password-reset', { method: 'POST', json: { email }, ip: from })
const reset = (token: string, password = NEW_PASSWORD) => api(`/auth/password-reset/${token}`, { method: 'POST', json: { password } })

describe('POST /api/v1/auth/password-reset', () => {
  it('answers the same for a known and an unknown email, and mails only the login', async () => {
    // Protects against: the reset form telling a stranger which emails have logins.
    const known = await ask('tom@acme.test')
    const unknown = await ask('nobody@nowhere.test')
    expect(known.status).toBe(202)
    expect(unknown.status).toBe(202)
    expect(await known.json()).toEqual(await unknown.json())
    expect(known.headers.get('content-type')).toBe(unknown.headers.get('content-type'))
    expect(await emailsTo('nobody@nowhere.test')).toHaveLength(0)
    const mail = (await emailsTo('tom@acme.test')).at(-1)!
    expect(mail.subject).toMatch(/reset/i)
    // Links come from configuration: Tom's reseller's verified portal, never the request's Host.
    expect(mail.text).toMatch(/http:\/\/acme\.localhost:8787\/reset-password\/[a-z2-7]{32}/)
    expect(mail.html).toContain('Acme')
  })

  it('takes at least the same time for a known and an unknown email: sending is hidden behind a floor', async () => {
    // Protects against telling logins apart by how long the answer takes (only a login's link is sent).
    for (const email of ['tom@acme.test', 'nobody-timed@nowhere.test']) {
      const started = Date.now()
      expect((await ask(email)).status).toBe(202)
      expect(Date.now() - started, email).toBeGreaterThanOrEqual(RESET_ANSWER_FLOOR_MS)
    }
  })

  it('stores only the hash of the 160-bit token, valid for 30 minutes', async () => {
    await ask('tom@acme.test')
    const token = await resetToken('tom@acme.test')
    expect(token).toHaveLength(32)
    const row = await env.DB.prepare("SELECT token_hash, expires_at - created_at AS ttl FROM user_links WHERE purpose = 'password_reset'").first<{ token_hash: string; ttl: number }>()
    expect(row!.token_hash).not.toContain(token)
    expect(row!.token_hash).toHaveLength(64)
    expect(row!.ttl).toBe(30 * 60 * 1000)
  })

  it('slows repeated requests for one email (429 with Retry-After), known or not', async () => {
    // Protects against: flooding a person's inbox, or probing by counting answers.
    for (const email of ['tom@acme.test', 'ghost@nowhere.test']) {
      const answers: number[] = []
      for (let i = 0; i < 5; i++) answers.push((await ask(email)).status)
      expect(answers.slice(0, 3)).toEqual([202, 202, 202])
      const refused = await ask(email)
      expect(refused.status).toBe(429)
      expect(refused.headers.get('retry-after')).toBeTruthy()
      expect((await problem(refused)).code).toBe('rate_limited')
    }
  })

  it('slows one address asking for many emails', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 24; i++) statuses.push((await ask(`spray${i}@nowhere.test`, '10.200.1.1')).status)
    expect(statuses).toContain(429)
  })

  it('names the field for a malformed email', async () => {
    const res = await api('/auth/password-reset', { method: 'POST', json: { email: 'not-an-email' } })
    expect(res.status).toBe(400)
    expect((await problem(res)).errors?.[0]?.field).toBe('email')
  })
})

describe('POST /api/v1/auth/password-reset/{token}', () => {
  it('sets the new password, ends every session of the login and records password_reset', async () => {
    // Protects against: a thief's session surviving the owner's reset.
    const laptop = await login('tom@acme.test')
    const phone = await login('tom@acme.test')
    const bystander = await login('sarah@acme.test')
    await ask('tom@acme.test')
    const token = await resetToken('tom@acme.test')
    expect((await api(`/auth/password-reset/${token}`)).status).toBe(200)
    expect((await reset(token)).status).toBe(204)
    for (const cookie of [laptop, phone]) expect((await api('/me', { cookie })).status).toBe(401)
    expect((await api('/me', { cookie: bystander })).status).toBe(200)
    await expect(login('tom@acme.test')).rejects.toThrow(/401/)
    const again = await login('tom@acme.test', NEW_PASSWORD)
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const events = await jsonOf(await api(`/accounts/${acme}/activity?type=password_reset`, { cookie: owner }), 'listActivity')
    expect(events.items).toHaveLength(1)
    expect(events.items[0]!.actor?.email).toBe('tom@acme.test')
    expect(events.items[0]!.description).toMatch(/2 sessions were signed out/)
    expect((await api('/me', { cookie: again })).status).toBe(200)
  })

  it('refuses a stolen link after its use with its own code (410 reset_link_used)', async () => {
    // Protects against: a link read later from a mailbox or a proxy log taking the login over.
    await ask('tom@acme.test')
    const token = await resetToken('tom@acme.test')
    expect((await reset(token)).status).toBe(204)
    const replay = await reset(token, 'attacker-chosen-password-77')
    expect(replay.status).toBe(410)
    expect((await problem(replay)).code).toBe('reset_link_used')
    const check = await api(`/auth/password-reset/${token}`)
    expect(check.status).toBe(410)
    await login('tom@acme.test', NEW_PASSWORD)
  })

  it('refuses an expired link (410 reset_link_expired) and an unknown one (404 reset_link_invalid)', async () => {
    await ask('tom@acme.test')
    const token = await resetToken('tom@acme.test')
    await env.DB.prepare("UPDATE user_links SET expires_at = ? WHERE purpose = 'password_reset'").bind(Date.now() - 1).run()
    const old = await reset(token)
    expect(old.status).toBe(410)
    expect((await problem(old)).code).toBe('reset_link_expired')
    const unknown = await reset('a'.repeat(32))
    expect(unknown.status).toBe(404)
    expect((await problem(unknown)).code).toBe('reset_link_invalid')
    await login('tom@acme.test', DEMO_PASSWORD)
  })

  it('keeps the link usable when the new password is refused by the policy', async () => {
    await ask('tom@acme.test')
    const token = await resetToken('tom@acme.test')
    const weak = await reset(token, 'password')
    expect(weak.status).toBe(400)
    const body = await problem(weak)
    expect(body.code).toBe('weak_password')
    expect(body.errors?.[0]?.field).toBe('password')
    expect((await reset(token)).status).toBe(204)
  })

  it('lets only the newest link work', async () => {
    await ask('tom@acme.test')
    const first = await resetToken('tom@acme.test')
    await ask('tom@acme.test')
    const second = await resetToken('tom@acme.test')
    expect((await reset(first)).status).toBe(404)
    expect((await reset(second)).status).toBe(204)
  })

  it('works on a reseller portal and mails that reseller\'s portal link', async () => {
    const res = await api('/auth/password-reset', { method: 'POST', json: { email: 'owner@globex.test' }, headers: { host: 'globex.localhost' } })
    expect(res.status).toBe(202)
    expect((await emailsTo('owner@globex.test')).at(-1)!.text).toMatch(/http:\/\/globex\.localhost:8787\/reset-password\//)
  })
})
