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
    /** A reseller's limits as JSON (`{"max_customers":10,"max_services":{"hosting":5}}`); null = none. */
    limits: text('limits'),
    /** Section keys a reseller's whole tree may use (JSON array); null = every section. */
    access: text('access'),
    /** The reseller template the limits and access were copied from. */
    templateId: text('template_id'),
    /** Why the account is disabled; shown at sign-in only when `showReason`. */
    statusReason: text('status_reason'),
    showReason: integer('show_reason', { mode: 'boolean' }).notNull().default(false),
    disabledAt: integer('disabled_at'),
    /** Path of the account whose member disabled it: only that account or one above may enable it. */
    disabledBy: text('disabled_by'),
    deletedAt: integer('deleted_at'),
    /** Path of the account whose member deleted it: only that account or one above may restore it. */
    deletedBy: text('deleted_by'),
    /** After this time the scheduled job purges the deleted subtree. */
    purgeAfter: integer('purge_after'),
    /** Show "Powered by Trellis" on the portal of this account's brand (set by the platform). */
    poweredBy: integer('powered_by', { mode: 'boolean' }).notNull().default(true),
  },
  (t) => [index('accounts_parent_idx').on(t.parentId, t.name), index('accounts_purge_idx').on(t.purgeAfter).where(sql`purge_after IS NOT NULL`)],
)

export type Account = typeof accounts.$inferSelect
