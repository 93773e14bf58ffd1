import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'
import { memberships } from './memberships.ts'
import { users } from './users.ts'

export const impersonationEndReasons = ['exit', 'logout', 'expired'] as const

/**
 * One support session on someone's behalf. The session row points here while
 * it lasts; the row stays afterwards as the target's "who accessed my account".
 */
export const impersonations = sqliteTable(
  'impersonations',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id').notNull(),
    impersonatorId: text('impersonator_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    targetUserId: text('target_user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    reason: text('reason').notNull(),
    startedAt: integer('started_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    endedAt: integer('ended_at'),
    endReason: text('end_reason', { enum: impersonationEndReasons }),
  },
  (t) => [index('impersonations_target_idx').on(t.targetUserId, t.startedAt), index('impersonations_session_idx').on(t.sessionId)],
)

/** Which event types a member is emailed about. */
export const notificationSubscriptions = sqliteTable(
  'notification_subscriptions',
  {
    membershipId: text('membership_id')
      .notNull()
      .references(() => memberships.id, { onDelete: 'cascade' }),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
  },
  (t) => [primaryKey({ columns: [t.membershipId, t.type] }), index('notification_subscriptions_account_idx').on(t.accountId, t.type)],
)
