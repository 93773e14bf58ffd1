import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'

/**
 * How a reseller's portal looks (the platform's own row, when present, is the
 * platform brand). Every field is data: colours are validated `#rrggbb`, text
 * is rendered as text, the logo is an object in the BRANDING bucket under
 * `logo_key`, served at a URL that changes with `logo_version`.
 */
export const brands = sqliteTable('brands', {
  accountId: text('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  logoKey: text('logo_key'),
  logoContentType: text('logo_content_type'),
  logoVersion: integer('logo_version').notNull().default(0),
  primaryColor: text('primary_color').notNull(),
  accentColor: text('accent_color').notNull(),
  supportEmail: text('support_email'),
  supportUrl: text('support_url'),
  loginMessage: text('login_message'),
  updatedAt: integer('updated_at').notNull().default(sql`(unixepoch() * 1000)`),
})

export const hostnameStatuses = ['pending', 'verified'] as const
export type HostnameStatus = (typeof hostnameStatuses)[number]

/**
 * A hostname a reseller claims for its portal (its own, or one for a customer).
 * Lower-cased and unique across the platform. The verification token is stored
 * in the clear: it is published in a public DNS TXT record anyway and the owner
 * needs to see it again until the record is in place (docs/decisions/005-branding.md).
 */
export const hostnames = sqliteTable(
  'hostnames',
  {
    id: text('id').primaryKey(),
    hostname: text('hostname').notNull().unique(),
    resellerAccountId: text('reseller_account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    customerAccountId: text('customer_account_id').references(() => accounts.id, { onDelete: 'cascade' }),
    status: text('status', { enum: hostnameStatuses }).notNull().default('pending'),
    verificationToken: text('verification_token').notNull(),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch() * 1000)`),
    verifiedAt: integer('verified_at'),
  },
  (t) => [index('hostnames_reseller_idx').on(t.resellerAccountId, t.hostname)],
)

export type Brand = typeof brands.$inferSelect
export type Hostname = typeof hostnames.$inferSelect
