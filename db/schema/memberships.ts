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
    /** When the membership ends by itself (ms); null: it lasts until removed. Past it, it grants nothing. */
    endsAt: integer('ends_at'),
    /** Who set that end date: told a few days before, with the person. */
    endsSetBy: text('ends_set_by').references(() => users.id, { onDelete: 'set null' }),
    /** When the "ends soon" reminder was claimed (once per end date). */
    endRemindedAt: integer('end_reminded_at'),
  },
  (t) => [
    uniqueIndex('memberships_user_account_idx').on(t.userId, t.accountId),
    index('memberships_account_idx').on(t.accountId),
    index('memberships_ends_idx').on(t.endsAt).where(sql`ends_at IS NOT NULL`),
  ],
)

export type Membership = typeof memberships.$inferSelect
