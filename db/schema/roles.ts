import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'
import { memberships } from './memberships.ts'
import { users } from './users.ts'

/**
 * A custom role of one account: a named set of catalogue permissions (JSON
 * array). Built-in roles live in code (worker/src/authz/roles.ts) and are
 * referenced by their key.
 */
export const roles = sqliteTable(
  'roles',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    permissions: text('permissions').notNull(),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch() * 1000)`),
    updatedAt: integer('updated_at').notNull().default(sql`(unixepoch() * 1000)`),
  },
  (t) => [uniqueIndex('roles_account_name_idx').on(t.accountId, t.name)],
)

/** Which roles a membership holds: a built-in key (`technical`) or a custom role id (`rol_…`). */
export const membershipRoles = sqliteTable(
  'membership_roles',
  {
    membershipId: text('membership_id')
      .notNull()
      .references(() => memberships.id, { onDelete: 'cascade' }),
    roleId: text('role_id').notNull(),
    /** When this role stops being held (ms); null: until changed. */
    endsAt: integer('ends_at'),
    endsSetBy: text('ends_set_by').references(() => users.id, { onDelete: 'set null' }),
    endRemindedAt: integer('end_reminded_at'),
  },
  (t) => [
    primaryKey({ columns: [t.membershipId, t.roleId] }),
    index('membership_roles_role_idx').on(t.roleId),
    index('membership_roles_ends_idx').on(t.endsAt).where(sql`ends_at IS NOT NULL`),
  ],
)

export type Role = typeof roles.$inferSelect
