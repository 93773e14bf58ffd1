import { and, asc, desc, eq, isNull, or, sql, type SQL } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import type { TicketPriority, TicketSide, TicketStatus } from '../../../db/schema/support.ts'
import type { Mailer } from '../adapters/email.ts'
import { can, type TargetAccount } from '../authz/decide.ts'
import type { Permission } from '../authz/catalogue.ts'
import { statusAfterReply } from '../authz/support.ts'
import { newId } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { schema, withAccount } from '../db.ts'
import type { Bindings } from '../env.ts'
import { DomainError } from '../errors.ts'
import { emailBrandFor, renderEmail, inRecipientLanguage } from './emails.ts'
import { m } from '../i18n/paraglide/messages.js'
import { grantsOfMembers } from './grants.ts'
import { addNotices } from './inbox.ts'
import { keyOrderBy, keysetAfter, pageOf, type KeyOrder } from './keyset.ts'

/**
 * Support tickets (docs/decisions/018): an account asks its parent; the
 * parent's staff answer from their queue. Every query takes the account whose
 * side it reads (the asking account or the queue's), so a ticket is found only
 * from one of its two accounts.
 */

const { accounts, memberships, services, ticketMessages, tickets, users } = schema
const assignees = alias(memberships, 'assignees')
const assigneeUsers = alias(users, 'assignee_users')

const RANK: Record<TicketPriority, number> = { low: 0, normal: 1, high: 2, urgent: 3 }
const rank = sql<number>`(CASE ${tickets.priority} WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END)`

/** How a list is ordered (newest first in each): last activity, opening time, or priority then last activity. */
export const ticketSorts = ['updated', 'created', 'priority'] as const
export type TicketSort = (typeof ticketSorts)[number]

/** The number a sort orders by (descending), the same in SQL and for a row: priority outranks time (times stay below 10^13 ms). */
const sortKey = (sort: TicketSort): SQL<number> =>
  sort === 'created' ? sql<number>`${tickets.createdAt}` : sort === 'priority' ? sql<number>`(${rank} * 10000000000000 + ${tickets.updatedAt})` : sql<number>`${tickets.updatedAt}`
const keyOf = (sort: TicketSort, t: { createdAt: number; updatedAt: number; priority: TicketPriority }) =>
  sort === 'created' ? t.createdAt : sort === 'priority' ? RANK[t.priority] * 10_000_000_000_000 + t.updatedAt : t.updatedAt

const columns = {
  id: tickets.id,
  accountId: tickets.accountId,
  accountName: accounts.name,
  accountPath: accounts.path,
  parentId: tickets.parentId,
  subject: tickets.subject,
  priority: tickets.priority,
  status: tickets.status,
  serviceId: tickets.serviceId,
  serviceName: services.name,
  openedByEmail: tickets.openedByEmail,
  assigneeId: tickets.assigneeId,
  assigneeName: sql<string | null>`${assigneeUsers.name}`.as('assignee_name'),
  assigneeEmail: sql<string | null>`${assigneeUsers.email}`.as('assignee_email'),
  messages: tickets.messages,
  createdAt: tickets.createdAt,
  updatedAt: tickets.updatedAt,
}

function baseQuery(db: DB) {
  return withAccount(db, tickets, columns)
    .leftJoin(services, eq(services.id, tickets.serviceId))
    .leftJoin(assignees, eq(assignees.id, tickets.assigneeId))
    .leftJoin(assigneeUsers, eq(assigneeUsers.id, assignees.userId))
}

export type TicketRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['get']>> & {}

/** The ticket `ticketId` as seen from `accountId`: its own account's or its parent's queue. Deleted accounts' tickets are gone. */
export async function getTicket(db: DB, accountId: string, ticketId: string) {
  return baseQuery(db)
    .where(and(eq(tickets.id, ticketId), or(eq(tickets.accountId, accountId), eq(tickets.parentId, accountId)), sql`${accounts.status} != 'deleted'`))
    .get()
}

export interface TicketFilters {
  status?: TicketStatus
  /** `active`: open or waiting. */
  state?: 'active'
  customerId?: string
  /** A membership id, or `none` for unassigned. */
  assignee?: string
  q?: string
}

export interface TicketCursor {
  key: number
  id: string
}

/**
 * One page of tickets: those the account opened (`mine`) or those in its
 * queue (`queue`: opened by its children), filtered, sorted newest first.
 */
export async function listTickets(db: DB, opts: { accountId: string; view: 'mine' | 'queue'; filters: TicketFilters; sort: TicketSort; limit: number; after?: TicketCursor }) {
  const { filters: f, after, sort } = opts
  const order: KeyOrder = { key: sortKey(sort), id: tickets.id, keyDir: 'desc', idDir: 'desc' }
  const rows = await baseQuery(db)
    .where(
      and(
        opts.view === 'mine' ? eq(tickets.accountId, opts.accountId) : eq(tickets.parentId, opts.accountId),
        sql`${accounts.status} != 'deleted'`,
        f.status ? eq(tickets.status, f.status) : undefined,
        f.state === 'active' ? sql`${tickets.status} != 'closed'` : undefined,
        f.customerId ? eq(tickets.accountId, f.customerId) : undefined,
        f.assignee === 'none' ? isNull(tickets.assigneeId) : f.assignee ? eq(tickets.assigneeId, f.assignee) : undefined,
        // instr, not LIKE: the text is taken literally at any length (see domain/services.ts).
        f.q ? sql`instr(lower(${tickets.subject}), lower(${f.q})) > 0` : undefined,
        after ? keysetAfter(order, after.key, after.id) : undefined,
      ),
    )
    .orderBy(...keyOrderBy(order))
    .limit(opts.limit + 1)
  return pageOf(rows, opts.limit, (last) => ({ key: keyOf(sort, last), id: last.id }))
}

/** The customers whose tickets are in the account's queue (for the queue's filter). */
export async function queueCustomers(db: DB, accountId: string) {
  return db
    .selectDistinct({ id: accounts.id, name: accounts.name })
    .from(tickets)
    .innerJoin(accounts, eq(accounts.id, tickets.accountId))
    .where(and(eq(tickets.parentId, accountId), sql`${accounts.status} != 'deleted'`))
    .orderBy(asc(accounts.name))
}

/** The messages of a ticket, oldest first. */
export async function messagesOf(db: DB, ticketId: string) {
  return db
    .select({
      id: ticketMessages.id,
      side: ticketMessages.side,
      authorName: ticketMessages.authorName,
      authorEmail: ticketMessages.authorEmail,
      impersonatorEmail: ticketMessages.impersonatorEmail,
      body: ticketMessages.body,
      createdAt: ticketMessages.createdAt,
    })
    .from(ticketMessages)
    .where(eq(ticketMessages.ticketId, ticketId))
    .orderBy(asc(ticketMessages.createdAt), asc(ticketMessages.id))
}

export interface Author {
  id: string
  name: string
  email: string
  /** Whoever acted on the author's behalf. */
  impersonatorEmail: string | null
}

/**
 * Open a ticket from `account` to its parent, with its first message, in one
 * batch. The service, when given, must be one of the account's own.
 */
export async function openTicket(
  db: DB,
  account: { id: string; parentId: string },
  input: { subject: string; body: string; priority: TicketPriority; serviceId: string | null },
  author: Author,
  now = Date.now(),
) {
  if (input.serviceId) {
    const own = await db.select({ id: services.id }).from(services).where(and(eq(services.id, input.serviceId), eq(services.accountId, account.id))).get()
    if (!own) throw new DomainError('validation_failed', 'Choose one of this account’s own services.', 'serviceId')
  }
  const id = newId('tkt')
  await db.batch([
    db.insert(tickets).values({
      id,
      accountId: account.id,
      parentId: account.parentId,
      subject: input.subject,
      priority: input.priority,
      status: 'open',
      serviceId: input.serviceId,
      openedById: author.id,
      openedByEmail: author.email,
      messages: 1,
      createdAt: now,
      updatedAt: now,
    }),
    db.insert(ticketMessages).values({ id: newId('msg'), ticketId: id, side: 'customer', authorId: author.id, authorName: author.name, authorEmail: author.email, impersonatorEmail: author.impersonatorEmail, body: input.body, createdAt: now }),
  ])
  return id
}

/**
 * Add a reply from one side and move the ticket to the status that side's
 * reply means — in one batch, and only while the ticket is not closed (the
 * message is written only if the ticket still takes replies; the count and
 * status move only if the message was written). Concurrent replies each count.
 */
export async function replyToTicket(db: DB, ticketId: string, side: TicketSide, body: string, author: Author, now = Date.now()) {
  const id = newId('msg')
  // Raw statements in one D1 batch (a transaction): the message only if the ticket still takes replies,
  // the count and status only if the message was written.
  const d1 = db.$client
  await d1.batch([
    d1
      .prepare(`INSERT INTO ticket_messages (id, ticket_id, side, author_id, author_name, author_email, impersonator_email, body, created_at)
        SELECT ?, id, ?, ?, ?, ?, ?, ?, ? FROM tickets WHERE id = ? AND status != 'closed'`)
      .bind(id, side, author.id, author.name, author.email, author.impersonatorEmail, body, now, ticketId),
    d1
      .prepare(`UPDATE tickets SET status = ?, messages = messages + 1, updated_at = ? WHERE id = ? AND EXISTS (SELECT 1 FROM ticket_messages WHERE id = ?)`)
      .bind(statusAfterReply(side), now, ticketId, id),
  ])
  const written = await db.select({ id: ticketMessages.id }).from(ticketMessages).where(eq(ticketMessages.id, id)).get()
  if (!written) throw new DomainError('conflict', 'This ticket is closed. Reopen it to reply.')
  return id
}

/** Change a ticket's status, priority or assignee. Returns what really changed. */
export async function changeTicket(
  db: DB,
  ticket: { id: string; status: TicketStatus; priority: TicketPriority; assigneeId: string | null },
  change: { status?: TicketStatus; priority?: TicketPriority; assigneeId?: string | null },
  now = Date.now(),
) {
  const set: Partial<{ status: TicketStatus; priority: TicketPriority; assigneeId: string | null }> = {}
  if (change.status !== undefined && change.status !== ticket.status) set.status = change.status
  if (change.priority !== undefined && change.priority !== ticket.priority) set.priority = change.priority
  if (change.assigneeId !== undefined && change.assigneeId !== ticket.assigneeId) set.assigneeId = change.assigneeId
  if (Object.keys(set).length) await db.update(tickets).set({ ...set, updatedAt: now }).where(eq(tickets.id, ticket.id))
  return set
}

/** Open tickets of the account (not closed), and tickets in its queue waiting for its staff's answer. */
export async function ticketCounts(db: DB, accountId: string) {
  const row = await db.get<{ open: number; awaiting: number }>(sql`SELECT
      (SELECT count(*) FROM tickets WHERE account_id = ${accountId} AND status != 'closed') AS open,
      (SELECT count(*) FROM tickets t JOIN accounts a ON a.id = t.account_id WHERE t.parent_id = ${accountId} AND t.status = 'open' AND a.status != 'deleted') AS awaiting`)
  return { open: row?.open ?? 0, awaitingReply: row?.awaiting ?? 0 }
}

/** A member of an account, with their login, as notices and emails need them. */
export interface Person {
  membershipId: string
  userId: string
  email: string
  name: string
}

/** The members of `account` who hold `permission` there now (rights checked today, not when they joined). */
export async function membersWith(db: DB, account: TargetAccount, permission: Permission, only?: readonly string[]): Promise<Person[]> {
  const rows = await db
    .select({ membershipId: memberships.id, userId: users.id, email: users.email, name: users.name })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.accountId, account.id), only ? sql`${memberships.id} IN (SELECT value FROM json_each(${JSON.stringify(only)}))` : undefined))
    .orderBy(asc(users.name))
  if (!rows.length) return []
  const grants = await grantsOfMembers(db, account.id, rows.map((r) => r.membershipId))
  return rows.filter((r) => {
    const g = grants.get(r.membershipId)
    return g && g.status === 'active' && can([g], permission, account).ok
  })
}

/** The customer's people who wrote on the ticket (its opener and later repliers), as memberships of its account. */
export async function customerParticipants(db: DB, ticket: { id: string; accountId: string }) {
  const rows = await db
    .selectDistinct({ membershipId: memberships.id })
    .from(ticketMessages)
    .innerJoin(memberships, and(eq(memberships.userId, ticketMessages.authorId), eq(memberships.accountId, ticket.accountId)))
    .where(and(eq(ticketMessages.ticketId, ticket.id), eq(ticketMessages.side, 'customer')))
  return rows.map((r) => r.membershipId)
}

/** What a notice about a ticket says, drawn in each reader's language. */
export interface TicketNews {
  title: () => string
  body: () => string
}

/** The news of a ticket, one kind per change people are told of. */
export const ticketNews = {
  opened: (the: { account: string; subject: string; author: string; text: string }): TicketNews => ({
    title: () => m.support_news_opened_title(the),
    body: () => m.support_news_opened_body(the),
  }),
  answered: (the: { account: string; subject: string; text: string }): TicketNews => ({
    title: () => m.support_news_answered_title(the),
    body: () => m.support_news_answered_body(the),
  }),
  replied: (the: { customer: string; subject: string; author: string; text: string }): TicketNews => ({
    title: () => m.support_news_replied_title(the),
    body: () => m.support_news_replied_body(the),
  }),
  closed: (the: { subject: string; who: string }): TicketNews => ({
    title: () => m.support_news_closed_title(the),
    body: () => m.support_news_closed_body(the),
  }),
  reopened: (the: { subject: string; who: string }): TicketNews => ({
    title: () => m.support_news_reopened_title(the),
    body: () => m.support_news_reopened_body(the),
  }),
  assigned: (the: { subject: string; who: string; customer: string }): TicketNews => ({
    title: () => m.support_news_assigned_title(the),
    body: () => m.support_news_assigned_body(the),
  }),
}

/**
 * Tell people about a ticket: a notice in their inbox (linking to the ticket
 * as their side sees it) and, when `email` is set, a branded email through the
 * adapter. Never the person who caused it. Best effort: the change itself is
 * already stored and in the log.
 */
export async function tellAboutTicket(
  env: Bindings,
  db: DB,
  mailer: Mailer,
  to: { people: Person[]; account: { id: string; path: string } },
  ticket: { id: string },
  message: TicketNews & { email: boolean },
  exceptUserId: string,
) {
  const people = to.people.filter((p) => p.userId !== exceptUserId)
  if (!people.length) return 0
  try {
    const link = `/a/${to.account.id}/support/${ticket.id}`
    const { brand, origin } = await emailBrandFor(db, to.account.path, env.PUBLIC_ORIGIN)
    // Each person reads the notice and the email in their own language.
    const drawn = await Promise.all(
      people.map((p) =>
        inRecipientLanguage(db, p.email, brand, () => {
          const title = message.title()
          const body = message.body()
          const mail = message.email
            ? renderEmail(brand, p.email, title, {
                paragraphs: [m.support_hello({ name: p.name }), body],
                action: { label: m.support_action(), url: `${origin}${link}` },
                footnote: m.support_footnote(),
              })
            : null
          return { title, body, mail }
        }),
      ),
    )
    await addNotices(
      env,
      db,
      people.map((p, i) => ({ userId: p.userId, membershipId: p.membershipId, accountId: to.account.id, type: 'ticket', title: drawn[i]!.title, body: drawn[i]!.body, link })),
    )
    await Promise.all(drawn.flatMap((d) => (d.mail ? [mailer.send(d.mail)] : [])))
  } catch (error) {
    console.error('support: could not tell people about a ticket', error)
  }
  return people.length
}
