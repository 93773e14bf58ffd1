import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'

export const serviceTypes = ['hosting', 'domain', 'server', 'mailbox', 'dns_zone', 'broadband'] as const
export type ServiceType = (typeof serviceTypes)[number]

export const serviceStatuses = ['active', 'suspended', 'pending', 'expired'] as const
export type ServiceStatus = (typeof serviceStatuses)[number]

/** A named group of services inside one account ("Production", "Client sites"). */
export const serviceGroups = sqliteTable(
  'service_groups',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
  },
  (t) => [uniqueIndex('service_groups_account_name_idx').on(t.accountId, t.name)],
)

/**
 * A product instance owned by an account. `partner_access` is the owning
 * customer's consent for its partner (ancestors) to operate it.
 */
export const services = sqliteTable(
  'services',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    type: text('type', { enum: serviceTypes }).notNull(),
    name: text('name').notNull(),
    status: text('status', { enum: serviceStatuses }).notNull().default('active'),
    expiresAt: integer('expires_at'),
    groupId: text('group_id').references(() => serviceGroups.id, { onDelete: 'set null' }),
    partnerAccess: integer('partner_access', { mode: 'boolean' }).notNull().default(false),
    lastAction: text('last_action'),
    lastActionAt: integer('last_action_at'),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch() * 1000)`),
    updatedAt: integer('updated_at').notNull().default(sql`(unixepoch() * 1000)`),
  },
  (t) => [
    index('services_account_name_idx').on(t.accountId, t.name, t.id),
    index('services_account_expires_idx').on(t.accountId, t.expiresAt),
    index('services_group_idx').on(t.groupId),
  ],
)

/** Free-form tags on services; scopes may select by tag. */
export const serviceTags = sqliteTable(
  'service_tags',
  {
    serviceId: text('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.tag] }), index('service_tags_tag_idx').on(t.tag, t.serviceId)],
)

export type Service = typeof services.$inferSelect
