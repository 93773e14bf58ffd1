import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'
import { services, serviceTypes } from './services.ts'

export const invoiceStatuses = ['draft', 'open', 'paid', 'overdue', 'void'] as const
export type InvoiceStatus = (typeof invoiceStatuses)[number]

/** An invoice of an account, as the operator's billing system last reported it (docs/decisions/019). */
export const invoices = sqliteTable(
  'invoices',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** The billing system's id of the invoice. */
    externalId: text('external_id').notNull(),
    number: text('number').notNull(),
    issuedAt: integer('issued_at').notNull(),
    dueAt: integer('due_at'),
    amountMinor: integer('amount_minor').notNull(),
    currency: text('currency').notNull(),
    status: text('status', { enum: invoiceStatuses }).notNull(),
    pdfUrl: text('pdf_url'),
    syncedAt: integer('synced_at').notNull(),
  },
  (t) => [
    uniqueIndex('invoices_account_external_idx').on(t.accountId, t.externalId),
    index('invoices_account_issued_idx').on(t.accountId, t.issuedAt, t.id),
    index('invoices_status_due_idx').on(t.status, t.dueAt),
  ],
)

/** The last sync of an account's invoices with the billing system. */
export const billingSyncs = sqliteTable('billing_syncs', {
  accountId: text('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  attemptedAt: integer('attempted_at').notNull(),
  syncedAt: integer('synced_at'),
  error: text('error'),
})

export const reminderStates = ['due_soon', 'overdue'] as const
export type ReminderState = (typeof reminderStates)[number]

/** A payment reminder sent (claimed before sending: once per invoice and state). */
export const invoiceReminders = sqliteTable(
  'invoice_reminders',
  {
    invoiceId: text('invoice_id')
      .notNull()
      .references(() => invoices.id, { onDelete: 'cascade' }),
    state: text('state', { enum: reminderStates }).notNull(),
    sentAt: integer('sent_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.invoiceId, t.state] })],
)

export const planPeriods = ['monthly', 'yearly'] as const
export type PlanPeriod = (typeof planPeriods)[number]

/** A service plan in a parent's catalogue. */
export const plans = sqliteTable(
  'plans',
  {
    id: text('id').primaryKey(),
    /** The parent that publishes it. */
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    serviceType: text('service_type', { enum: serviceTypes }).notNull(),
    priceMinor: integer('price_minor').notNull(),
    currency: text('currency').notNull(),
    period: text('period', { enum: planPeriods }).notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('plans_account_name_idx').on(t.accountId, t.name)],
)

export const orderStatuses = ['pending', 'approved', 'declined', 'cancelled'] as const
export type OrderStatus = (typeof orderStatuses)[number]

/** An order of a plan by a child account from its parent; approval creates the service. */
export const orders = sqliteTable(
  'orders',
  {
    id: text('id').primaryKey(),
    buyerAccountId: text('buyer_account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    sellerAccountId: text('seller_account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    planId: text('plan_id').references(() => plans.id, { onDelete: 'set null' }),
    planName: text('plan_name').notNull(),
    serviceType: text('service_type', { enum: serviceTypes }).notNull(),
    priceMinor: integer('price_minor').notNull(),
    currency: text('currency').notNull(),
    period: text('period', { enum: planPeriods }).notNull(),
    serviceName: text('service_name'),
    status: text('status', { enum: orderStatuses }).notNull().default('pending'),
    reason: text('reason'),
    orderedById: text('ordered_by_id'),
    orderedByEmail: text('ordered_by_email').notNull(),
    decidedByEmail: text('decided_by_email'),
    decidedAt: integer('decided_at'),
    serviceId: text('service_id').references(() => services.id, { onDelete: 'set null' }),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('orders_buyer_idx').on(t.buyerAccountId, t.createdAt, t.id), index('orders_seller_idx').on(t.sellerAccountId, t.createdAt, t.id)],
)
