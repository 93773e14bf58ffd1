import { env, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { liveClose } from '../../../worker/src/durable/live-close.ts'
import { accountId, api, expectJson, login, problem, userIdOf } from '../../helpers/client.ts'

// A reseller brings an existing customer organisation under it when the organisation's owner accepts (docs/decisions/026).

async function ask(cookie: string, email: string, reseller = 'Acme Hosting') {
  return api(`/accounts/${await accountId(reseller)}/customer-moves`, { method: 'POST', cookie, json: { email } })
}

async function tokenFor(to: string) {
  const row = await env.DB.prepare(`SELECT text FROM email_outbox WHERE "to" = ? AND text LIKE '%/move/%' ORDER BY created_at DESC, rowid DESC LIMIT 1`)
    .bind(to)
    .first<{ text: string }>()
  const match = /\/move\/([a-z2-7]+)/.exec(row?.text ?? '')
  if (!match) throw new Error(`no move link in the email to ${to}`)
  return match[1]!
}

async function accept(cookie: string, token: string, organisation: string) {
  return api(`/customer-moves/${token}/accept`, { method: 'POST', cookie, json: { organisationId: await accountId(organisation) } })
}

const parentOf = async (name: string) => (await env.DB.prepare('SELECT p.name FROM accounts a JOIN accounts p ON p.id = a.parent_id WHERE a.name = ?').bind(name).first<{ name: string }>())!.name
const mails = async (to: string) => (await env.DB.prepare(`SELECT count(*) AS n FROM email_outbox WHERE "to" = ?`).bind(to).first<{ n: number }>())!.n

describe('customer moves: who may ask (attacker cases first)', () => {
  it('answers 401 without a session, 404 to another tenant and on a customer account, 403 without customers.invite', async () => {
    const acme = await accountId('Acme Hosting')
    expect((await api(`/accounts/${acme}/customer-moves`, { method: 'POST', json: { email: 'owner@evergreen.test' } })).status).toBe(401)
    expect((await ask(await login('owner@globex.test'), 'owner@evergreen.test')).status).toBe(404)
    // A customer is no reseller: nothing to bring under it.
    expect((await ask(await login('owner@bluebird.test'), 'owner@evergreen.test', 'Bluebird Bakery')).status).toBe(404)
    const tom = await ask(await login('tom@acme.test'), 'owner@evergreen.test')
    expect(tom.status).toBe(403)
    expect(await env.DB.prepare('SELECT count(*) AS n FROM customer_moves').first()).toEqual({ n: 0 })
  })

  it('answers the same whether or not the email owns an organisation, and emails only a real owner', async () => {
    // Protects against using the request to learn which organisations (or logins) exist.
    const alex = await login('owner@acme.test')
    const shapes = []
    for (const email of ['owner@evergreen.test', 'nobody@nowhere.test', 'gus@globex.test', 'owner@bluebird.test']) {
      const res = await ask(alex, email)
      expect(res.status).toBe(202)
      const { request } = await expectJson(res, 202, 'requestCustomerMove')
      shapes.push({ ...request, id: 'x', email: 'x', createdAt: 0, expiresAt: 0 })
    }
    expect(new Set(shapes.map((s) => JSON.stringify(s))).size).toBe(1)
    expect(await mails('owner@evergreen.test')).toBe(1)
    // No login; a login owning nothing; an owner already under Acme: no email.
    expect(await mails('nobody@nowhere.test')).toBe(0)
    expect(await mails('gus@globex.test')).toBe(0)
    expect(await mails('owner@bluebird.test')).toBe(0)
    const list = await expectJson(await api(`/accounts/${await accountId('Acme Hosting')}/customer-moves`, { cookie: alex }), 200, 'listCustomerMoves')
    expect(new Set(list.items.map((i) => i.status))).toEqual(new Set(['pending']))
  })
})

describe('customer moves: the owner accepts', () => {
  it('moves the organisation in one step: partner access off, old parent out at once, both logs, single use', async () => {
    const alex = await login('owner@acme.test')
    const evergreen = await accountId('Evergreen Legal')
    await env.DB.prepare('UPDATE services SET partner_access = 1 WHERE account_id = ?').bind(evergreen).run()
    // Something pending with Globex: an open ticket.
    await env.DB.prepare(
      `INSERT INTO tickets (id, account_id, parent_id, subject, status, opened_by_email, created_at, updated_at) VALUES ('tkt_move', ?, ?, 'Backups?', 'open', 'owner@evergreen.test', 1, 1)`,
    )
      .bind(evergreen, await accountId('Globex Partners'))
      .run()
    // Globex's owner watches Evergreen's live log.
    const grace = await login('owner@globex.test')
    const live = await SELF.fetch(`http://localhost/api/v1/accounts/${evergreen}/activity/live`, { headers: { upgrade: 'websocket', cookie: grace } })
    expect(live.status).toBe(101)
    const ws = live.webSocket!
    const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)))
    ws.accept()

    expect((await ask(alex, 'owner@evergreen.test')).status).toBe(202)
    const token = await tokenFor('owner@evergreen.test')
    const eve = await login('owner@evergreen.test')
    const preview = await expectJson(await api(`/customer-moves/${token}`, { cookie: eve }), 200, 'previewCustomerMove')
    expect(preview).toMatchObject({ reseller: { name: 'Acme Hosting' }, forYou: true, organisations: [{ name: 'Evergreen Legal', parentName: 'Globex Partners' }] })
    const res = await accept(eve, token, 'Evergreen Legal')
    expect(res.status).toBe(200)

    expect(await parentOf('Evergreen Legal')).toBe('Acme Hosting')
    const acmePath = (await env.DB.prepare('SELECT path FROM accounts WHERE name = ?').bind('Acme Hosting').first<{ path: string }>())!.path
    expect(await env.DB.prepare('SELECT path FROM accounts WHERE id = ?').bind(evergreen).first()).toEqual({ path: `${acmePath}${evergreen}/` })
    expect(await env.DB.prepare('SELECT count(*) AS n FROM services WHERE account_id = ? AND partner_access = 1').bind(evergreen).first()).toEqual({ n: 0 })
    expect(await env.DB.prepare("SELECT status, parent_id FROM tickets WHERE id = 'tkt_move'").first()).toEqual({ status: 'closed', parent_id: await accountId('Acme Hosting') })
    // The old parent: 404 at once, and its socket on the organisation's log ends.
    expect((await api(`/accounts/${evergreen}`, { cookie: grace })).status).toBe(404)
    expect((await api(`/accounts/${evergreen}/services`, { cookie: grace })).status).toBe(404)
    expect(await Promise.race([closed, new Promise((r) => setTimeout(() => r(null), 3000))])).toBe(liveClose.accessEnded.code)
    // The new parent reaches it; its own people still do.
    expect((await api(`/accounts/${evergreen}`, { cookie: alex })).status).toBe(200)
    expect((await api(`/accounts/${evergreen}`, { cookie: eve })).status).toBe(200)
    // Both parents' logs record it.
    // The organisation's own event reaches the new parent's log (forwarded), never the old one's.
    const logOf = async (account: string, cookie: string, type: string) =>
      (await expectJson(await api(`/accounts/${await accountId(account)}/activity?type=${type}`, { cookie }), 200, 'listActivity')).items
    let arrived = 0
    for (let i = 0; i < 40 && !arrived; i++) {
      arrived = (await logOf('Acme Hosting', alex, 'customer_moved_in')).length
      if (!arrived) await new Promise((r) => setTimeout(r, 100))
    }
    expect(arrived).toBe(1)
    expect(await logOf('Globex Partners', grace, 'customer_moved_out')).toHaveLength(1)
    expect(await logOf('Globex Partners', grace, 'customer_moved_in')).toHaveLength(0)
    // Single use; the list names the organisation now.
    const again = await accept(eve, token, 'Evergreen Legal')
    expect(again.status).toBe(410)
    const list = await expectJson(await api(`/accounts/${await accountId('Acme Hosting')}/customer-moves`, { cookie: alex }), 200, 'listCustomerMoves')
    expect(list.items[0]).toMatchObject({ status: 'accepted', customer: { name: 'Evergreen Legal' } })
  })

  it('refuses someone acting as the owner, another signed-in person, and an organisation they do not own', async () => {
    const alex = await login('owner@acme.test')
    expect((await ask(alex, 'owner@evergreen.test')).status).toBe(202)
    const token = await tokenFor('owner@evergreen.test')
    // Globex's owner acting as Eve: the consent must be Eve's own.
    const grace = await login('owner@globex.test')
    const imp = await api('/impersonation', { method: 'POST', cookie: grace, json: { userId: await userIdOf('owner@evergreen.test'), accountId: await accountId('Evergreen Legal'), reason: 'Looking at the request' } })
    expect(imp.status).toBe(201)
    const acting = await accept(grace, token, 'Evergreen Legal')
    expect(acting.status).toBe(403)
    expect((await problem(acting)).code).toBe('impersonation_restricted')
    // Finn (another owner) holding the link.
    const finn = await login('owner@foxglove.test')
    expect((await expectJson(await api(`/customer-moves/${token}`, { cookie: finn }), 200, 'previewCustomerMove')).organisations).toEqual([])
    expect((await accept(finn, token, 'Foxglove Farms')).status).toBe(403)
    // Eve naming an organisation that is not hers.
    const eve = await login('owner@evergreen.test')
    const other = await accept(eve, token, 'Foxglove Farms')
    expect(other.status).toBe(404)
    expect((await problem(other)).errors?.[0]?.field).toBe('organisationId')
    // An admin of an organisation is no owner: Sam (admin of Bluebird) could not bring it anywhere.
    expect(await parentOf('Evergreen Legal')).toBe('Globex Partners')
    expect(await parentOf('Foxglove Farms')).toBe('Globex Partners')
  })

  it('refuses a withdrawn, declined or expired link, a disabled organisation and a disabled reseller', async () => {
    const alex = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const eve = await login('owner@evergreen.test')
    // Withdrawn by the reseller.
    const { request } = await expectJson(await ask(alex, 'owner@evergreen.test'), 202, 'requestCustomerMove')
    const withdrawn = await tokenFor('owner@evergreen.test')
    expect((await api(`/accounts/${acme}/customer-moves/${request.id}`, { method: 'DELETE', cookie: alex })).status).toBe(204)
    expect((await accept(eve, withdrawn, 'Evergreen Legal')).status).toBe(410)
    // Declined by the owner: the reseller's list still reads pending.
    expect((await ask(alex, 'owner@evergreen.test')).status).toBe(202)
    const declined = await tokenFor('owner@evergreen.test')
    expect((await api(`/customer-moves/${declined}/decline`, { method: 'POST', cookie: eve })).status).toBe(204)
    expect((await accept(eve, declined, 'Evergreen Legal')).status).toBe(410)
    const list = await expectJson(await api(`/accounts/${acme}/customer-moves`, { cookie: alex }), 200, 'listCustomerMoves')
    expect(list.items[0]!.status).toBe('pending')
    // Expired.
    await env.DB.prepare("UPDATE customer_moves SET status = 'cancelled'").run()
    expect((await ask(alex, 'owner@evergreen.test')).status).toBe(202)
    const expired = await tokenFor('owner@evergreen.test')
    await env.DB.prepare("UPDATE customer_moves SET expires_at = ? WHERE status = 'pending'").bind(Date.now() - 1).run()
    const late = await accept(eve, expired, 'Evergreen Legal')
    expect(late.status).toBe(410)
    expect((await problem(late)).code).toBe('offer_expired')
    // A disabled organisation cannot move; a disabled reseller's link opens nothing.
    await env.DB.prepare("UPDATE customer_moves SET status = 'cancelled'").run()
    expect((await ask(alex, 'owner@evergreen.test')).status).toBe(202)
    const token = await tokenFor('owner@evergreen.test')
    await env.DB.prepare("UPDATE accounts SET status = 'disabled' WHERE name = 'Evergreen Legal'").run()
    expect((await accept(eve, token, 'Evergreen Legal')).status).toBe(404)
    await env.DB.prepare("UPDATE accounts SET status = 'active' WHERE name = 'Evergreen Legal'").run()
    await env.DB.prepare("UPDATE accounts SET status = 'disabled' WHERE name = 'Acme Hosting'").run()
    expect((await accept(eve, token, 'Evergreen Legal')).status).toBe(404)
    expect(await parentOf('Evergreen Legal')).toBe('Globex Partners')
  })

  it('checks the reseller’s customer limit in the same write: the last slot goes to one organisation', async () => {
    const alex = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const used = (await env.DB.prepare("SELECT count(*) AS n FROM accounts WHERE kind = 'customer' AND status != 'deleted' AND parent_id = ?").bind(acme).first<{ n: number }>())!.n
    expect((await ask(alex, 'owner@evergreen.test')).status).toBe(202)
    expect((await ask(alex, 'owner@foxglove.test')).status).toBe(202)
    await env.DB.prepare(`UPDATE accounts SET limits = json_set(limits, '$.max_customers', ?) WHERE id = ?`).bind(used + 1, acme).run()
    const eve = await login('owner@evergreen.test')
    const finn = await login('owner@foxglove.test')
    const [a, b] = await Promise.all([accept(eve, await tokenFor('owner@evergreen.test'), 'Evergreen Legal'), accept(finn, await tokenFor('owner@foxglove.test'), 'Foxglove Farms')])
    expect([a.status, b.status].sort()).toEqual([200, 422])
    const refused = a.status === 422 ? a : b
    expect((await problem(refused)).code).toBe('limit_reached')
    const parents = [await parentOf('Evergreen Legal'), await parentOf('Foxglove Farms')].sort()
    expect(parents).toEqual(['Acme Hosting', 'Globex Partners'])
    // The refused request stays open: it may be accepted once a slot frees.
    expect((await env.DB.prepare("SELECT count(*) AS n FROM customer_moves WHERE status = 'pending'").first<{ n: number }>())!.n).toBe(1)
  })

  it('gives two racing accepts of one link one move', async () => {
    const alex = await login('owner@acme.test')
    expect((await ask(alex, 'owner@evergreen.test')).status).toBe(202)
    const token = await tokenFor('owner@evergreen.test')
    const eve = await login('owner@evergreen.test')
    const answers = await Promise.all([accept(eve, token, 'Evergreen Legal'), accept(eve, token, 'Evergreen Legal')])
    // One moves it; the other finds the link used (410) or the organisation already moved (404).
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1)
    expect(answers.map((r) => r.status).filter((s) => s !== 200)[0]).toBeOneOf([404, 410])
    const events = await env.DB.prepare("SELECT count(*) AS n FROM customer_moves WHERE status = 'accepted'").first<{ n: number }>()
    expect(events!.n).toBe(1)
  })
})
