import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'
import { memberships } from './memberships.ts'

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
  },
  (t) => [primaryKey({ columns: [t.membershipId, t.roleId] }), index('membership_roles_role_idx').on(t.roleId)],
)

export type Role = typeof roles.$inferSelect
