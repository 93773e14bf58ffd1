import { z } from '@hono/zod-openapi'
import { createMiddleware } from 'hono/factory'
import { ticketPriorities, ticketStatuses } from '../../../db/schema/support.ts'
import { mailerFor } from '../adapters/email.ts'
import { mayChangeTicket, mayWriteAsCustomer, sideOf, type TicketSide } from '../authz/support.ts'
import type { DB } from '../db.ts'
import { getAccount } from '../domain/accounts.ts'
import {
  changeTicket,
  customerParticipants,
  getTicket,
  listTickets,
  membersWith,
  messagesOf,
  openTicket,
  queueCustomers,
  replyToTicket,
  tellAboutTicket,
  ticketNews,
  ticketSorts,
  type Author,
  type TicketRow,
} from '../domain/support.ts'
import { AppError, fieldError, found } from '../errors.ts'
import { decide, requirePermission, type Access, type AccessEnv } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { answers, body, createRouter, json, problems, route } from '../openapi.ts'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { AccountParam, accountParams } from './schemas.ts'

const Subject = z.string().trim().min(1, 'Enter a subject.').max(200)
const Body = z.string().trim().min(1, 'Write your message.').max(10_000)

const Person = z.object({ id: z.string(), name: z.string(), email: z.string() })

const TicketView = z
  .object({
    id: z.string(),
    subject: z.string(),
    priority: z.enum(ticketPriorities),
    status: z.enum(ticketStatuses),
    /** The account that asked. */
    account: z.object({ id: z.string(), name: z.string() }),
    /** The account whose queue it is in. */
    parentId: z.string(),
    service: z.object({ id: z.string(), name: z.string() }).nullable(),
    openedBy: z.string(),
    /** The parent's member it is assigned to: shown to the parent's staff only. */
    assignee: Person.nullable(),
    messages: z.number().int(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .openapi('Ticket')

const MessageView = z
  .object({
    id: z.string(),
    side: z.enum(['customer', 'staff']),
    author: z.object({ name: z.string(), email: z.string() }),
    /** Who wrote it on the author's behalf (an impersonation); shown to the parent's staff only. */
    actingFor: z.string().nullable(),
    body: z.string(),
    createdAt: z.number(),
  })
  .openapi('TicketMessage')

const Allowed = z.object({ reply: z.boolean(), close: z.boolean(), reopen: z.boolean(), assign: z.boolean(), priority: z.boolean(), waiting: z.boolean() }).openapi('TicketAllowed')

const ListQuery = z.object({
  view: z.enum(['mine', 'queue']).default('mine').openapi({ description: '`mine`: tickets this account opened; `queue`: tickets its customers opened to it.' }),
  status: z.enum([...ticketStatuses, 'active']).optional().openapi({ description: '`active`: open or waiting.' }),
  customer: z.string().max(64).optional(),
  assignee: z.string().max(64).optional().openapi({ description: 'A member id of this account, or `none`.' }),
  q: z.string().trim().max(100).optional(),
  sort: z.enum(ticketSorts).default('updated'),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(512).optional(),
})

const OpenBody = z.object({
  subject: Subject,
  body: Body,
  priority: z.enum(ticketPriorities).default('normal'),
  serviceId: z.string().min(1).max(64).nullable().default(null),
})

const ChangeBody = z
  .object({
    status: z.enum(ticketStatuses).optional(),
    priority: z.enum(ticketPriorities).optional(),
    assigneeId: z.string().min(1).max(64).nullable().optional(),
  })
  .refine((b) => b.status !== undefined || b.priority !== undefined || b.assigneeId !== undefined, { message: 'Say what to change.' })

const TicketParams = accountParams('ticketId')

function view(t: TicketRow, side: TicketSide) {
  return {
    id: t.id,
    subject: t.subject,
    priority: t.priority,
    status: t.status,
    account: { id: t.accountId, name: t.accountName },
    parentId: t.parentId,
    service: t.serviceId && t.serviceName ? { id: t.serviceId, name: t.serviceName } : null,
    openedBy: t.openedByEmail,
    assignee: side === 'staff' && t.assigneeId ? { id: t.assigneeId, name: t.assigneeName ?? '', email: t.assigneeEmail ?? '' } : null,
    messages: t.messages,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  }
}

/** The person writing, as a ticket message records them (the impersonated person, with who acted for them). */
function authorOf(ctx: Access): Author {
  const { user, impersonation } = ctx.principal
  return { id: user.id, name: user.name, email: user.email, impersonatorEmail: impersonation?.impersonator.email ?? null }
}

/** What the caller may do with the ticket from this side: the page shows exactly these buttons. */
function allowed(ctx: Access, t: TicketRow, side: TicketSide) {
  const contact = decide(ctx, 'support.contact').ok && (side === 'staff' || mayWriteAsCustomer(ctx.via, ctx.account).ok)
  const closed = t.status === 'closed'
  return {
    reply: contact && !closed,
    close: contact && !closed,
    reopen: contact && closed,
    assign: contact && side === 'staff',
    priority: contact && side === 'staff',
    waiting: contact && side === 'staff' && t.status === 'open',
  }
}

/**
 * The route acts on ticket `{ticketId}` as the route's account sees it: the
 * account that opened it or the parent whose queue holds it; from any other
 * account it does not exist (404). Checked before the body is read; the
 * handler finds the ticket and the side on `c.var`.
 */
const ticketGuard = () =>
  answers(
    createMiddleware<AccessEnv & { Variables: { ticket: TicketRow; side: TicketSide } }>(async (c, next) => {
      const ctx = c.var.access
      const ticket = found(await getTicket(c.var.db, ctx.account.id, c.req.param('ticketId') ?? ''), 'No ticket with that id.')
      c.set('ticket', ticket)
      c.set('side', sideOf(ticket, ctx.account.id)!)
      await next()
    }),
    404,
  )

/** Writing on the customer's side is for the customer's own people (authz/support.ts). */
function requireCustomerVoice(ctx: Access) {
  const decision = mayWriteAsCustomer(ctx.via, ctx.account)
  if (!decision.ok) throw new AppError(decision.code, decision.detail)
}

/** The two accounts of a ticket, as notices and events need them. */
async function accountsOf(db: DB, t: TicketRow) {
  const [customer, parent] = await Promise.all([getAccount(db, t.accountId), getAccount(db, t.parentId)])
  return { customer: found(customer, 'No ticket with that id.'), parent: found(parent, 'No ticket with that id.') }
}

const target = (t: { id: string; subject: string }) => ({ kind: 'ticket', id: t.id, label: t.subject.slice(0, 200) })

const listTicketsRoute = route.get('/accounts/{id}/tickets', 'listTickets', requirePermission('support.view'), {
  request: { params: AccountParam, query: ListQuery }, responses: { 200: json(z.object({ items: z.array(TicketView), next: z.string().nullable(), customers: z.array(z.object({ id: z.string(), name: z.string() })) }), 'A page of tickets') },
})
const openTicketRoute = route.post('/accounts/{id}/tickets', 'openTicket', requirePermission('support.contact'), {
  request: { params: AccountParam, body: body(OpenBody) }, responses: { 201: json(z.object({ ticket: TicketView }), 'Opened') },
})
const getTicketRoute = route.get('/accounts/{id}/tickets/{ticketId}', 'getTicket', [requirePermission('support.view'), ticketGuard()], {
  request: { params: TicketParams }, responses: { 200: json(z.object({ ticket: TicketView, side: z.enum(['customer', 'staff']), messages: z.array(MessageView), allowed: Allowed, assignees: z.array(Person) }), 'The ticket') },
})
const replyToTicketRoute = route.post('/accounts/{id}/tickets/{ticketId}/messages', 'replyToTicket', [requirePermission('support.contact'), ticketGuard()], {
  request: { params: TicketParams, body: body(z.object({ body: Body })) }, responses: { 201: json(z.object({ id: z.string(), status: z.enum(ticketStatuses) }), 'Replied'), ...problems(409) },
})
const changeTicketRoute = route.patch('/accounts/{id}/tickets/{ticketId}', 'changeTicket', [requirePermission('support.contact'), ticketGuard()], {
  request: { params: TicketParams, body: body(ChangeBody) }, responses: { 200: json(z.object({ ticket: TicketView }), 'Changed') },
})

export const supportRoutes = createRouter('Support')
  .openapi(listTicketsRoute, async (c) => {
    const ctx = c.var.access
    const q = c.req.valid('query')
    const after = q.cursor ? decodeCursor(q.cursor) : undefined
    const key = after ? Number(after.name) : undefined
    if (after && !Number.isFinite(key)) throw fieldError('validation_failed', 'cursor', 'Not a cursor returned by this API.')
    const [page, customers] = await Promise.all([
      listTickets(c.var.db, {
        accountId: ctx.account.id,
        view: q.view,
        filters: {
          status: q.status === 'active' ? undefined : q.status,
          state: q.status === 'active' ? 'active' : undefined,
          customerId: q.view === 'queue' ? q.customer : undefined,
          assignee: q.view === 'queue' ? q.assignee : undefined,
          q: q.q || undefined,
        },
        sort: q.sort,
        limit: q.limit,
        after: after && { key: key!, id: after.id },
      }),
      q.view === 'queue' ? queueCustomers(c.var.db, ctx.account.id) : [],
    ])
    const side: TicketSide = q.view === 'queue' ? 'staff' : 'customer'
    return c.json({ items: page.items.map((t) => view(t, side)), next: page.next ? encodeCursor({ name: String(page.next.key), id: page.next.id }) : null, customers }, 200)
  })
  .openapi(openTicketRoute, async (c) => {
    const ctx = c.var.access
    requireCustomerVoice(ctx)
    const input = c.req.valid('json')
    const { account } = ctx
    const id = await openTicket(c.var.db, { id: account.id, parentId: account.parentId! }, input, authorOf(ctx))
    const ticket = found(await getTicket(c.var.db, account.id, id), 'No ticket with that id.')
    await audit(c, account, {
      type: 'update_tickets',
      target: target(ticket),
      description: `${ctx.principal.user.email} opened ticket “${ticket.subject}” (${ticket.priority})`,
    })
    const { parent } = await accountsOf(c.var.db, ticket)
    const staff = await membersWith(c.var.db, parent, 'support.contact')
    await tellAboutTicket(
      c.env,
      c.var.db,
      mailerFor(c.env, c.var.db),
      { people: staff, account: parent },
      ticket,
      { ...ticketNews.opened({ account: account.name, subject: ticket.subject, author: ctx.principal.user.name, text: input.body }), email: true },
      ctx.principal.user.id,
    )
    return c.json({ ticket: view(ticket, 'customer') }, 201)
  })
  .openapi(getTicketRoute, async (c) => {
    const { access: ctx, ticket, side } = c.var
    const may = allowed(ctx, ticket, side)
    const [messages, staff] = await Promise.all([messagesOf(c.var.db, ticket.id), may.assign ? membersWith(c.var.db, ctx.account, 'support.view') : []])
    return c.json(
      {
        ticket: view(ticket, side),
        side,
        messages: messages.map((m) => ({
          id: m.id,
          side: m.side,
          author: { name: m.authorName, email: m.authorEmail },
          actingFor: side === 'staff' ? m.impersonatorEmail : null,
          body: m.body,
          createdAt: m.createdAt,
        })),
        allowed: may,
        assignees: staff.map((p) => ({ id: p.membershipId, name: p.name, email: p.email })),
      },
      200,
    )
  })
  .openapi(replyToTicketRoute, async (c) => {
    const { access: ctx, ticket, side } = c.var
    if (side === 'customer') requireCustomerVoice(ctx)
    const { body: text } = c.req.valid('json')
    const id = await replyToTicket(c.var.db, ticket.id, side, text, authorOf(ctx))
    const { customer, parent } = await accountsOf(c.var.db, ticket)
    await audit(c, customer, {
      type: 'update_tickets',
      target: target(ticket),
      description: `${ctx.principal.user.email} replied to ticket “${ticket.subject}”${side === 'staff' ? ` for ${parent.name}` : ''}`,
    })
    const mailer = mailerFor(c.env, c.var.db)
    if (side === 'staff') {
      const people = await membersWith(c.var.db, customer, 'support.view', await customerParticipants(c.var.db, ticket))
      await tellAboutTicket(c.env, c.var.db, mailer, { people, account: customer }, ticket, { ...ticketNews.answered({ account: parent.name, subject: ticket.subject, text }), email: true }, ctx.principal.user.id)
    } else {
      // The assignee when there is one (and they may still see the queue), else everyone who may answer.
      const assigned = ticket.assigneeId ? await membersWith(c.var.db, parent, 'support.view', [ticket.assigneeId]) : []
      const people = assigned.length ? assigned : await membersWith(c.var.db, parent, 'support.contact')
      await tellAboutTicket(c.env, c.var.db, mailer, { people, account: parent }, ticket, { ...ticketNews.replied({ customer: customer.name, subject: ticket.subject, author: ctx.principal.user.name, text }), email: true }, ctx.principal.user.id)
    }
    return c.json({ id, status: side === 'customer' ? ('open' as const) : ('waiting' as const) }, 201)
  })
  .openapi(changeTicketRoute, async (c) => {
    const { access: ctx, ticket, side } = c.var
    if (side === 'customer') requireCustomerVoice(ctx)
    const change = c.req.valid('json')
    const rule = mayChangeTicket(side, change)
    if (!rule.ok) throw rule.field ? fieldError(rule.code, rule.field, rule.detail) : new AppError(rule.code, rule.detail)
    let assignee: { membershipId: string; userId: string; email: string; name: string } | undefined
    if (change.assigneeId) {
      assignee = (await membersWith(c.var.db, ctx.account, 'support.view', [change.assigneeId]))[0]
      if (!assignee) throw fieldError('validation_failed', 'assigneeId', 'Choose a member of this account who may see the support queue.')
    }
    const done = await changeTicket(c.var.db, ticket, change)
    const { customer, parent } = await accountsOf(c.var.db, ticket)
    const who = ctx.principal.user.email
    if (done.status) {
      const words = done.status === 'closed' ? 'closed' : done.status === 'waiting' ? 'marked as waiting for the customer' : 'reopened'
      await audit(c, customer, { type: 'update_tickets', target: target(ticket), description: `${who} ${words} ticket “${ticket.subject}”` })
      if (done.status !== 'waiting') {
        const news = (done.status === 'closed' ? ticketNews.closed : ticketNews.reopened)({ subject: ticket.subject, who })
        const other =
          side === 'staff'
            ? { people: await membersWith(c.var.db, customer, 'support.view', await customerParticipants(c.var.db, ticket)), account: customer }
            : { people: ticket.assigneeId ? await membersWith(c.var.db, parent, 'support.view', [ticket.assigneeId]) : [], account: parent }
        await tellAboutTicket(c.env, c.var.db, mailerFor(c.env, c.var.db), other, ticket, { ...news, email: false }, ctx.principal.user.id)
      }
    }
    if (done.priority) {
      await audit(c, parent, { type: 'update_tickets', target: target(ticket), description: `${who} set the priority of ticket “${ticket.subject}” (${customer.name}) to ${done.priority}` })
    }
    if (done.assigneeId !== undefined) {
      const to = assignee ? `assigned ticket “${ticket.subject}” (${customer.name}) to ${assignee.email}` : `unassigned ticket “${ticket.subject}” (${customer.name})`
      await audit(c, parent, { type: 'update_tickets', target: target(ticket), description: `${who} ${to}` })
      if (assignee) {
        await tellAboutTicket(c.env, c.var.db, mailerFor(c.env, c.var.db), { people: [assignee], account: parent }, ticket, { ...ticketNews.assigned({ subject: ticket.subject, who, customer: customer.name }), email: true }, ctx.principal.user.id)
      }
    }
    const fresh = found(await getTicket(c.var.db, ctx.account.id, ticket.id), 'No ticket with that id.')
    return c.json({ ticket: view(fresh, side) }, 200)
  })
