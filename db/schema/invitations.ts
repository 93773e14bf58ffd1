import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'
import { users } from './users.ts'

export const invitationKinds = ['member', 'customer'] as const
export type InvitationKind = (typeof invitationKinds)[number]

export const invitationStatuses = ['pending', 'accepted', 'revoked'] as const

/**
 * An invitation into an account (`member`) or, from a reseller, to become a
 * new customer organisation under it (`customer`). Only the SHA-256 of the
 * link's token is stored; a resend replaces it, so the old link dies.
 */
export const invitations = sqliteTable(
  'invitations',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: invitationKinds }).notNull(),
    email: text('email').notNull(),
    /** admin | user for member invitations (owner: a new reseller's first owner); null for customer invitations (the prospect becomes owner). */
    level: text('level', { enum: ['owner', 'admin', 'user'] }),
    roleIds: text('role_ids').notNull().default('[]'),
    scope: text('scope').notNull().default('{"mode":"none"}'),
    suggestedName: text('suggested_name'),
    tokenHash: text('token_hash').notNull(),
    invitedBy: text('invited_by').references(() => users.id, { onDelete: 'set null' }),
    status: text('status', { enum: invitationStatuses }).notNull().default('pending'),
    expiresAt: integer('expires_at').notNull(),
    createdAt: integer('created_at').notNull(),
    acceptedAt: integer('accepted_at'),
    acceptedBy: text('accepted_by').references(() => users.id, { onDelete: 'set null' }),
    createdAccountId: text('created_account_id').references(() => accounts.id, { onDelete: 'set null' }),
    /** Member invitations: when the access the invitation grants ends (the membership carries it). */
    accessEndsAt: integer('access_ends_at'),
  },
  (t) => [
    uniqueIndex('invitations_token_idx').on(t.tokenHash),
    index('invitations_account_idx').on(t.accountId, t.createdAt),
    uniqueIndex('invitations_pending_idx').on(t.accountId, t.kind, t.email).where(sql`status = 'pending'`),
  ],
)

export type Invitation = typeof invitations.$inferSelect

/** Every message the local email adapter "sends" (development and tests). */
export const emailOutbox = sqliteTable(
  'email_outbox',
  {
    id: text('id').primaryKey(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html').notNull(),
    createdAt: integer('created_at').notNull(),
    /** The From the message was given (a reseller's own sender, or the platform's in its name). */
    sender: text('sender'),
    replyTo: text('reply_to'),
  },
  (t) => [index('email_outbox_created_idx').on(t.createdAt)],
)

/**
 * Mail the provider could not take when it was sent (outage, timeout, rate limit):
 * sealed (it holds live links), retried by the 5-minute cron for 24 hours.
 */
export const emailQueue = sqliteTable(
  'email_queue',
  {
    id: text('id').primaryKey(),
    /** The message as JSON, AES-GCM-sealed (adapters/email.ts). */
    message: text('message').notNull(),
    attempts: integer('attempts').notNull(),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    nextAttemptAt: integer('next_attempt_at').notNull(),
  },
  (t) => [index('email_queue_due_idx').on(t.nextAttemptAt)],
)
