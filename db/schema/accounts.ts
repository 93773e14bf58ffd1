import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const accountKinds = ['platform', 'reseller', 'customer'] as const
export type AccountKind = (typeof accountKinds)[number]

export const accountStatuses = ['active', 'disabled', 'deleted'] as const
export type AccountStatus = (typeof accountStatuses)[number]

/**
 * One node of the tree platform → reseller → customer. `path` is the
 * materialised path of ids (`/plat/acme/c42/`), so "is X inside Y" is a
 * prefix test and a subtree is one indexed range scan.
 */
export const accounts = sqliteTable(
  'accounts',
  {
    id: text('id').primaryKey(),
    parentId: text('parent_id'),
    kind: text('kind', { enum: accountKinds }).notNull(),
    name: text('name').notNull(),
    status: text('status', { enum: accountStatuses }).notNull().default('active'),
    path: text('path').notNull().unique(),
    /** How many admin-level members this account may have; the parent can raise it. */
    adminCap: integer('admin_cap').notNull().default(3),
    /** Log every page a member opens; null = the default for the kind (on for platform and resellers). */
    pageViewLogging: integer('page_view_logging', { mode: 'boolean' }),
    /** A customer's consent for all its services at once: new services start with partner access on/off by this. */
    partnerAccessDefault: integer('partner_access_default', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch() * 1000)`),
  },
  (t) => [index('accounts_parent_idx').on(t.parentId, t.name)],
)

export type Account = typeof accounts.$inferSelect
