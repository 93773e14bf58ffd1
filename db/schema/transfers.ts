import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'
import { services } from './services.ts'

export const transferStatuses = ['pending', 'completed', 'declined', 'cancelled'] as const
export type TransferStatus = (typeof transferStatuses)[number]

/**
 * A service moving from one customer to another of the same parent. Pending
 * until both customers' owners confirm; names are copied for the history.
 * `completion` is the token of the batch that moved the service.
 */
export const serviceTransfers = sqliteTable(
  'service_transfers',
  {
    id: text('id').primaryKey(),
    parentId: text('parent_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    serviceId: text('service_id').references(() => services.id, { onDelete: 'set null' }),
    serviceName: text('service_name').notNull(),
    serviceType: text('service_type').notNull(),
    fromAccountId: text('from_account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    fromName: text('from_name').notNull(),
    toAccountId: text('to_account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    toName: text('to_name').notNull(),
    note: text('note'),
    status: text('status', { enum: transferStatuses }).notNull().default('pending'),
    proposedByEmail: text('proposed_by_email').notNull(),
    /** The account whose member proposed it: the parent or the source customer. */
    proposedFromId: text('proposed_from_id').notNull(),
    fromConfirmedBy: text('from_confirmed_by'),
    fromConfirmedAt: integer('from_confirmed_at'),
    toConfirmedBy: text('to_confirmed_by'),
    toConfirmedAt: integer('to_confirmed_at'),
    closedByEmail: text('closed_by_email'),
    reason: text('reason'),
    completion: text('completion'),
    createdAt: integer('created_at').notNull(),
    closedAt: integer('closed_at'),
  },
  (t) => [
    index('service_transfers_parent_idx').on(t.parentId, t.createdAt),
    index('service_transfers_from_idx').on(t.fromAccountId, t.createdAt),
    index('service_transfers_to_idx').on(t.toAccountId, t.createdAt),
    uniqueIndex('service_transfers_pending_idx').on(t.serviceId).where(sql`status = 'pending'`),
  ],
)
