import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'

/**
 * One open live activity socket and the rights that opened it (rule 15): its
 * session, impersonation and reaching membership. Deliberately no foreign keys
 * to sessions or memberships: the row must still be there when the hook that
 * deleted them looks for the sockets to close.
 */
export const liveConnections = sqliteTable(
  'live_connections',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id').notNull(),
    /** The login behind the session (the impersonator while impersonating). */
    userId: text('user_id').notNull(),
    impersonationId: text('impersonation_id'),
    /** The membership through which the socket reaches the account, and that membership's account path. */
    membershipId: text('membership_id').notNull(),
    memberPath: text('member_path').notNull(),
    /** The account whose log the socket is on. */
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    accountPath: text('account_path').notNull(),
    openedAt: integer('opened_at').notNull(),
    /** The relay object that holds the socket (docs/decisions/029); null: the log object itself. */
    relay: integer('relay'),
  },
  (t) => [
    index('live_connections_session_idx').on(t.sessionId),
    index('live_connections_user_idx').on(t.userId),
    index('live_connections_membership_idx').on(t.membershipId),
    index('live_connections_member_path_idx').on(t.memberPath),
    index('live_connections_holder_idx').on(t.accountId, t.relay),
  ],
)

export type LiveConnection = typeof liveConnections.$inferSelect
