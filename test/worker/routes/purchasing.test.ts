import { env, runDurableObjectAlarm } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { ActivityLog } from '../../../worker/src/durable/activity-log.ts'
import { accountId, addMember, api, expectJson, jsonOf, lastEmail, login, membershipId, problem, snapshot, userIdOf } from '../../helpers/client.ts'
import { addMembership, createAccount, createUser } from '../../helpers/factories.ts'

const unique = () => crypto.randomUUID().slice(0, 8)
const stub = (id: string) => env.ACTIVITY.get(env.ACTIVITY.idFromName(id)) as DurableObjectStub<ActivityLog>

/** A plan of Acme's demo catalogue by name. */
async function acmePlan(name: string) {
  const row = await env.DB.prepare('SELECT id FROM plans WHERE name = ? AND account_id = ?').bind(name, await accountId('Acme Hosting')).first<{ id: string }>()
  return row!.id
}

async function order(cookie: string, account: string, planId: string, serviceName?: string) {
  return api(`/accounts/${account}/orders`, { method: 'POST', cookie, json: { planId, ...(serviceName ? { serviceName } : {}) } })
}

/** Bluebird's owner orders Acme's server plan; returns the order. */
async function bluebirdOrders(serviceName = `web-${unique()}`) {
  const bluebird = await accountId('Bluebird Bakery')
  const res = await order(await login('owner@bluebird.test'), bluebird, await acmePlan('Cloud server 2 GB'), serviceName)
  return { bluebird, acme: await accountId('Acme Hosting'), order: (await expectJson(res, 201, 'placeOrder')).order }
}

const approve = (cookie: string, seller: string, orderId: string) => api(`/accounts/${seller}/received-orders/${orderId}/approve`, { method: 'POST', cookie })

async function events(cookie: string, account: string, type: string, q: string) {
  const res = await api(`/accounts/${account}/activity?type=${type}&q=${encodeURIComponent(q)}`, { cookie })
  expect(res.status, await res.clone().text()).toBe(200)
  return (await jsonOf(res, 'listActivity')).items
}

describe('purchasing: who may do what (security first)', () => {
  // Security: nothing of the catalogue or the orders answers without a session.
  it('answers 401 to a caller without a session, before reading the body', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const acme = await accountId('Acme Hosting')
    for (const [method, path] of [
      ['GET', `/accounts/${bluebird}/offers`],
      ['GET', `/accounts/${bluebird}/orders`],
      ['POST', `/accounts/${bluebird}/orders`],
      ['GET', `/accounts/${acme}/plans`],
      ['POST', `/accounts/${acme}/plans`],
      ['POST', `/accounts/${acme}/received-orders/ord_x/approve`],
    ] as const) {
      const res = await api(path, { method, json: method === 'POST' ? { junk: true } : undefined })
      expect(res.status, `${method} ${path}`).toBe(401)
    }
  })

  // Security: another reseller's tree is not there at all (404, not 403), so its ids cannot be probed.
  it("answers 404 to a sibling tenant for another reseller's catalogue, orders and approvals", async () => {
    const { bluebird, acme, order: placed } = await bluebirdOrders()
    const globex = await login('owner@globex.test')
    for (const [method, path] of [
      ['GET', `/accounts/${acme}/plans`],
      ['GET', `/accounts/${bluebird}/offers`],
      ['GET', `/accounts/${bluebird}/orders`],
      ['POST', `/accounts/${acme}/received-orders/${placed.id}/approve`],
      ['POST', `/accounts/${bluebird}/orders/${placed.id}/cancel`],
    ] as const) {
      expect((await api(path, { method, cookie: globex })).status, `${method} ${path}`).toBe(404)
    }
    // …and an order id of another tree under the caller's own account is not found either.
    const globexId = await accountId('Globex Partners')
    expect((await approve(globex, globexId, placed.id)).status).toBe(404)
    expect((await api(`/accounts/${bluebird}/orders/${placed.id}`, { cookie: globex })).status).toBe(404)
  })

  // Security: a customer sees only its own reseller's catalogue and cannot order from another.
  it("never shows or sells a customer another reseller's plans", async () => {
    const evergreen = await accountId('Evergreen Legal')
    const eve = await login('owner@evergreen.test')
    const offers = await expectJson(await api(`/accounts/${evergreen}/offers`, { cookie: eve }), 200, 'listOffers')
    expect(offers.seller.name).toBe('Globex Partners')
    expect(offers.items).toEqual([])
    const before = await snapshot('services')
    const res = await order(eve, evergreen, await acmePlan('Cloud server 2 GB'))
    expect(res.status).toBe(400)
    expect(await problem(res)).toMatchObject({ errors: [{ field: 'planId' }] })
    expect(await snapshot('services')).toBe(before)
    // Acme's customers see only the active plans.
    const bea = await login('owner@bluebird.test')
    const acmeOffers = await expectJson(await api(`/accounts/${await accountId('Bluebird Bakery')}/offers`, { cookie: bea }), 200, 'listOffers')
    expect(acmeOffers.items.map((p) => p.name)).toEqual(['Business hosting', 'Cloud server 2 GB', 'Domain (.com)', 'Starter hosting'])
    // A withdrawn plan cannot be ordered.
    expect((await order(bea, await accountId('Bluebird Bakery'), await acmePlan('Legacy mailbox'))).status).toBe(400)
  })

  // Security: the buyer cannot approve its own order, from its own account or its parent's.
  it('refuses a customer approving its own order', async () => {
    const { bluebird, acme, order: placed } = await bluebirdOrders()
    const bea = await login('owner@bluebird.test')
    expect((await approve(bea, bluebird, placed.id)).status).toBe(404)
    expect((await approve(bea, acme, placed.id)).status).toBe(404)
    const row = await env.DB.prepare('SELECT status FROM orders WHERE id = ?').bind(placed.id).first<{ status: string }>()
    expect(row!.status).toBe('pending')
  })

  // Security: lower levels and roles without the permission are refused (403), and nothing changes.
  it('refuses members without purchasing.manage or purchasing.buy, and user-level members', async () => {
    const { bluebird, acme, order: placed } = await bluebirdOrders()
    const billie = await login('billie@acme.test')
    expect((await approve(billie, acme, placed.id)).status).toBe(403)
    const tom = await login('tom@acme.test')
    expect((await api(`/accounts/${acme}/plans`, { method: 'POST', cookie: tom, json: { name: 'x', serviceType: 'server', priceMinor: 1, currency: 'EUR', period: 'monthly' } })).status).toBe(403)
    // Sam is an admin of Bluebird with the Technical role only.
    const sam = await login('sam@freelance.test')
    expect((await order(sam, bluebird, await acmePlan('Starter hosting'))).status).toBe(403)
    // A user-level member cannot hold a financial permission at all: the Purchasing role is refused at the door.
    const owner = await login('owner@bluebird.test')
    const invited = await api(`/accounts/${bluebird}/members`, { method: 'POST', cookie: owner, json: { email: `u-${unique()}@example.test`, level: 'user', roles: ['purchasing'] } })
    expect(invited.status).toBe(422)
  })

  // Security: a support person acting as the customer cannot buy beyond their own rights, nor reach their own account's queue.
  it('caps an impersonator by their own grants', async () => {
    const sarah = await login('sarah@acme.test')
    const started = await api('/impersonation', {
      method: 'POST',
      cookie: sarah,
      json: { userId: await userIdOf('owner@bluebird.test'), accountId: await accountId('Bluebird Bakery'), reason: 'Helping with an order' },
    })
    expect(started.status).toBe(201)
    const bluebird = await accountId('Bluebird Bakery')
    const res = await order(sarah, bluebird, await acmePlan('Starter hosting'))
    expect(res.status).toBe(403)
    const { order: placed } = await bluebirdOrders()
    expect((await approve(sarah, await accountId('Acme Hosting'), placed.id)).status).toBe(404)
  })

  // Security: a removed member's rights end at once.
  it('shuts out a removed member', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const owner = await login('owner@bluebird.test')
    const email = `buyer-${unique()}@example.test`
    expect((await addMember(owner, bluebird, { email, level: 'admin', roles: ['purchasing'] }, 'amber-lighthouse-52-orchard')).status).toBe(201)
    const buyer = await login(email, 'amber-lighthouse-52-orchard')
    expect((await order(buyer, bluebird, await acmePlan('Starter hosting'))).status).toBe(201)
    expect((await api(`/accounts/${bluebird}/members/${await membershipId(email, 'Bluebird Bakery')}`, { method: 'DELETE', cookie: owner })).status).toBe(204)
    const after = await order(buyer, bluebird, await acmePlan('Starter hosting'))
    expect([401, 404]).toContain(after.status)
    expect([401, 404]).toContain((await api(`/accounts/${bluebird}/orders`, { cookie: buyer })).status)
  })
})

describe('purchasing: the catalogue', () => {
  it('lets the parent publish, change and withdraw plans, with field errors', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const name = `Plan ${unique()}`
    const created = await expectJson(
      await api(`/accounts/${acme}/plans`, { method: 'POST', cookie: owner, json: { name, serviceType: 'mailbox', priceMinor: 450, currency: 'eur', period: 'monthly' } }),
      201,
      'createPlan',
    )
    expect(created.plan).toMatchObject({ name, currency: 'EUR', active: true })
    const taken = await api(`/accounts/${acme}/plans`, { method: 'POST', cookie: owner, json: { name, serviceType: 'mailbox', priceMinor: 450, currency: 'EUR', period: 'monthly' } })
    expect(taken.status).toBe(409)
    expect(await problem(taken)).toMatchObject({ errors: [{ field: 'name' }] })
    const bad = await api(`/accounts/${acme}/plans`, { method: 'POST', cookie: owner, json: { name: 'x', serviceType: 'spaceship', priceMinor: 1.5, currency: 'EURO', period: 'weekly' } })
    expect(bad.status).toBe(400)
    expect((await problem(bad)).errors!.map((e) => e.field).sort()).toEqual(['currency', 'period', 'priceMinor', 'serviceType'])
    const withdrawn = await expectJson(await api(`/accounts/${acme}/plans/${created.plan.id}`, { method: 'PATCH', cookie: owner, json: { active: false } }), 200, 'updatePlan')
    expect(withdrawn.plan.active).toBe(false)
    const list = await expectJson(await api(`/accounts/${acme}/plans`, { cookie: owner }), 200, 'listPlans')
    expect(list.items.find((p) => p.id === created.plan.id)?.active).toBe(false)
    expect((await events(owner, acme, 'plan_created,plan_updated', name)).map((e) => e.type).sort()).toEqual(['plan_created', 'plan_updated'])
    // A customer has no catalogue of its own.
    expect((await api(`/accounts/${await accountId('Bluebird Bakery')}/plans`, { cookie: await login('owner@bluebird.test') })).status).toBe(404)
  })
})

describe('purchasing: orders', () => {
  it('takes an order to approval: the service is created in the customer, both sides are logged and emailed', async () => {
    const serviceName = `web-${unique()}`
    const { bluebird, acme, order: placed } = await bluebirdOrders(serviceName)
    expect(placed).toMatchObject({ status: 'pending', serviceName, buyer: { name: 'Bluebird Bakery' }, seller: { name: 'Acme Hosting' }, orderedBy: 'owner@bluebird.test', allowed: { cancel: true, decide: false } })
    expect((await lastEmail('owner@acme.test')).subject).toContain('New order from Bluebird Bakery')
    const owner = await login('owner@acme.test')
    const received = await expectJson(await api(`/accounts/${acme}/received-orders?status=pending`, { cookie: owner }), 200, 'listReceivedOrders')
    expect(received.items.find((o) => o.id === placed.id)?.allowed).toEqual({ cancel: false, decide: true })
    const approved = await expectJson(await approve(owner, acme, placed.id), 200, 'approveOrder')
    expect(approved.order).toMatchObject({ status: 'approved', decidedBy: 'owner@acme.test' })
    const service = await env.DB.prepare('SELECT account_id, type, name, status, expires_at FROM services WHERE id = ?').bind(approved.order.serviceId).first<Record<string, unknown>>()
    expect(service).toMatchObject({ account_id: bluebird, type: 'server', name: serviceName, status: 'active' })
    expect((await lastEmail('owner@bluebird.test')).subject).toContain('was approved')
    const bea = await login('owner@bluebird.test')
    expect((await events(bea, bluebird, 'order_placed,order_approved', 'Cloud server')).length).toBeGreaterThanOrEqual(2)
    // The customer's log forwards to Acme's: Acme's log has each event once.
    for (let i = 0; i < 5; i++) await runDurableObjectAlarm(stub(bluebird))
    const inAcme = (await events(owner, acme, 'order_approved', serviceName)).filter((e) => e.target?.id === placed.id)
    expect(inAcme).toHaveLength(1)
    // Deciding twice is a conflict.
    expect((await approve(owner, acme, placed.id)).status).toBe(409)
  })

  it('declines with a reason the buyer sees, and refuses a decline without one', async () => {
    const { bluebird, acme, order: placed } = await bluebirdOrders()
    const owner = await login('owner@acme.test')
    const empty = await api(`/accounts/${acme}/received-orders/${placed.id}/decline`, { method: 'POST', cookie: owner, json: { reason: '  ' } })
    expect(empty.status).toBe(400)
    expect(await problem(empty)).toMatchObject({ errors: [{ field: 'reason' }] })
    const declined = await expectJson(await api(`/accounts/${acme}/received-orders/${placed.id}/decline`, { method: 'POST', cookie: owner, json: { reason: 'Out of stock this month' } }), 200, 'declineOrder')
    expect(declined.order).toMatchObject({ status: 'declined', reason: 'Out of stock this month', serviceId: null })
    const mine = await expectJson(await api(`/accounts/${bluebird}/orders?status=declined`, { cookie: await login('owner@bluebird.test') }), 200, 'listOrders')
    expect(mine.items.find((o) => o.id === placed.id)?.reason).toBe('Out of stock this month')
    expect((await lastEmail('owner@bluebird.test')).text).toContain('Out of stock this month')
  })

  it('lets the buyer cancel its own pending order, once; a cancelled order cannot be approved', async () => {
    const { bluebird, acme, order: placed } = await bluebirdOrders()
    const bea = await login('owner@bluebird.test')
    const cancelled = await expectJson(await api(`/accounts/${bluebird}/orders/${placed.id}/cancel`, { method: 'POST', cookie: bea }), 200, 'cancelOrder')
    expect(cancelled.order.status).toBe('cancelled')
    expect((await api(`/accounts/${bluebird}/orders/${placed.id}/cancel`, { method: 'POST', cookie: bea })).status).toBe(409)
    expect((await approve(await login('owner@acme.test'), acme, placed.id)).status).toBe(409)
    // Another customer's order is not the caller's to cancel.
    const copperleaf = await accountId('Copperleaf Studio')
    const other = await expectJson(await order(await login('owner@copperleaf.test'), copperleaf, await acmePlan('Starter hosting')), 201, 'placeOrder')
    expect((await api(`/accounts/${bluebird}/orders/${other.order.id}/cancel`, { method: 'POST', cookie: bea })).status).toBe(404)
  })

  it('pages through orders with a cursor, newest first, filtered by status', async () => {
    const copperleaf = await accountId('Copperleaf Studio')
    const carl = await login('owner@copperleaf.test')
    const plan = await acmePlan('Starter hosting')
    const placed: string[] = []
    for (let i = 0; i < 5; i++) placed.push((await expectJson(await order(carl, copperleaf, plan, `site-${i}`), 201, 'placeOrder')).order.id)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: { id: string; status: string }[]; nextCursor: string | null } = await expectJson(
        await api(`/accounts/${copperleaf}/orders?status=pending&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { cookie: carl }),
        200,
        'listOrders',
      )
      expect(page.items.length).toBeLessThanOrEqual(2)
      for (const o of page.items) expect(o.status).toBe('pending')
      seen.push(...page.items.map((o) => o.id))
      cursor = page.nextCursor
    } while (cursor)
    expect(new Set(seen).size).toBe(seen.length)
    for (const id of placed) expect(seen).toContain(id)
    const bad = await api(`/accounts/${copperleaf}/orders?status=shipped&cursor=zzz`, { cookie: carl })
    expect(bad.status).toBe(400)
  })

  it('lets a reseller buy from the platform, logged in both logs', async () => {
    const nimbus = await accountId('Nimbus Cloud')
    const acme = await accountId('Acme Hosting')
    const plan = (await env.DB.prepare('SELECT id FROM plans WHERE account_id = ?').bind(nimbus).first<{ id: string }>())!.id
    const name = `pack-${unique()}`
    const placed = await expectJson(await order(await login('owner@acme.test'), acme, plan, name), 201, 'placeOrder')
    const nora = await login('admin@nimbus.test')
    expect((await events(nora, nimbus, 'order_placed', 'Partner server pack')).some((e) => e.target?.id === placed.order.id)).toBe(true)
    expect((await events(await login('owner@acme.test'), acme, 'order_placed', 'Partner server pack')).some((e) => e.target?.id === placed.order.id)).toBe(true)
    const approved = await expectJson(await approve(nora, nimbus, placed.order.id), 200, 'approveOrder')
    const service = await env.DB.prepare('SELECT account_id, name FROM services WHERE id = ?').bind(approved.order.serviceId).first()
    expect(service).toEqual({ account_id: acme, name })
  })
})

describe('purchasing: approval checks the limit in the same write', () => {
  /** A reseller allowed `slots` more servers, with one customer, and `orders` pending server orders of it. */
  async function tightReseller(orders: number) {
    const nimbus = await accountId('Nimbus Cloud')
    const reseller = await createAccount({ name: `Tight ${unique()}`, kind: 'reseller', parentId: nimbus })
    await env.DB.prepare('UPDATE accounts SET limits = ? WHERE id = ?').bind(JSON.stringify({ max_services: { server: 2 } }), reseller.id).run()
    const customer = await createAccount({ name: `Shop ${unique()}`, kind: 'customer', parentId: reseller.id })
    // One server already: one slot left.
    await env.DB.prepare("INSERT INTO services (id, account_id, type, name) VALUES (?, ?, 'server', 'existing')").bind(`svc_${unique()}`, customer.id).run()
    const seller = await createUser()
    await addMembership(seller.id, reseller.id, 'owner')
    const buyer = await createUser()
    await addMembership(buyer.id, customer.id, 'owner')
    const sellerCookie = await login(seller.email, 'a perfectly fine password')
    const buyerCookie = await login(buyer.email, 'a perfectly fine password')
    const plan = await expectJson(
      await api(`/accounts/${reseller.id}/plans`, { method: 'POST', cookie: sellerCookie, json: { name: 'Server', serviceType: 'server', priceMinor: 1000, currency: 'EUR', period: 'monthly' } }),
      201,
      'createPlan',
    )
    const ids: string[] = []
    for (let i = 0; i < orders; i++) ids.push((await expectJson(await order(buyerCookie, customer.id, plan.plan.id, `srv-${i}`), 201, 'placeOrder')).order.id)
    const servers = async () => (await env.DB.prepare("SELECT count(*) AS n FROM services WHERE account_id = ? AND type = 'server'").bind(customer.id).first<{ n: number }>())!.n
    return { reseller, customer, sellerCookie, ids, servers }
  }

  it('gives the last slot to exactly one of two approvals that race for it', async () => {
    const { reseller, sellerCookie, ids, servers } = await tightReseller(2)
    const answers = await Promise.all(ids.map((id) => approve(sellerCookie, reseller.id, id)))
    expect(answers.map((r) => r.status).sort()).toEqual([200, 422])
    const refused = answers.find((r) => r.status === 422)!
    expect(await problem(refused)).toMatchObject({ code: 'limit_reached' })
    expect(await servers()).toBe(2)
    const statuses = await env.DB.prepare(`SELECT status FROM orders WHERE id IN (?, ?) ORDER BY status`).bind(...ids).all<{ status: string }>()
    // The refused order stays pending: the seller may decline it or free a slot.
    expect(statuses.results.map((r) => r.status)).toEqual(['approved', 'pending'])
  })

  it('creates one service when the same order is approved twice at once', async () => {
    const { reseller, sellerCookie, ids, servers } = await tightReseller(1)
    await env.DB.prepare('UPDATE accounts SET limits = NULL WHERE id = ?').bind(reseller.id).run()
    const answers = await Promise.all([approve(sellerCookie, reseller.id, ids[0]!), approve(sellerCookie, reseller.id, ids[0]!)])
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409])
    expect(await servers()).toBe(2)
  })
})
