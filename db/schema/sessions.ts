import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { users } from './users.ts'

/**
 * A login session. The cookie holds `<id>.<secret>`; only the SHA-256 of the
 * secret is stored, so a leaked table cannot be replayed as cookies.
 */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    secretHash: text('secret_hash').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: integer('expires_at').notNull(),
    createdAt: integer('created_at').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** Set while this session acts on someone's behalf (impersonations.id). */
    impersonationId: text('impersonation_id'),
    /** When the session was last used (written at most every few minutes). */
    lastSeenAt: integer('last_seen_at'),
    /** Where the edge placed the sign-in (Cloudflare's country code and city), when it knew. */
    country: text('country'),
    city: text('city'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
)

export type Session = typeof sessions.$inferSelect
