import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { users } from './users.ts'

export const userLinkPurposes = ['password_reset', 'verify_email', 'change_email'] as const
export type UserLinkPurpose = (typeof userLinkPurposes)[number]

/**
 * A single-use link emailed to a login: a password reset, a verification of
 * its email, or the confirmation of a new email. Only the SHA-256 of the
 * 160-bit token is stored; `email` is the address it was sent to.
 */
export const userLinks = sqliteTable(
  'user_links',
  {
    id: text('id').primaryKey(),
    tokenHash: text('token_hash').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: userLinkPurposes }).notNull(),
    email: text('email').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [uniqueIndex('user_links_token_idx').on(t.tokenHash), index('user_links_user_idx').on(t.userId, t.purpose)],
)
