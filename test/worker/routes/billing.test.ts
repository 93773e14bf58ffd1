import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { BillingUnavailable, httpBillingSource } from '../../../worker/src/adapters/billing.ts'
import { sendPaymentReminders, syncAllInvoices } from '../../../worker/src/domain/billing-cron.ts'
import { accountId, addMember, api, expectJson, login, membershipId, problem, userIdOf } from '../../helpers/client.ts'
import type { WireInvoice } from '../../helpers/billing-api.ts'
import { addMembership, createAccount, createUser } from '../../helpers/factories.ts'

const unique = () => crypto.randomUUID().slice(0, 8)
const DAY = 24 * 3600 * 1000
const iso = (ms: number) => new Date(ms).toISOString()

/** Fill the billing stand-in with what the operator's system holds for an account. */
async function holds(account: string, invoices: WireInvoice[]) {
  const res = await fetch(`${env.BILLING_API_URL}/_control/accounts/${encodeURIComponent(account)}/invoices`, { method: 'PUT', body: JSON.stringify(invoices) })
  expect(res.status).toBe(200)
}

/** The next `times` calls about the account fail in that way. */
async function failing(account: string, status: number | 'timeout' | 'garbage', times = 1) {
  await fetch(`${env.BILLING_API_URL}/_control/fail`, { method: 'POST', body: JSON.stringify({ account, status, times }) })
}

const invoice = (n: number, extra: Partial<WireInvoice> = {}): WireInvoice => ({
  id: `ext-${n}`,
  number: `INV-${1000 + n}`,
  issuedAt: iso(Date.now() - n * DAY),
  dueAt: iso(Date.now() + 20 * DAY - n * DAY),
  amountMinor: 1000 * n + 50,
  currency: 'eur',
  status: 'open',
  pdfUrl: `https://billing.example.test/pdf/${n}.pdf`,
  ...extra,
})

/** A fresh customer of Acme with an owner (fresh tables for counting). */
async function freshCustomer() {
  const customer = await createAccount({ name: `Billed ${unique()}`, kind: 'customer', parentId: await accountId('Acme Hosting') })
  const owner = await createUser()
  await addMembership(owner.id, customer.id, 'owner')
  return { customer, owner, cookie: await login(owner.email, 'a perfectly fine password') }
}

const sync = (cookie: string, account: string) => api(`/accounts/${account}/billing/sync`, { method: 'POST', cookie })

describe('billing: who may see and sync invoices (security first)', () => {
  // Security: nothing answers without a session.
  it('answers 401 without a session', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    for (const [method, path] of [['GET', `/accounts/${bluebird}/billing`], ['GET', `/accounts/${bluebird}/invoices`], ['GET', `/accounts/${bluebird}/billing/services`], ['POST', `/accounts/${bluebird}/billing/sync`]] as const) {
      expect((await api(path, { method })).status, path).toBe(401)
    }
  })

  // Security: another tenant's invoices are not there at all.
  it('answers 404 to a sibling tenant', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const globex = await login('owner@globex.test')
    const sam = await login('sam@freelance.test')
    for (const path of [`/accounts/${bluebird}/billing`, `/accounts/${bluebird}/invoices`, `/accounts/${bluebird}/billing/services`]) {
      expect((await api(path, { cookie: globex })).status, path).toBe(404)
    }
    expect((await sync(globex, bluebird)).status).toBe(404)
    // Sam belongs to Bluebird and Evergreen: Copperleaf is a sibling of his account.
    expect((await api(`/accounts/${await accountId('Copperleaf Studio')}/invoices`, { cookie: sam })).status).toBe(404)
  })

  // Security: billing is a financial section: technical roles and user-level members never see it; viewing is not syncing.
  it('refuses members without billing.view, and syncing without billing.manage', async () => {
    const acme = await accountId('Acme Hosting')
    expect((await api(`/accounts/${acme}/invoices`, { cookie: await login('tom@acme.test') })).status).toBe(403)
    expect((await api(`/accounts/${await accountId('Bluebird Bakery')}/invoices`, { cookie: await login('sam@freelance.test') })).status).toBe(403)
    const owner = await login('owner@acme.test')
    const roles = await api(`/accounts/${acme}/roles`, { method: 'POST', cookie: owner, json: { name: `Reader ${unique()}`, permissions: ['billing.view'] } })
    const roleId = (await expectJson(roles, 201, 'createRole')).role.id
    const email = `reader-${unique()}@example.test`
    expect((await addMember(owner, acme, { email, level: 'admin', roles: [roleId] }, 'amber-lighthouse-52-orchard')).status).toBe(201)
    const reader = await login(email, 'amber-lighthouse-52-orchard')
    expect((await api(`/accounts/${acme}/invoices`, { cookie: reader })).status).toBe(200)
    expect((await sync(reader, acme)).status).toBe(403)
    // Billie (Billing role) may sync.
    expect((await sync(await login('billie@acme.test'), acme)).status).toBe(200)
  })

  // Security: acting as a customer's owner does not open their invoices to someone who holds no billing.
  it('caps an impersonator by their own grants', async () => {
    const sarah = await login('sarah@acme.test')
    const bluebird = await accountId('Bluebird Bakery')
    expect((await api('/impersonation', { method: 'POST', cookie: sarah, json: { userId: await userIdOf('owner@bluebird.test'), accountId: bluebird, reason: 'Billing question' } })).status).toBe(201)
    expect((await api(`/accounts/${bluebird}/invoices`, { cookie: sarah })).status).toBe(403)
    expect((await sync(sarah, bluebird)).status).toBe(403)
  })

  // Security: a removed member's rights end at once.
  it('shuts out a removed member', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const email = `money-${unique()}@example.test`
    expect((await addMember(owner, acme, { email, level: 'admin', roles: ['billing'] }, 'amber-lighthouse-52-orchard')).status).toBe(201)
    const cookie = await login(email, 'amber-lighthouse-52-orchard')
    expect((await api(`/accounts/${acme}/invoices`, { cookie })).status).toBe(200)
    expect((await api(`/accounts/${acme}/members/${await membershipId(email, 'Acme Hosting')}`, { method: 'DELETE', cookie: owner })).status).toBe(204)
    expect([401, 404]).toContain((await api(`/accounts/${acme}/invoices`, { cookie })).status)
  })
})

describe('billing: invoices from the billing system', () => {
  it('syncs through every page of the real adapter, updates in place, and lists newest first with a cursor', async () => {
    const { customer, cookie } = await freshCustomer()
    await holds(customer.id, [1, 2, 3, 4, 5, 6, 7].map((n) => invoice(n)))
    const first = await expectJson(await sync(cookie, customer.id), 200, 'syncInvoices')
    expect(first).toMatchObject({ connected: true, ok: true, count: 7, error: null })
    // The system changes its mind about one invoice: the next sync updates it, adding none.
    await holds(customer.id, [1, 2, 3, 4, 5, 6, 7].map((n) => invoice(n, n === 2 ? { status: 'paid' } : {})))
    expect((await expectJson(await sync(cookie, customer.id), 200, 'syncInvoices')).count).toBe(7)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: { number: string; status: string; currency: string; pdfUrl: string | null }[]; nextCursor: string | null } = await expectJson(
        await api(`/accounts/${customer.id}/invoices?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { cookie }),
        200,
        'listInvoices',
      )
      seen.push(...page.items.map((i) => i.number))
      for (const i of page.items) expect(i.currency).toBe('EUR')
      cursor = page.nextCursor
    } while (cursor)
    expect(seen).toEqual(['INV-1001', 'INV-1002', 'INV-1003', 'INV-1004', 'INV-1005', 'INV-1006', 'INV-1007'])
    const paid = await expectJson(await api(`/accounts/${customer.id}/invoices?status=paid`, { cookie }), 200, 'listInvoices')
    expect(paid.items.map((i) => i.number)).toEqual(['INV-1002'])
    const summary = await expectJson(await api(`/accounts/${customer.id}/billing`, { cookie }), 200, 'getBillingSummary')
    expect(summary.open).toEqual([{ currency: 'EUR', amountMinor: [1, 3, 4, 5, 6, 7].reduce((s, n) => s + 1000 * n + 50, 0), count: 6 }])
    expect(summary.sync).toMatchObject({ error: null })
    const bad = await api(`/accounts/${customer.id}/invoices?status=unpaid&limit=0`, { cookie })
    expect(bad.status).toBe(400)
    expect((await problem(bad)).errors!.map((e) => e.field).sort()).toEqual(['limit', 'status'])
  })

  // Rule 17: the billing system failing never fails the request nor loses what was synced.
  it('keeps the invoices and reports the error when the billing system fails or breaks the protocol', async () => {
    const { customer, cookie } = await freshCustomer()
    await holds(customer.id, [invoice(1)])
    expect((await expectJson(await sync(cookie, customer.id), 200, 'syncInvoices')).ok).toBe(true)
    for (const how of [503, 401, 'garbage'] as const) {
      await failing(customer.id, how)
      const outcome = await expectJson(await sync(cookie, customer.id), 200, 'syncInvoices')
      expect(outcome.ok, String(how)).toBe(false)
      expect(outcome.error).toBeTruthy()
    }
    const list = await expectJson(await api(`/accounts/${customer.id}/invoices`, { cookie }), 200, 'listInvoices')
    expect(list.items).toHaveLength(1)
    const summary = await expectJson(await api(`/accounts/${customer.id}/billing`, { cookie }), 200, 'getBillingSummary')
    expect(summary.sync?.error).toContain('protocol')
    // An account the billing system does not know simply has no invoices.
    const unknown = await freshCustomer()
    expect(await expectJson(await sync(unknown.cookie, unknown.customer.id), 200, 'syncInvoices')).toMatchObject({ ok: true, count: 0 })
  })

  it('gives up on a billing system that does not answer in time', async () => {
    const account = `acc_${unique()}`
    await holds(account, [invoice(1)])
    await failing(account, 'timeout')
    const source = httpBillingSource({ url: env.BILLING_API_URL, token: env.BILLING_API_TOKEN, timeoutMs: 300 })
    await expect(source.invoices(account)).rejects.toBeInstanceOf(BillingUnavailable)
    expect(await source.invoices(account)).toHaveLength(1)
    // A wrong token is refused by the system and reported, never taken for "no invoices".
    await expect(httpBillingSource({ url: env.BILLING_API_URL, token: 'wrong' }).invoices(account)).rejects.toBeInstanceOf(BillingUnavailable)
  })

  it("lists the services expiring soon and the expired ones, the customers' included for those who may read them", async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const soon = await expectJson(await api(`/accounts/${acme}/billing/services?which=expiring&limit=100`, { cookie: owner }), 200, 'listBillingServices')
    const times = soon.items.map((s) => s.expiresAt!)
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(soon.items.map((s) => s.name)).toContain('copperleaf-render-01')
    for (const s of soon.items) expect(s.expiresAt! - Date.now()).toBeLessThanOrEqual(30 * DAY)
    const globex = await login('owner@globex.test')
    const expired = await expectJson(await api(`/accounts/${await accountId('Globex Partners')}/billing/services?which=expired`, { cookie: globex }), 200, 'listBillingServices')
    expect(expired.items.map((s) => s.name)).toContain('foxglove.farm')
    // Billie (Billing role, no customers.view) sees Acme's own services only.
    const billie = await expectJson(await api(`/accounts/${acme}/billing/services?which=expiring&days=365&limit=100`, { cookie: await login('billie@acme.test') }), 200, 'listBillingServices')
    for (const s of billie.items) expect(s.account.id).toBe(acme)
    const summary = await expectJson(await api(`/accounts/${acme}/billing`, { cookie: owner }), 200, 'getBillingSummary')
    expect(summary.expiringCount).toBe(soon.items.length)
  })
})

describe('billing: the daily sync', () => {
  it('syncs accounts never synced first, and a failing account keeps its invoices until the next run', async () => {
    const { customer, cookie } = await freshCustomer()
    await holds(customer.id, [invoice(1), invoice(2)])
    // Every account of the demo is due; the run goes through the oldest first, this one included (never synced).
    const first = await syncAllInvoices(env)
    expect(first.synced + first.failed).toBeGreaterThan(0)
    const listed = await expectJson(await api(`/accounts/${customer.id}/invoices`, { cookie }), 200, 'listInvoices')
    expect(listed.items.map((i) => i.number).sort()).toEqual(['INV-1001', 'INV-1002'])
    await failing(customer.id, 500, 5)
    await env.DB.prepare('UPDATE billing_syncs SET attempted_at = 0 WHERE account_id = ?').bind(customer.id).run()
    await syncAllInvoices(env)
    const after = await expectJson(await api(`/accounts/${customer.id}/billing`, { cookie }), 200, 'getBillingSummary')
    expect(after.sync?.error).toContain('HTTP 500')
    expect((await expectJson(await api(`/accounts/${customer.id}/invoices`, { cookie }), 200, 'listInvoices')).items).toHaveLength(2)
  })
})

describe('billing: payment reminders', () => {
  it('emails subscribed billing people once per invoice state, however often the cron runs', async () => {
    const { customer, owner, cookie } = await freshCustomer()
    await holds(customer.id, [invoice(1, { id: `due-${unique()}`, number: 'INV-DUE', dueAt: iso(Date.now() + DAY) }), invoice(2, { id: `late-${unique()}`, number: 'INV-LATE', status: 'overdue', dueAt: iso(Date.now() - 5 * DAY) })])
    expect((await expectJson(await sync(cookie, customer.id), 200, 'syncInvoices')).count).toBe(2)
    const membership = (await env.DB.prepare('SELECT id FROM memberships WHERE user_id = ? AND account_id = ?').bind(owner.id, customer.id).first<{ id: string }>())!.id
    const subscribe = await api(`/accounts/${customer.id}/members/${membership}/notifications`, { method: 'PUT', cookie, json: { types: ['payment_reminder'] } })
    expect(subscribe.status, await subscribe.clone().text()).toBe(200)
    const mails = async () =>
      (await env.DB.prepare('SELECT subject FROM email_outbox WHERE "to" = ? ORDER BY subject').bind(owner.email).all<{ subject: string }>()).results.map((r) => r.subject)
    await sendPaymentReminders(env)
    await Promise.all([sendPaymentReminders(env), sendPaymentReminders(env)])
    const subjects = await mails()
    expect(subjects.filter((s) => s.includes('INV-DUE'))).toEqual([expect.stringContaining('Due soon')])
    expect(subjects.filter((s) => s.includes('INV-LATE'))).toEqual([expect.stringContaining('Overdue')])
    // The due-soon invoice then becomes overdue: one more reminder, once.
    await sendPaymentReminders(env, Date.now() + 2 * DAY)
    await sendPaymentReminders(env, Date.now() + 3 * DAY)
    expect((await mails()).filter((s) => s.includes('INV-DUE'))).toHaveLength(2)
    const log = await expectJson(await api(`/accounts/${customer.id}/activity?type=payment_reminder`, { cookie }), 200, 'listActivity')
    expect(log.items).toHaveLength(3)
  })

  it('never reminds someone who may not see billing, even if subscribed', async () => {
    const { customer, cookie } = await freshCustomer()
    await holds(customer.id, [invoice(3, { id: `late-${unique()}`, number: 'INV-HIDDEN', status: 'overdue', dueAt: iso(Date.now() - DAY) })])
    await sync(cookie, customer.id)
    const tech = await createUser()
    await addMembership(tech.id, customer.id, 'admin')
    const membership = (await env.DB.prepare('SELECT id FROM memberships WHERE user_id = ? AND account_id = ?').bind(tech.id, customer.id).first<{ id: string }>())!.id
    // A subscription row written behind the API's back (or left from a role since removed).
    await env.DB.prepare("INSERT INTO notification_subscriptions (membership_id, account_id, type) VALUES (?, ?, 'payment_reminder')").bind(membership, customer.id).run()
    const refused = await api(`/accounts/${customer.id}/members/${membership}/notifications`, { method: 'PUT', cookie, json: { types: ['payment_reminder'] } })
    expect(refused.status).not.toBe(200)
    await sendPaymentReminders(env)
    const count = await env.DB.prepare('SELECT count(*) AS n FROM email_outbox WHERE "to" = ?').bind(tech.email).first<{ n: number }>()
    expect(count!.n).toBe(0)
  })
})
