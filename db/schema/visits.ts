import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'

/** A parent account's data-centre site, where its customers may ask to visit. */
export const sites = sqliteTable(
  'sites',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    address: text('address').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('sites_account_name_idx').on(t.accountId, t.name)],
)

export const visitStatuses = ['pending', 'approved', 'declined', 'cancelled'] as const
export type VisitStatus = (typeof visitStatuses)[number]

/**
 * A customer's request to visit one of its parent's sites. `visitors` is a JSON
 * array of `{name, idNumber}`: personal data, shown only to `visitation.view`.
 * The site's name and address are copied when the request is made.
 */
export const visitRequests = sqliteTable(
  'visit_requests',
  {
    id: text('id').primaryKey(),
    reference: text('reference').notNull().unique('visit_requests_reference_unique'),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    parentId: text('parent_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    siteId: text('site_id').references(() => sites.id, { onDelete: 'set null' }),
    siteName: text('site_name').notNull(),
    siteAddress: text('site_address').notNull(),
    /** YYYY-MM-DD, the site's local date. */
    visitDate: text('visit_date').notNull(),
    /** HH:MM, the site's local time. */
    startTime: text('start_time').notNull(),
    endTime: text('end_time').notNull(),
    purpose: text('purpose').notNull(),
    visitors: text('visitors').notNull(),
    status: text('status', { enum: visitStatuses }).notNull().default('pending'),
    reason: text('reason'),
    requestedById: text('requested_by_id'),
    requestedByEmail: text('requested_by_email').notNull(),
    decidedByEmail: text('decided_by_email'),
    decidedAt: integer('decided_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('visit_requests_account_idx').on(t.accountId, t.createdAt), index('visit_requests_parent_idx').on(t.parentId, t.createdAt)],
)
