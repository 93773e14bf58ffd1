import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'
import { users } from './users.ts'

export const membershipLevels = ['owner', 'admin', 'user'] as const
export type MembershipLevel = (typeof membershipLevels)[number]

/**
 * User × account, with a level, roles (membership_roles) and a scope: which
 * services the technical permissions reach, stored as JSON
 * (`{"mode":"all"}`, `{"mode":"tagged","tags":["vip"]}` …).
 */
export const memberships = sqliteTable(
  'memberships',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    level: text('level', { enum: membershipLevels }).notNull(),
    scope: text('scope').notNull().default('{"mode":"all"}'),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch() * 1000)`),
  },
  (t) => [
    uniqueIndex('memberships_user_account_idx').on(t.userId, t.accountId),
    index('memberships_account_idx').on(t.accountId),
  ],
)

export type Membership = typeof memberships.$inferSelect
