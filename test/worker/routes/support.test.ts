import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { accountId, api, expectJson, jsonOf, login, membershipId, problem, serviceId, userIdOf } from '../../helpers/client.ts'
import { addMembership, createUser } from '../../helpers/factories.ts'

const tickets = (account: string) => `/accounts/${account}/tickets`
const ticket = (account: string, id: string) => `/accounts/${account}/tickets/${id}`

/** Bea (owner of Bluebird Bakery, a customer of Acme) opens a ticket; returns its id. */
async function open(cookie?: string, extra: Record<string, unknown> = {}) {
  const bluebird = await accountId('Bluebird Bakery')
  const res = await api(tickets(bluebird), { method: 'POST', cookie: cookie ?? (await login('owner@bluebird.test')), json: { subject: 'Mail bounces', body: 'Our mail bounces since noon.', priority: 'high', ...extra } })
  return (await expectJson(res, 201, 'openTicket')).ticket
}

const emailsTo = async (to: string) =>
  (await env.DB.prepare('SELECT subject, text, html, sender FROM email_outbox WHERE "to" = ? ORDER BY created_at, rowid').bind(to).all<{ subject: string; text: string; html: string }>()).results

/** A user-level member of Bluebird with the Technical role (support.view, but never support.contact). */
async function bluebirdUser() {
  const email = `user-${crypto.randomUUID().slice(0, 8)}@bluebird.test`
  const user = await createUser({ email, password: 'a perfectly fine password' })
  await addMembership(user.id, await accountId('Bluebird Bakery'), 'user')
  await env.DB.prepare("INSERT INTO membership_roles (membership_id, role_id) VALUES (?, 'technical')").bind(await membershipId(email, 'Bluebird Bakery')).run()
  return login(email, 'a perfectly fine password')
}

describe('support tickets: who may not', () => {
  // Security (rule 1): another reseller's people learn nothing, not even that the ticket exists.
  it('answers 404 to another tenant, from the queue and from the ticket’s own account', async () => {
    const t = await open()
    const globex = await login('owner@globex.test')
    for (const account of [await accountId('Acme Hosting'), await accountId('Bluebird Bakery')]) {
      expect((await api(ticket(account, t.id), { cookie: globex })).status).toBe(404)
      expect((await api(`${ticket(account, t.id)}/messages`, { method: 'POST', cookie: globex, json: { body: 'hi' } })).status).toBe(404)
    }
    // …nor through its own account's id: a ticket is found only from one of its two accounts.
    const evergreen = await accountId('Evergreen Legal')
    expect((await api(ticket(evergreen, t.id), { cookie: await login('owner@evergreen.test') })).status).toBe(404)
  })

  // Security (rule 1): a sibling customer of the same reseller never sees another customer's ticket.
  it('answers 404 to a sibling customer, whatever account id it tries', async () => {
    const t = await open()
    const carl = await login('owner@copperleaf.test')
    const copperleaf = await accountId('Copperleaf Studio')
    expect((await api(ticket(copperleaf, t.id), { cookie: carl })).status).toBe(404)
    expect((await api(`${ticket(copperleaf, t.id)}/messages`, { method: 'POST', cookie: carl, json: { body: 'peek' } })).status).toBe(404)
    expect((await api(ticket(await accountId('Bluebird Bakery'), t.id), { cookie: carl })).status).toBe(404)
    expect((await api(ticket(await accountId('Acme Hosting'), t.id), { cookie: carl })).status).toBe(404)
    const mine = await jsonOf(await api(tickets(copperleaf), { cookie: carl }), 'listTickets')
    expect(mine.items.map((i) => i.id)).not.toContain(t.id)
  })

  it('answers 401 without a session, before reading the body', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const res = await api(tickets(bluebird), { method: 'POST', json: { subject: 42 } })
    expect(res.status).toBe(401)
    expect((await api('/me/notifications')).status).toBe(401)
  })

  // Rule 3: users never contact support; they may read the tickets if their role lets them.
  it('lets a user-level member read tickets but never open or answer one', async () => {
    const t = await open()
    const user = await bluebirdUser()
    const bluebird = await accountId('Bluebird Bakery')
    const refused = await api(tickets(bluebird), { method: 'POST', cookie: user, json: { subject: 'x', body: 'y' } })
    expect(refused.status).toBe(403)
    expect((await problem(refused)).code).toBe('forbidden')
    expect((await api(`${ticket(bluebird, t.id)}/messages`, { method: 'POST', cookie: user, json: { body: 'me too' } })).status).toBe(403)
    expect((await api(ticket(bluebird, t.id), { method: 'PATCH', cookie: user, json: { status: 'closed' } })).status).toBe(403)
    const read = await jsonOf(await api(ticket(bluebird, t.id), { cookie: user }), 'getTicket')
    expect(read.allowed).toMatchObject({ reply: false, close: false })
  })

  it('refuses the queue to staff without support.view, and the queue’s writes to staff without support.contact', async () => {
    const t = await open()
    const acme = await accountId('Acme Hosting')
    // Billie holds only the Billing role.
    const billie = await login('billie@acme.test')
    expect((await api(`${tickets(acme)}?view=queue`, { cookie: billie })).status).toBe(403)
    expect((await api(`${ticket(acme, t.id)}/messages`, { method: 'POST', cookie: billie, json: { body: 'x' } })).status).toBe(403)
  })

  // A message says truthfully which side wrote it: staff above the customer answer from their queue.
  it('refuses staff of the parent writing on the customer’s side', async () => {
    const t = await open()
    const bluebird = await accountId('Bluebird Bakery')
    const owner = await login('owner@acme.test')
    const opened = await api(tickets(bluebird), { method: 'POST', cookie: owner, json: { subject: 'x', body: 'y' } })
    expect(opened.status).toBe(403)
    expect((await api(`${ticket(bluebird, t.id)}/messages`, { method: 'POST', cookie: owner, json: { body: 'x' } })).status).toBe(403)
    // …but reading from above is allowed, as the rest of the customer's data is.
    expect((await api(ticket(bluebird, t.id), { cookie: owner })).status).toBe(200)
  })

  it('refuses a ticket about another account’s service, naming the field', async () => {
    const res = await api(tickets(await accountId('Bluebird Bakery')), {
      method: 'POST',
      cookie: await login('owner@bluebird.test'),
      json: { subject: 'x', body: 'y', serviceId: await serviceId('copperleaf-render-01') },
    })
    expect(res.status).toBe(400)
    expect((await problem(res)).errors?.[0]?.field).toBe('serviceId')
  })

  // Rule 8 and 15: a removed member or a disabled account gets nothing, notices included.
  it('gives a removed member nothing: the tickets, the queue and their notices are gone', async () => {
    const sam = await login('sam@freelance.test')
    const t = await open(sam)
    const bluebird = await accountId('Bluebird Bakery')
    const acme = await accountId('Acme Hosting')
    expect((await api(`${ticket(acme, t.id)}/messages`, { method: 'POST', cookie: await login('sarah@acme.test'), json: { body: 'Looking into it.' } })).status).toBe(201)
    expect((await jsonOf(await api('/me/notifications', { cookie: sam }), 'listMyNotices')).unread).toBe(1)
    expect((await api(`/accounts/${bluebird}/members/${await membershipId('sam@freelance.test', 'Bluebird Bakery')}`, { method: 'DELETE', cookie: await login('owner@bluebird.test') })).status).toBe(204)
    expect((await api(ticket(bluebird, t.id), { cookie: sam })).status).toBe(404)
    expect((await api(`${ticket(bluebird, t.id)}/messages`, { method: 'POST', cookie: sam, json: { body: 'still here?' } })).status).toBe(404)
    const inbox = await jsonOf(await api('/me/notifications', { cookie: sam }), 'listMyNotices')
    expect(inbox).toMatchObject({ items: [], unread: 0 })
  })

  it('shuts a disabled customer out of its tickets and hides its notices', async () => {
    const bea = await login('owner@bluebird.test')
    const t = await open(bea)
    const acme = await accountId('Acme Hosting')
    const bluebird = await accountId('Bluebird Bakery')
    expect((await api(`${ticket(acme, t.id)}/messages`, { method: 'POST', cookie: await login('sarah@acme.test'), json: { body: 'On it.' } })).status).toBe(201)
    await env.DB.prepare("UPDATE accounts SET status = 'disabled' WHERE id = ?").bind(bluebird).run()
    const res = await api(ticket(bluebird, t.id), { cookie: bea })
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('account_suspended')
    expect((await jsonOf(await api('/me/notifications', { cookie: bea }), 'listMyNotices')).unread).toBe(0)
    await env.DB.prepare("UPDATE accounts SET status = 'active' WHERE id = ?").bind(bluebird).run()
  })

  // Rule 7: an impersonator acts within the impersonated person's rights, and is named.
  it('lets someone acting as a customer admin open a ticket as them, recorded with the impersonator', async () => {
    const sarah = await login('sarah@acme.test')
    const bluebird = await accountId('Bluebird Bakery')
    const started = await api('/impersonation', { method: 'POST', cookie: sarah, json: { userId: await userIdOf('sam@freelance.test'), accountId: bluebird, reason: 'ticket 4712' } })
    expect(started.status).toBe(201)
    const t = await open(sarah)
    expect(t.openedBy).toBe('sam@freelance.test')
    const acme = await accountId('Acme Hosting')
    const seen = await jsonOf(await api(ticket(acme, t.id), { cookie: await login('owner@acme.test') }), 'getTicket')
    expect(seen.messages[0]).toMatchObject({ author: { email: 'sam@freelance.test' }, actingFor: 'sarah@acme.test' })
    // The customer sees who wrote, not who was behind it.
    const asCustomer = await jsonOf(await api(ticket(bluebird, t.id), { cookie: await login('owner@bluebird.test') }), 'getTicket')
    expect(asCustomer.messages[0]!.actingFor).toBeNull()
    const events = await jsonOf(await api(`/accounts/${bluebird}/activity?type=update_tickets`, { cookie: await login('owner@acme.test') }), 'listActivity')
    expect(events.items[0]).toMatchObject({ actor: { email: 'sarah@acme.test' }, subject: { email: 'sam@freelance.test' }, target: { kind: 'ticket', id: t.id } })
    // Sam is an admin with Technical: he may contact support. Acting as a user-level member would not.
    expect((await api('/impersonation', { method: 'DELETE', cookie: sarah })).status).toBe(204)
  })

  it('does not let an impersonator mark the person’s notices read', async () => {
    const owner = await login('owner@acme.test')
    expect((await api('/impersonation', { method: 'POST', cookie: owner, json: { userId: await userIdOf('owner@bluebird.test'), accountId: await accountId('Bluebird Bakery'), reason: 'inbox' } })).status).toBe(201)
    expect((await api('/me/notifications', { cookie: owner })).status).toBe(200)
    const res = await api('/me/notifications/read', { method: 'POST', cookie: owner, json: {} })
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('impersonation_restricted')
  })
})

describe('support tickets: the conversation', () => {
  it('puts a customer’s ticket in the parent’s queue, tells its staff, and carries replies both ways', async () => {
    const bea = await login('owner@bluebird.test')
    const sarah = await login('sarah@acme.test')
    const acme = await accountId('Acme Hosting')
    const bluebird = await accountId('Bluebird Bakery')
    const svc = await serviceId('www.bluebirdbakery.com')
    const t = await open(bea, { serviceId: svc, subject: 'Checkout is slow today' })
    expect(t).toMatchObject({ status: 'open', priority: 'high', service: { id: svc }, account: { id: bluebird }, parentId: acme })

    const queue = await jsonOf(await api(`${tickets(acme)}?view=queue&status=open&q=checkout IS SLOW`, { cookie: sarah }), 'listTickets')
    expect(queue.items.map((i) => i.id)).toContain(t.id)
    expect(queue.customers.map((c) => c.id)).toContain(bluebird)
    // Staff who may answer are told in the portal and by email, in the reseller's brand.
    const mail = (await emailsTo('sarah@acme.test')).at(-1)!
    expect(mail.subject).toBe('New ticket from Bluebird Bakery: Checkout is slow today')
    expect(mail.text).toContain(`/a/${acme}/support/${t.id}`)
    expect(mail.html).toContain('Acme Hosting')
    const sarahInbox = await jsonOf(await api('/me/notifications?unread=1', { cookie: sarah }), 'listMyNotices')
    expect(sarahInbox.items[0]).toMatchObject({ type: 'ticket', link: `/a/${acme}/support/${t.id}`, account: { id: acme } })

    const reply = await api(`${ticket(acme, t.id)}/messages`, { method: 'POST', cookie: sarah, json: { body: 'We restarted the PHP workers.' } })
    expect(await expectJson(reply, 201, 'replyToTicket')).toMatchObject({ status: 'waiting' })
    const customerMail = (await emailsTo('owner@bluebird.test')).at(-1)!
    expect(customerMail.subject).toBe('Reply on your ticket: Checkout is slow today')
    expect(customerMail.text).toContain('We restarted the PHP workers.')
    expect(customerMail.text).toContain(`/a/${bluebird}/support/${t.id}`)
    const beaInbox = await jsonOf(await api('/me/notifications', { cookie: bea }), 'listMyNotices')
    expect(beaInbox.unread).toBeGreaterThanOrEqual(1)
    expect(beaInbox.items[0]).toMatchObject({ title: 'Reply on your ticket: Checkout is slow today', link: `/a/${bluebird}/support/${t.id}` })

    const seen = await jsonOf(await api(ticket(bluebird, t.id), { cookie: bea }), 'getTicket')
    expect(seen.side).toBe('customer')
    expect(seen.ticket.status).toBe('waiting')
    expect(seen.messages.map((m) => m.side)).toEqual(['customer', 'staff'])
    expect(seen.ticket.assignee).toBeNull()

    // Marking read brings the badge down.
    const marked = await jsonOf(await api('/me/notifications/read', { method: 'POST', cookie: bea, json: { ids: [beaInbox.items[0]!.id] } }), 'markMyNoticesRead')
    expect(marked.marked).toBe(1)
    expect(marked.unread).toBe(beaInbox.unread - 1)
  })

  it('assigns to a member of the parent who may see the queue, in the parent’s log, and tells them', async () => {
    const t = await open()
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const sarahMember = await membershipId('sarah@acme.test', 'Acme Hosting')
    const billieMember = await membershipId('billie@acme.test', 'Acme Hosting')
    const wrong = await api(ticket(acme, t.id), { method: 'PATCH', cookie: owner, json: { assigneeId: billieMember } })
    expect(wrong.status).toBe(400)
    expect((await problem(wrong)).errors?.[0]?.field).toBe('assigneeId')
    const done = await jsonOf(await api(ticket(acme, t.id), { method: 'PATCH', cookie: owner, json: { assigneeId: sarahMember, priority: 'urgent' } }), 'changeTicket')
    expect(done.ticket).toMatchObject({ priority: 'urgent', assignee: { id: sarahMember, email: 'sarah@acme.test' } })
    expect((await emailsTo('sarah@acme.test')).at(-1)!.subject).toBe('Assigned to you: Mail bounces')
    const mine = await jsonOf(await api(`${tickets(acme)}?view=queue&assignee=${sarahMember}&sort=priority`, { cookie: owner }), 'listTickets')
    expect(mine.items[0]!.id).toBe(t.id)
    // Assignment is the parent's business: the customer sees neither the assignee nor the event.
    const bluebird = await accountId('Bluebird Bakery')
    const bea = await login('owner@bluebird.test')
    expect((await jsonOf(await api(ticket(bluebird, t.id), { cookie: bea }), 'getTicket')).ticket.assignee).toBeNull()
    const customerLog = await jsonOf(await api(`/accounts/${bluebird}/activity?type=update_tickets&q=assigned`, { cookie: bea }), 'listActivity')
    expect(customerLog.items).toEqual([])
    const parentLog = await jsonOf(await api(`/accounts/${acme}/activity?type=update_tickets&q=assigned`, { cookie: owner }), 'listActivity')
    expect(parentLog.items[0]).toMatchObject({ accountId: acme, target: { id: t.id } })
    // The customer may close and reopen, never assign.
    expect((await api(ticket(bluebird, t.id), { method: 'PATCH', cookie: bea, json: { assigneeId: sarahMember } })).status).toBe(403)
  })

  it('closes and reopens; a closed ticket takes no reply', async () => {
    const bea = await login('owner@bluebird.test')
    const t = await open(bea)
    const bluebird = await accountId('Bluebird Bakery')
    expect((await jsonOf(await api(ticket(bluebird, t.id), { method: 'PATCH', cookie: bea, json: { status: 'closed' } }), 'changeTicket')).ticket.status).toBe('closed')
    const refused = await api(`${ticket(bluebird, t.id)}/messages`, { method: 'POST', cookie: bea, json: { body: 'one more thing' } })
    expect(refused.status).toBe(409)
    expect((await api(ticket(bluebird, t.id), { method: 'PATCH', cookie: bea, json: { status: 'waiting' } })).status).toBe(403)
    expect((await jsonOf(await api(ticket(bluebird, t.id), { method: 'PATCH', cookie: bea, json: { status: 'open' } }), 'changeTicket')).ticket.status).toBe('open')
    const log = await jsonOf(await api(`/accounts/${bluebird}/activity?type=update_tickets`, { cookie: bea }), 'listActivity')
    expect(log.items.slice(0, 3).map((e) => e.description)).toEqual([
      expect.stringContaining('reopened'),
      expect.stringContaining('closed'),
      expect.stringContaining('opened ticket'),
    ])
  })

  it('pages the queue with a cursor, newest activity first, and refuses a forged cursor', async () => {
    const bea = await login('owner@bluebird.test')
    for (let i = 0; i < 3; i++) await open(bea, { subject: `Paging ${i}` })
    const acme = await accountId('Acme Hosting')
    const sarah = await login('sarah@acme.test')
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: { id: string; subject: string }[]; next: string | null } = await jsonOf(
        await api(`${tickets(acme)}?view=queue&q=Paging&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { cookie: sarah }),
        'listTickets',
      )
      seen.push(...page.items.map((i) => i.subject))
      cursor = page.next
    } while (cursor)
    expect(seen).toEqual(['Paging 2', 'Paging 1', 'Paging 0'])
    const bad = await api(`${tickets(acme)}?view=queue&cursor=nonsense`, { cookie: sarah })
    expect(bad.status).toBe(400)
    expect((await problem(bad)).errors?.[0]?.field).toBe('cursor')
  })

  // Something counted: every concurrent reply lands and is counted once.
  it('counts every one of many concurrent replies', async () => {
    const bea = await login('owner@bluebird.test')
    const sam = await login('sam@freelance.test')
    const t = await open(bea)
    const bluebird = await accountId('Bluebird Bakery')
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => api(`${ticket(bluebird, t.id)}/messages`, { method: 'POST', cookie: i % 2 ? bea : sam, json: { body: `reply ${i}` } })),
    )
    expect(replies.map((r) => r.status)).toEqual(Array(8).fill(201))
    const seen = await jsonOf(await api(ticket(bluebird, t.id), { cookie: bea }), 'getTicket')
    expect(seen.messages).toHaveLength(9)
    expect(seen.ticket.messages).toBe(9)
  })

  it('counts open tickets on the customer’s dashboard and those awaiting a reply on the parent’s', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const acme = await accountId('Acme Hosting')
    const bea = await login('owner@bluebird.test')
    const before = await jsonOf(await api(`/accounts/${acme}/dashboard`, { cookie: await login('sarah@acme.test') }), 'getDashboard')
    const mine = await jsonOf(await api(`/accounts/${bluebird}/dashboard`, { cookie: bea }), 'getDashboard')
    await open(bea)
    const after = await jsonOf(await api(`/accounts/${bluebird}/dashboard`, { cookie: bea }), 'getDashboard')
    expect(after.tickets).toEqual({ open: mine.tickets!.open + 1, awaitingReply: null })
    const parent = await jsonOf(await api(`/accounts/${acme}/dashboard`, { cookie: await login('sarah@acme.test') }), 'getDashboard')
    expect(parent.tickets!.awaitingReply).toBe(before.tickets!.awaitingReply! + 1)
    // Billie may not see support: no counts.
    expect((await jsonOf(await api(`/accounts/${acme}/dashboard`, { cookie: await login('billie@acme.test') }), 'getDashboard')).tickets).toBeNull()
  })
})
