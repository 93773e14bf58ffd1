import { sql } from 'drizzle-orm'
import { sqliteTable, text, integer, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'

/**
 * A named preset of limits and access the platform creates resellers from.
 * `limits` is JSON (`{"max_customers":10,"max_services":{"hosting":5}}`, a
 * missing or null value = unlimited); `access` a JSON array of section keys,
 * NULL = every section.
 */
export const resellerTemplates = sqliteTable(
  'reseller_templates',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    limits: text('limits').notNull().default('{}'),
    access: text('access'),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch() * 1000)`),
    updatedAt: integer('updated_at').notNull().default(sql`(unixepoch() * 1000)`),
  },
  (t) => [uniqueIndex('reseller_templates_account_name_idx').on(t.accountId, t.name)],
)

export type ResellerTemplate = typeof resellerTemplates.$inferSelect
