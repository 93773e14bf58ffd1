import { env } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { accountId, api, expectJson, jsonOf, login, problem, serviceId } from '../../helpers/client.ts'
import { addMembership, createUser } from '../../helpers/factories.ts'

const acmeOwner = () => login('owner@acme.test')
const ownerOf = { 'Bluebird Bakery': 'owner@bluebird.test', 'Copperleaf Studio': 'owner@copperleaf.test', 'Driftwood Dental': 'owner@driftwood.test' } as const

/** Acme proposes moving Bluebird's `service` to Copperleaf (or `to`). */
async function propose(service = 'Bakery HQ fibre', to = 'Copperleaf Studio', cookie?: string) {
  return api(`/accounts/${await accountId('Acme Hosting')}/transfers`, {
    method: 'POST',
    cookie: cookie ?? (await acmeOwner()),
    json: { serviceId: await serviceId(service), toAccountId: await accountId(to), note: 'The bakery’s line goes with the studio move' },
  })
}

const act = async (cookie: string, account: string, tid: string, action: 'confirm' | 'decline' | 'cancel', json: unknown = {}) =>
  api(`/accounts/${await accountId(account)}/transfers/${tid}/${action}`, { method: 'POST', cookie, json: action === 'confirm' ? undefined : json })

const ownerOfService = async (name: string) =>
  (await env.DB.prepare('SELECT a.name FROM services s JOIN accounts a ON a.id = s.account_id WHERE s.name = ?').bind(name).first<{ name: string }>())!.name

async function userId(email: string) {
  return (await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first<{ id: string }>())!.id
}

describe('transfers: who may see and act (attacker cases first)', () => {
  it('answers 401 without a session', async () => {
    const acme = await accountId('Acme Hosting')
    expect((await api(`/accounts/${acme}/transfers`)).status).toBe(401)
    expect((await api(`/accounts/${acme}/transfers`, { method: 'POST', json: { serviceId: 'x', toAccountId: 'y' } })).status).toBe(401)
  })

  it('refuses a transfer to another reseller’s customer as 404, and moves nothing', async () => {
    // Protects against moving a service across resellers, or probing their customers' ids.
    const res = await propose('Bakery HQ fibre', 'Evergreen Legal')
    expect(res.status).toBe(404)
    expect(await env.DB.prepare('SELECT count(*) AS n FROM service_transfers').first()).toEqual({ n: 0 })
    // Nor to a reseller, nor to the platform, nor to itself.
    expect((await propose('Bakery HQ fibre', 'Globex Partners')).status).toBe(404)
    expect((await propose('Bakery HQ fibre', 'Acme Hosting')).status).toBe(404)
    const self = await propose('Bakery HQ fibre', 'Bluebird Bakery')
    expect((await problem(self)).errors?.[0]?.field).toBe('toAccountId')
    // A customer owner naming another reseller's customer by id: the same 404.
    const bea = await login('owner@bluebird.test')
    const fromCustomer = await api(`/accounts/${await accountId('Bluebird Bakery')}/transfers`, {
      method: 'POST',
      cookie: bea,
      json: { serviceId: await serviceId('Bakery HQ fibre'), toAccountId: await accountId('Evergreen Legal') },
    })
    expect(fromCustomer.status).toBe(404)
  })

  it('hides a reseller’s transfers from the platform’s other resellers and from uninvolved customers (404 by id, absent from lists)', async () => {
    const { transfer } = await expectJson(await propose(), 201, 'proposeTransfer')
    const grace = await login('owner@globex.test')
    const globex = await accountId('Globex Partners')
    expect((await api(`/accounts/${globex}/transfers/${transfer.id}`, { cookie: grace })).status).toBe(404)
    expect((await api(`/accounts/${globex}/transfers/${transfer.id}/cancel`, { method: 'POST', cookie: grace, json: {} })).status).toBe(404)
    expect((await jsonOf(await api(`/accounts/${globex}/transfers`, { cookie: grace }), 'listTransfers')).items).toEqual([])
    expect((await api(`/accounts/${await accountId('Acme Hosting')}/transfers`, { cookie: grace })).status).toBe(404)
    // Driftwood (a sibling, not involved) neither sees nor acts on it.
    const dana = await login('owner@driftwood.test')
    const driftwood = await accountId('Driftwood Dental')
    expect((await api(`/accounts/${driftwood}/transfers/${transfer.id}`, { cookie: dana })).status).toBe(404)
    expect((await act(dana, 'Driftwood Dental', transfer.id, 'confirm')).status).toBe(404)
    expect((await jsonOf(await api(`/accounts/${driftwood}/transfers`, { cookie: dana }), 'listTransfers')).items).toEqual([])
  })

  it('lets only the customers’ owners confirm: not the reseller, not an admin, not a lower level', async () => {
    const { transfer } = await expectJson(await propose(), 201, 'proposeTransfer')
    expect(transfer.allowed).toEqual({ confirm: false, decline: false, cancel: true })
    // The reseller's owner reaches Bluebird from above: that is not Bluebird's consent.
    const alex = await acmeOwner()
    expect((await act(alex, 'Bluebird Bakery', transfer.id, 'confirm')).status).toBe(403)
    expect((await act(alex, 'Acme Hosting', transfer.id, 'confirm')).status).toBe(403)
    // Sam is an admin (Technical) of Bluebird: no transfers.view there at all.
    const sam = await login('sam@freelance.test')
    expect((await act(sam, 'Bluebird Bakery', transfer.id, 'confirm')).status).toBe(403)
    // An admin of Bluebird given transfers rights through a custom role still is not the owner.
    const admin = await createUser({ password: 'a perfectly fine password' })
    const bluebird = await accountId('Bluebird Bakery')
    await addMembership(admin.id, bluebird, 'admin')
    await env.DB.prepare("INSERT INTO roles (id, account_id, name, description, permissions) VALUES ('rol_tx', ?, 'Transfers', '', '[\"transfers.view\",\"transfers.manage\"]')").bind(bluebird).run()
    await env.DB.prepare("INSERT INTO membership_roles (membership_id, role_id) SELECT id, 'rol_tx' FROM memberships WHERE user_id = ?").bind(admin.id).run()
    const adminCookie = await login(admin.email, 'a perfectly fine password')
    const refused = await act(adminCookie, 'Bluebird Bakery', transfer.id, 'confirm')
    expect(refused.status).toBe(403)
    expect((await problem(refused)).detail).toContain('owner')
    // Tom (Acme user, technical) cannot propose.
    expect((await propose('Bakery HQ fibre', 'Copperleaf Studio', await login('tom@acme.test'))).status).toBe(403)
    expect(await ownerOfService('Bakery HQ fibre')).toBe('Bluebird Bakery')
  })

  it('refuses an impersonator the customer’s consent: acting as Bluebird’s owner does not confirm', async () => {
    const { transfer } = await expectJson(await propose(), 201, 'proposeTransfer')
    const alex = await acmeOwner()
    const start = await api('/impersonation', { method: 'POST', cookie: alex, json: { userId: await userId('owner@bluebird.test'), accountId: await accountId('Bluebird Bakery'), reason: 'Checking the transfer screen' } })
    expect(start.status).toBe(201)
    const res = await act(alex, 'Bluebird Bakery', transfer.id, 'confirm')
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('impersonation_restricted')
    expect((await act(alex, 'Bluebird Bakery', transfer.id, 'decline')).status).toBe(403)
  })

  it('shuts out a removed owner-to-be: a member removed from the customer gets nothing', async () => {
    const { transfer } = await expectJson(await propose(), 201, 'proposeTransfer')
    const user = await createUser({ password: 'a perfectly fine password' })
    const copperleaf = await accountId('Copperleaf Studio')
    await addMembership(user.id, copperleaf, 'admin')
    const cookie = await login(user.email, 'a perfectly fine password')
    await env.DB.prepare('DELETE FROM memberships WHERE user_id = ?').bind(user.id).run()
    const res = await act(cookie, 'Copperleaf Studio', transfer.id, 'confirm')
    expect([401, 404]).toContain(res.status)
  })
})

describe('a transfer from proposal to move', () => {
  it('moves the service once both owners confirm, drops the source’s group and scopes, resets consent, and logs it in every involved log', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const copperleaf = await accountId('Copperleaf Studio')
    const acme = await accountId('Acme Hosting')
    const sid = await serviceId('bluebird-pos-01')
    // Sam's Bluebird scope names the service; it must not follow it to Copperleaf.
    await env.DB.prepare(`UPDATE memberships SET scope = ? WHERE account_id = ? AND user_id = ?`).bind(JSON.stringify({ mode: 'selected', services: [sid, 'svc_other'], groups: [] }), bluebird, await userId('sam@freelance.test')).run()
    const { transfer } = await expectJson(await propose('bluebird-pos-01'), 201, 'proposeTransfer')
    expect(transfer).toMatchObject({ status: 'pending', from: { name: 'Bluebird Bakery', confirmedAt: null }, to: { name: 'Copperleaf Studio', confirmedAt: null } })

    const bea = await login(ownerOf['Bluebird Bakery'])
    const seen = await jsonOf(await api(`/accounts/${bluebird}/transfers`, { cookie: bea }), 'listTransfers')
    expect(seen.items[0]).toMatchObject({ id: transfer.id, allowed: { confirm: true, decline: true, cancel: false } })
    const first = await expectJson(await act(bea, 'Bluebird Bakery', transfer.id, 'confirm'), 200, 'confirmTransfer')
    expect(first.transfer).toMatchObject({ status: 'pending', from: { confirmedBy: 'owner@bluebird.test' } })
    expect((await act(bea, 'Bluebird Bakery', transfer.id, 'confirm')).status).toBe(409)
    expect(await ownerOfService('bluebird-pos-01')).toBe('Bluebird Bakery')

    const carl = await login(ownerOf['Copperleaf Studio'])
    const done = await expectJson(await act(carl, 'Copperleaf Studio', transfer.id, 'confirm'), 200, 'confirmTransfer')
    expect(done.transfer).toMatchObject({ status: 'completed', to: { confirmedBy: 'owner@copperleaf.test' } })
    const row = await env.DB.prepare('SELECT account_id, group_id, partner_access FROM services WHERE id = ?').bind(sid).first()
    expect(row).toEqual({ account_id: copperleaf, group_id: null, partner_access: 0 })
    const scope = await env.DB.prepare('SELECT scope FROM memberships WHERE account_id = ? AND user_id = ?').bind(bluebird, await userId('sam@freelance.test')).first<{ scope: string }>()
    expect(JSON.parse(scope!.scope)).toEqual({ mode: 'selected', services: ['svc_other'], groups: [] })
    // Copperleaf's owner now sees it; Bluebird's does not.
    expect((await api(`/accounts/${copperleaf}/services/${sid}`, { cookie: carl })).status).toBe(200)
    expect((await api(`/accounts/${bluebird}/services/${sid}`, { cookie: bea })).status).toBe(404)
    // History stays, and nothing more can happen to it.
    expect((await act(bea, 'Bluebird Bakery', transfer.id, 'decline')).status).toBe(409)
    for (const [account, cookie] of [[bluebird, bea], [copperleaf, carl]] as const) {
      const events = (await jsonOf(await api(`/accounts/${account}/activity?type=transfer_proposed,transfer_confirmed,transfer_completed&limit=200`, { cookie }), 'listActivity')).items.filter(
        (e) => e.accountId === account && e.time >= transfer.createdAt && e.target?.id === sid,
      )
      expect(events.map((e) => e.type).sort()).toEqual(['transfer_completed', 'transfer_confirmed', 'transfer_confirmed', 'transfer_proposed'])
    }
    const alex = await acmeOwner()
    await vi.waitFor(
      async () => {
        const inAcme = (await jsonOf(await api(`/accounts/${acme}/activity?type=transfer_completed&limit=200`, { cookie: alex }), 'listActivity')).items.filter((e) => e.time >= transfer.createdAt && e.target?.id === sid)
        expect(inAcme.map((e) => e.accountId).sort()).toEqual([bluebird, copperleaf].sort())
      },
      { timeout: 5000, interval: 100 },
    )
  })

  it('moves exactly once when both owners confirm at the same moment', async () => {
    const { transfer } = await expectJson(await propose(), 201, 'proposeTransfer')
    const [bea, carl] = await Promise.all([login(ownerOf['Bluebird Bakery']), login(ownerOf['Copperleaf Studio'])])
    const [a, b] = await Promise.all([act(bea, 'Bluebird Bakery', transfer.id, 'confirm'), act(carl, 'Copperleaf Studio', transfer.id, 'confirm')])
    expect([a.status, b.status]).toEqual([200, 200])
    expect((await jsonOf(a, 'confirmTransfer')).transfer.status).toBe('completed')
    expect(await ownerOfService('Bakery HQ fibre')).toBe('Copperleaf Studio')
    expect(await env.DB.prepare("SELECT count(*) AS n FROM service_transfers WHERE status = 'completed'").first()).toEqual({ n: 1 })
    // One batch moved it: exactly one "moved" event in each customer's log.
    const sid = await serviceId('Bakery HQ fibre')
    for (const [account, cookie] of [[await accountId('Bluebird Bakery'), bea], [await accountId('Copperleaf Studio'), carl]] as const) {
      const moved = (await jsonOf(await api(`/accounts/${account}/activity?type=transfer_completed&limit=200`, { cookie }), 'listActivity')).items.filter(
        (e) => e.accountId === account && e.time >= transfer.createdAt && e.target?.id === sid,
      )
      expect(moved).toHaveLength(1)
    }
  })

  it('checks the reseller’s service limit in the move itself: a tree over its limit keeps the service where it is', async () => {
    const acme = await accountId('Acme Hosting')
    // Acme's tree holds more servers than this lowered limit allows.
    await env.DB.prepare(`UPDATE accounts SET limits = json_set(limits, '$.max_services.server', 2) WHERE id = ?`).bind(acme).run()
    const { transfer } = await expectJson(await propose('bluebird-pos-01'), 201, 'proposeTransfer')
    expect((await act(await login(ownerOf['Bluebird Bakery']), 'Bluebird Bakery', transfer.id, 'confirm')).status).toBe(200)
    const res = await act(await login(ownerOf['Copperleaf Studio']), 'Copperleaf Studio', transfer.id, 'confirm')
    expect(res.status).toBe(422)
    expect(await problem(res)).toMatchObject({ code: 'limit_reached', limit: 'max_services.server', value: 2 })
    expect(await ownerOfService('bluebird-pos-01')).toBe('Bluebird Bakery')
    // The refused confirmation left nothing behind: the transfer still waits for Copperleaf.
    const t = await jsonOf(await api(`/accounts/${acme}/transfers/${transfer.id}`, { cookie: await acmeOwner() }), 'getTransfer')
    expect(t.transfer).toMatchObject({ status: 'pending', to: { confirmedAt: null } })
  })

  it('lets the source customer’s owner propose (their side confirmed), and refuses a second pending transfer of the same service', async () => {
    const bea = await login(ownerOf['Bluebird Bakery'])
    const bluebird = await accountId('Bluebird Bakery')
    const body = { serviceId: await serviceId('Bakery HQ fibre'), toAccountId: await accountId('Driftwood Dental') }
    const { transfer } = await expectJson(await api(`/accounts/${bluebird}/transfers`, { method: 'POST', cookie: bea, json: body }), 201, 'proposeTransfer')
    expect(transfer).toMatchObject({ from: { confirmedBy: 'owner@bluebird.test' }, allowed: { confirm: false, decline: true, cancel: true } })
    const twice = await api(`/accounts/${bluebird}/transfers`, { method: 'POST', cookie: bea, json: body })
    expect(twice.status).toBe(409)
    // Another customer's service is not Bluebird's to give.
    const foreign = await api(`/accounts/${bluebird}/transfers`, { method: 'POST', cookie: bea, json: { serviceId: await serviceId('copperleaf-render-01'), toAccountId: await accountId('Driftwood Dental') } })
    expect(foreign.status).toBe(404)
    // Driftwood's owner sees it and declines; the service stays.
    const dana = await login(ownerOf['Driftwood Dental'])
    const declined = await expectJson(await act(dana, 'Driftwood Dental', transfer.id, 'decline', { reason: 'We have our own line' }), 200, 'declineTransfer')
    expect(declined.transfer).toMatchObject({ status: 'declined', closedBy: 'owner@driftwood.test', reason: 'We have our own line' })
    expect(await ownerOfService('Bakery HQ fibre')).toBe('Bluebird Bakery')
  })

  it('lets the reseller cancel, and not the destination (which declines instead)', async () => {
    const { transfer } = await expectJson(await propose(), 201, 'proposeTransfer')
    expect((await act(await login(ownerOf['Copperleaf Studio']), 'Copperleaf Studio', transfer.id, 'cancel')).status).toBe(403)
    const cancelled = await expectJson(await act(await acmeOwner(), 'Acme Hosting', transfer.id, 'cancel'), 200, 'cancelTransfer')
    expect(cancelled.transfer.status).toBe('cancelled')
  })

  it('lists with a status filter, a search and a cursor', async () => {
    for (const s of ['Bakery HQ fibre', 'bluebird-pos-01', 'bluebird-backup-01']) expect((await propose(s)).status).toBe(201)
    const acme = await accountId('Acme Hosting')
    const alex = await acmeOwner()
    const list = async (q: string) => jsonOf(await api(`/accounts/${acme}/transfers${q}`, { cookie: alex }), 'listTransfers')
    expect((await list('?q=backup')).items.map((t) => t.service.name)).toEqual(['bluebird-backup-01'])
    expect((await list('?status=completed')).items).toEqual([])
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      seen.push(...page.items.map((t) => t.id))
      cursor = page.nextCursor
    } while (cursor)
    expect(seen).toEqual((await list('')).items.map((t) => t.id))
    expect(seen).toHaveLength(3)
  })
})
