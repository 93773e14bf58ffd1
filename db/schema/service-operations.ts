import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'
import { services } from './services.ts'

export const serverActions = ['restart', 'stop', 'start', 'reinstall', 'rename'] as const
export type ServerAction = (typeof serverActions)[number]

export const serverActionStatuses = ['pending', 'done', 'failed'] as const
export type ServerActionStatus = (typeof serverActionStatuses)[number]

/**
 * A server action sent to the operator's provisioning backend and its outcome.
 * At most one `pending` row per service (partial unique index); a pending row
 * past `deadline_at` counts as failed (the backend never answered).
 */
export const serviceActions = sqliteTable(
  'service_actions',
  {
    id: text('id').primaryKey(),
    serviceId: text('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    /** The service's owning account (whose log gets the outcome). */
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    action: text('action', { enum: serverActions }).notNull(),
    /** For `rename`: the name the service gets once the backend has done it. */
    newName: text('new_name'),
    status: text('status', { enum: serverActionStatuses }).notNull().default('pending'),
    /** The backend's reason for a failure (or ours: timeout, unreachable). */
    reason: text('reason'),
    /** Email of the person who asked (the impersonator while impersonating). */
    requestedBy: text('requested_by').notNull(),
    createdAt: integer('created_at').notNull(),
    deadlineAt: integer('deadline_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [
    uniqueIndex('service_actions_one_pending_idx').on(t.serviceId).where(sql`${t.status} = 'pending'`),
    index('service_actions_service_idx').on(t.serviceId, t.createdAt),
  ],
)

/** A licence carried by a service; the key is sealed (AES-GCM, bound to the service id). */
export const serviceLicenses = sqliteTable('service_licenses', {
  serviceId: text('service_id')
    .primaryKey()
    .references(() => services.id, { onDelete: 'cascade' }),
  product: text('product').notNull(),
  seats: integer('seats').notNull(),
  expiresAt: integer('expires_at'),
  sealedKey: text('sealed_key').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

export type ServiceAction = typeof serviceActions.$inferSelect
