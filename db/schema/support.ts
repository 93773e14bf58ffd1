import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'
import { memberships } from './memberships.ts'
import { services } from './services.ts'
import { users } from './users.ts'

export const ticketPriorities = ['low', 'normal', 'high', 'urgent'] as const
export type TicketPriority = (typeof ticketPriorities)[number]
/** open: waiting for the parent's staff; waiting: answered, waiting for the customer; closed. */
export const ticketStatuses = ['open', 'waiting', 'closed'] as const
export type TicketStatus = (typeof ticketStatuses)[number]
export const ticketSides = ['customer', 'staff'] as const
export type TicketSide = (typeof ticketSides)[number]

/** A support ticket an account (`accountId`) opened to its parent (`parentId`), in whose queue it sits. */
export const tickets = sqliteTable(
  'tickets',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    parentId: text('parent_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    subject: text('subject').notNull(),
    priority: text('priority', { enum: ticketPriorities }).notNull().default('normal'),
    status: text('status', { enum: ticketStatuses }).notNull().default('open'),
    serviceId: text('service_id').references(() => services.id, { onDelete: 'set null' }),
    openedById: text('opened_by_id').references(() => users.id, { onDelete: 'set null' }),
    openedByEmail: text('opened_by_email').notNull(),
    /** A membership of the parent account. */
    assigneeId: text('assignee_id').references(() => memberships.id, { onDelete: 'set null' }),
    messages: integer('messages').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('tickets_parent_idx').on(t.parentId, t.status, t.updatedAt), index('tickets_account_idx').on(t.accountId, t.status, t.updatedAt)],
)

/** One message of a ticket, written by the customer's side or the parent's staff. Plain text. */
export const ticketMessages = sqliteTable(
  'ticket_messages',
  {
    id: text('id').primaryKey(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    side: text('side', { enum: ticketSides }).notNull(),
    authorId: text('author_id').references(() => users.id, { onDelete: 'set null' }),
    authorName: text('author_name').notNull(),
    authorEmail: text('author_email').notNull(),
    /** Who really wrote it, when someone acted on the author's behalf. */
    impersonatorEmail: text('impersonator_email'),
    body: text('body').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('ticket_messages_ticket_idx').on(t.ticketId, t.createdAt)],
)

/** A person's in-app notice, through one of their memberships (it goes when the membership does). */
export const notices = sqliteTable(
  'notices',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    membershipId: text('membership_id')
      .notNull()
      .references(() => memberships.id, { onDelete: 'cascade' }),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** An activity type (a subscription) or `ticket` (a direct notice). */
    type: text('type').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    /** A path of the portal (`/a/<account>/…`): what the notice is about. */
    link: text('link').notNull(),
    createdAt: integer('created_at').notNull(),
    readAt: integer('read_at'),
  },
  (t) => [index('notices_user_idx').on(t.userId, t.createdAt), index('notices_membership_idx').on(t.membershipId)],
)
