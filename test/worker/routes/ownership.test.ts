import { env, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { liveClose } from '../../../worker/src/durable/live-close.ts'
import { accountId, api, expectJson, login, membershipId, problem, userIdOf } from '../../helpers/client.ts'

// An owner hands the account to one of its admins (docs/decisions/026).

const PASSWORD = 'trellis-demo'

async function offer(cookie: string, memberEmail = 'sarah@acme.test', password = PASSWORD, account = 'Acme Hosting') {
  return api(`/accounts/${await accountId(account)}/ownership/offer`, { method: 'POST', cookie, json: { memberId: await membershipId(memberEmail, account), password } })
}

async function tokenFor(to: string) {
  const row = await env.DB.prepare(`SELECT text FROM email_outbox WHERE "to" = ? AND text LIKE '%/ownership/%' ORDER BY created_at DESC, rowid DESC LIMIT 1`)
    .bind(to)
    .first<{ text: string }>()
  const match = /\/ownership\/([a-z2-7]+)/.exec(row?.text ?? '')
  if (!match) throw new Error(`no ownership link in the email to ${to}`)
  return match[1]!
}

async function levels(account = 'Acme Hosting') {
  const { results } = await env.DB.prepare(
    `SELECT u.email, m.level FROM memberships m JOIN users u ON u.id = m.user_id JOIN accounts a ON a.id = m.account_id WHERE a.name = ? AND m.level IN ('owner','admin') ORDER BY u.email`,
  )
    .bind(account)
    .all<{ email: string; level: string }>()
  return Object.fromEntries(results.map((r) => [r.email, r.level]))
}

const handoffs = async () => (await env.DB.prepare('SELECT count(*) AS n FROM ownership_handoffs').first<{ n: number }>())!.n

async function impersonate(cookie: string, target: string, account: string) {
  const res = await api('/impersonation', { method: 'POST', cookie, json: { userId: await userIdOf(target), accountId: await accountId(account), reason: 'Helping with the ownership screen' } })
  expect(res.status).toBe(201)
}

describe('ownership offers: who may offer (attacker cases first)', () => {
  it('answers 401 without a session', async () => {
    const acme = await accountId('Acme Hosting')
    expect((await api(`/accounts/${acme}/ownership`)).status).toBe(401)
    expect((await api(`/accounts/${acme}/ownership/offer`, { method: 'POST', json: { memberId: 'x', password: 'y' } })).status).toBe(401)
  })

  it('answers 404 to another tenant, and stores nothing', async () => {
    // Protects against probing or taking over another reseller's account.
    const grace = await login('owner@globex.test')
    const res = await offer(grace)
    expect(res.status).toBe(404)
    expect((await api(`/accounts/${await accountId('Acme Hosting')}/ownership`, { cookie: grace })).status).toBe(404)
    expect(await handoffs()).toBe(0)
  })

  it('refuses an admin, and the platform’s owner reaching the account from above', async () => {
    // Protects against an admin (or a parent) making themselves or someone else owner.
    const sarah = await login('sarah@acme.test')
    const res = await offer(sarah, 'billie@acme.test')
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('forbidden')
    const nora = await login('admin@nimbus.test')
    expect((await offer(nora)).status).toBe(403)
    expect(await handoffs()).toBe(0)
    const view = await expectJson(await api(`/accounts/${await accountId('Acme Hosting')}/ownership`, { cookie: sarah }), 200, 'getOwnership')
    expect(view).toEqual({ offer: null, allowed: { offer: false, cancel: false, answer: false } })
  })

  it('refuses someone acting as the owner, even with the right password', async () => {
    // Protects against an impersonator handing away the account they are only visiting.
    const nora = await login('admin@nimbus.test')
    await impersonate(nora, 'owner@acme.test', 'Acme Hosting')
    const res = await offer(nora)
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('impersonation_restricted')
    expect(await handoffs()).toBe(0)
  })

  it('asks for the owner’s password, and only offers to an admin of the account', async () => {
    const alex = await login('owner@acme.test')
    const wrong = await offer(alex, 'sarah@acme.test', 'not-my-password')
    expect(wrong.status).toBe(403)
    expect((await problem(wrong)).errors?.[0]?.field).toBe('password')
    const toUser = await offer(alex, 'tom@acme.test')
    expect(toUser.status).toBe(400)
    expect((await problem(toUser)).errors?.[0]?.field).toBe('memberId')
    const toSelf = await offer(alex, 'owner@acme.test')
    expect(toSelf.status).toBe(400)
    // A member of another account is no member here.
    const acme = await accountId('Acme Hosting')
    const foreign = await api(`/accounts/${acme}/ownership/offer`, { method: 'POST', cookie: alex, json: { memberId: await membershipId('owner@globex.test', 'Globex Partners'), password: PASSWORD } })
    expect(foreign.status).toBe(404)
    expect(await handoffs()).toBe(0)
  })
})

describe('ownership offers: accepting', () => {
  it('makes the admin owner and the owner an admin in one step, once; logged and emailed', async () => {
    const alex = await login('owner@acme.test')
    const { offer: made } = await expectJson(await offer(alex), 201, 'offerOwnership')
    expect(made).toMatchObject({ status: 'pending', to: { email: 'sarah@acme.test' }, from: { email: 'owner@acme.test' } })
    // The token is stored hashed only.
    const token = await tokenFor('sarah@acme.test')
    const stored = await env.DB.prepare('SELECT token_hash FROM ownership_handoffs').first<{ token_hash: string }>()
    expect(stored!.token_hash).not.toContain(token)
    // Only the owner and the admin it names see it.
    const acme = await accountId('Acme Hosting')
    const billie = await login('billie@acme.test')
    expect((await expectJson(await api(`/accounts/${acme}/ownership`, { cookie: billie }), 200, 'getOwnership')).offer).toBeNull()
    const sarah = await login('sarah@acme.test')
    const seen = await expectJson(await api(`/accounts/${acme}/ownership`, { cookie: sarah }), 200, 'getOwnership')
    expect(seen.allowed).toEqual({ offer: false, cancel: false, answer: true })
    // Someone else holding the link cannot answer it.
    expect((await expectJson(await api(`/ownership-offers/${token}`, { cookie: billie }), 200, 'previewOwnershipOffer')).forYou).toBe(false)
    expect((await api(`/ownership-offers/${token}/accept`, { method: 'POST', cookie: billie })).status).toBe(403)
    expect(await levels()).toEqual({ 'billie@acme.test': 'admin', 'owner@acme.test': 'owner', 'sarah@acme.test': 'admin' })

    const preview = await expectJson(await api(`/ownership-offers/${token}`, { cookie: sarah }), 200, 'previewOwnershipOffer')
    expect(preview).toMatchObject({ account: { name: 'Acme Hosting' }, forYou: true })
    const done = await api(`/ownership-offers/${token}/accept`, { method: 'POST', cookie: sarah })
    expect(done.status).toBe(200)
    expect(await levels()).toEqual({ 'billie@acme.test': 'admin', 'owner@acme.test': 'admin', 'sarah@acme.test': 'owner' })
    // The old owner keeps every admin permission.
    const roles = await env.DB.prepare('SELECT role_id FROM membership_roles WHERE membership_id = ?').bind(await membershipId('owner@acme.test', 'Acme Hosting')).all()
    expect(roles.results).toContainEqual({ role_id: 'account-owner' })
    // Single use.
    const again = await api(`/ownership-offers/${token}/accept`, { method: 'POST', cookie: sarah })
    expect(again.status).toBe(410)
    expect((await problem(again)).code).toBe('offer_closed')
    // Alex is no owner any more: he cannot offer it back; Sarah can.
    expect((await offer(alex)).status).toBe(403)
    expect((await offer(sarah, 'owner@acme.test')).status).toBe(201)
    // The account's log holds both steps.
    const log = await expectJson(await api(`/accounts/${acme}/activity?type=ownership_transferred,ownership_offered`, { cookie: sarah }), 200, 'listActivity')
    expect(log.items.map((e) => e.type).sort()).toEqual(['ownership_offered', 'ownership_offered', 'ownership_transferred'])
  })

  it('keeps one open offer per account; the owner may cancel it, which kills the link', async () => {
    const alex = await login('owner@acme.test')
    expect((await offer(alex)).status).toBe(201)
    const token = await tokenFor('sarah@acme.test')
    const second = await offer(alex, 'billie@acme.test')
    expect(second.status).toBe(409)
    const acme = await accountId('Acme Hosting')
    // An admin cannot cancel it; the owner can.
    const sarah = await login('sarah@acme.test')
    expect((await api(`/accounts/${acme}/ownership/offer`, { method: 'DELETE', cookie: sarah })).status).toBe(403)
    expect((await api(`/accounts/${acme}/ownership/offer`, { method: 'DELETE', cookie: alex })).status).toBe(204)
    const dead = await api(`/ownership-offers/${token}/accept`, { method: 'POST', cookie: sarah })
    expect(dead.status).toBe(410)
    expect(await levels()).toMatchObject({ 'owner@acme.test': 'owner', 'sarah@acme.test': 'admin' })
    expect((await offer(alex, 'billie@acme.test')).status).toBe(201)
  })

  it('lets two racing offers leave one open offer', async () => {
    const alex = await login('owner@acme.test')
    const answers = await Promise.all([offer(alex), offer(alex, 'billie@acme.test')])
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409])
    expect(await handoffs()).toBe(1)
  })

  it('refuses an expired link, and lets the owner offer again', async () => {
    const alex = await login('owner@acme.test')
    expect((await offer(alex)).status).toBe(201)
    const token = await tokenFor('sarah@acme.test')
    await env.DB.prepare('UPDATE ownership_handoffs SET expires_at = ?').bind(Date.now() - 1000).run()
    const sarah = await login('sarah@acme.test')
    const res = await api(`/ownership-offers/${token}/accept`, { method: 'POST', cookie: sarah })
    expect(res.status).toBe(410)
    expect((await problem(res)).code).toBe('offer_expired')
    expect((await api(`/accounts/${await accountId('Acme Hosting')}/ownership/offer/accept`, { method: 'POST', cookie: sarah })).status).toBe(404)
    expect((await offer(alex, 'billie@acme.test')).status).toBe(201)
    expect(await levels()).toMatchObject({ 'owner@acme.test': 'owner' })
  })

  it('refuses someone acting as the admin it names', async () => {
    // Protects against an owner (or a parent) accepting on the admin's behalf.
    const alex = await login('owner@acme.test')
    expect((await offer(alex)).status).toBe(201)
    const nora = await login('admin@nimbus.test')
    await impersonate(nora, 'sarah@acme.test', 'Acme Hosting')
    const acme = await accountId('Acme Hosting')
    const res = await api(`/accounts/${acme}/ownership/offer/accept`, { method: 'POST', cookie: nora })
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('impersonation_restricted')
    const viaLink = await api(`/ownership-offers/${await tokenFor('sarah@acme.test')}/accept`, { method: 'POST', cookie: nora })
    expect(viaLink.status).toBe(403)
    expect(await levels()).toMatchObject({ 'owner@acme.test': 'owner', 'sarah@acme.test': 'admin' })
  })

  it('refuses a removed member, and one no longer an admin', async () => {
    const alex = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    expect((await offer(alex, 'billie@acme.test')).status).toBe(201)
    const billieToken = await tokenFor('billie@acme.test')
    const billie = await login('billie@acme.test')
    expect((await api(`/accounts/${acme}/members/${await membershipId('billie@acme.test', 'Acme Hosting')}`, { method: 'DELETE', cookie: alex })).status).toBe(204)
    expect((await api(`/ownership-offers/${billieToken}/accept`, { method: 'POST', cookie: billie })).status).toBe(404)
    // Demoted between the offer and the answer: the claim refuses.
    expect((await offer(alex)).status).toBe(201)
    await env.DB.prepare("UPDATE memberships SET level = 'user' WHERE id = ?").bind(await membershipId('sarah@acme.test', 'Acme Hosting')).run()
    const sarah = await login('sarah@acme.test')
    const res = await api(`/ownership-offers/${await tokenFor('sarah@acme.test')}/accept`, { method: 'POST', cookie: sarah })
    expect(res.status).toBe(410)
    expect(await levels()).toMatchObject({ 'owner@acme.test': 'owner' })
  })

  it('refuses while the account is disabled', async () => {
    const alex = await login('owner@acme.test')
    expect((await offer(alex)).status).toBe(201)
    const sarah = await login('sarah@acme.test')
    await env.DB.prepare("UPDATE accounts SET status = 'disabled' WHERE name = 'Acme Hosting'").run()
    const res = await api(`/ownership-offers/${await tokenFor('sarah@acme.test')}/accept`, { method: 'POST', cookie: sarah })
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('account_suspended')
    expect((await offer(alex, 'billie@acme.test')).status).toBe(403)
    expect(await levels()).toMatchObject({ 'owner@acme.test': 'owner', 'sarah@acme.test': 'admin' })
  })

  it('gives racing answers one outcome: two accepts, or an accept and a cancel', async () => {
    const alex = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    expect((await offer(alex)).status).toBe(201)
    const sarah = await login('sarah@acme.test')
    const token = await tokenFor('sarah@acme.test')
    const both = await Promise.all([
      api(`/ownership-offers/${token}/accept`, { method: 'POST', cookie: sarah }),
      api(`/accounts/${acme}/ownership/offer/accept`, { method: 'POST', cookie: sarah }),
    ])
    // One wins; the other finds the offer answered (410 by link, or no open offer in the portal: 404).
    expect(both.filter((r) => r.status === 200)).toHaveLength(1)
    expect(both.map((r) => r.status).filter((s) => s !== 200)[0]).toBeOneOf([404, 410])
    expect(await levels()).toEqual({ 'billie@acme.test': 'admin', 'owner@acme.test': 'admin', 'sarah@acme.test': 'owner' })

    // Back, then an accept racing a cancel: exactly one of them took effect.
    expect((await offer(sarah, 'owner@acme.test')).status).toBe(201)
    const back = await api(`/ownership-offers/${await tokenFor('owner@acme.test')}/accept`, { method: 'POST', cookie: alex })
    expect(back.status).toBe(200)
    expect((await offer(alex)).status).toBe(201)
    const [accepted, cancelled] = await Promise.all([
      api(`/ownership-offers/${await tokenFor('sarah@acme.test')}/accept`, { method: 'POST', cookie: sarah }),
      api(`/accounts/${acme}/ownership/offer`, { method: 'DELETE', cookie: alex }),
    ])
    const owners = await levels()
    if (accepted.status === 200) {
      expect(cancelled.status).not.toBe(204)
      expect(owners['sarah@acme.test']).toBe('owner')
    } else {
      expect(cancelled.status).toBe(204)
      expect(owners['owner@acme.test']).toBe('owner')
    }
    expect(Object.values(owners).filter((l) => l === 'owner')).toHaveLength(1)
  })

  it('reconnects both people’s live sockets with their new rights', async () => {
    // Decision 011: the old owner's socket must not keep an owner's view.
    const alex = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const res = await SELF.fetch(`http://localhost/api/v1/accounts/${acme}/activity/live`, { headers: { upgrade: 'websocket', cookie: alex } })
    expect(res.status).toBe(101)
    const ws = res.webSocket!
    const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)))
    ws.accept()
    expect((await offer(alex)).status).toBe(201)
    const sarah = await login('sarah@acme.test')
    expect((await api(`/accounts/${acme}/ownership/offer/accept`, { method: 'POST', cookie: sarah })).status).toBe(200)
    expect(await Promise.race([closed, new Promise((r) => setTimeout(() => r(null), 3000))])).toBe(liveClose.rightsChanged.code)
  })
})
