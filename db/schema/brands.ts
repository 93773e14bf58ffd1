import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
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
  /** The language of the portal for people who chose none ('en' | 'fr'); null follows their browser. */
  defaultLocale: text('default_locale', { enum: ['en', 'fr'] }),
  updatedAt: integer('updated_at').notNull().default(sql`(unixepoch() * 1000)`),
})

export const hostnameStatuses = ['pending', 'verified'] as const
export const tlsStatuses = ['none', 'queued', 'pending', 'active', 'failed'] as const
export type TlsStatus = (typeof tlsStatuses)[number]
export type HostnameStatus = (typeof hostnameStatuses)[number]

/**
 * A hostname a reseller claims for its portal (its own, or one for a customer),
 * lower-cased. Several resellers may each hold a pending claim on one name, each
 * with its own token; the first to verify owns it, the others' claims are dropped,
 * and a verified name is unique across the platform. A pending claim expires at
 * `expires_at` (7 days after the claim, or after a demotion); a verified one is
 * re-checked daily and `checked_at` is when its TXT record was last seen. The
 * verification token is stored in the clear: it is published in a public DNS TXT
 * record anyway and the owner needs to see it again until the record is in place
 * (docs/decisions/007-brands-and-hostnames.md).
 */
export const hostnames = sqliteTable(
  'hostnames',
  {
    id: text('id').primaryKey(),
    hostname: text('hostname').notNull(),
    resellerAccountId: text('reseller_account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    customerAccountId: text('customer_account_id').references(() => accounts.id, { onDelete: 'cascade' }),
    status: text('status', { enum: hostnameStatuses }).notNull().default('pending'),
    verificationToken: text('verification_token').notNull(),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch() * 1000)`),
    verifiedAt: integer('verified_at'),
    /** Pending claims only: when the claim lapses unless verified. */
    expiresAt: integer('expires_at'),
    /** When a DNS check last got an answer for it (verified: the record was seen). */
    checkedAt: integer('checked_at'),
    /** Cloudflare for SaaS: the custom hostname's id in the zone, once added. */
    edgeId: text('edge_id'),
    /** Its certificate: none (not at the edge), queued (to add), pending, active or failed. */
    tlsStatus: text('tls_status', { enum: tlsStatuses }).notNull().default('none'),
    /** Why the certificate is pending or failed, in Cloudflare's words. */
    tlsDetail: text('tls_detail'),
    tlsCheckedAt: integer('tls_checked_at'),
  },
  (t) => [
    index('hostnames_reseller_idx').on(t.resellerAccountId, t.hostname),
    // One claim per reseller and name; one verified owner per name.
    uniqueIndex('hostnames_claim_unique').on(t.hostname, t.resellerAccountId),
    uniqueIndex('hostnames_verified_unique').on(t.hostname).where(sql`status = 'verified'`),
    index('hostnames_status_idx').on(t.status, t.checkedAt),
    index('hostnames_tls_idx').on(t.tlsStatus, t.tlsCheckedAt),
  ],
)

/**
 * Custom hostnames to remove at Cloudflare: filled by triggers (migration 0013)
 * whenever a hostname row with an `edge_id` is deleted or lets go of it, emptied
 * as Cloudflare confirms (at once when it can be reached, else by the daily cron).
 */
export const edgeCleanup = sqliteTable('edge_cleanup', {
  edgeId: text('edge_id').primaryKey(),
  hostname: text('hostname').notNull(),
  attempts: integer('attempts').notNull().default(0),
  createdAt: integer('created_at').notNull(),
})

export type Brand = typeof brands.$inferSelect
export type Hostname = typeof hostnames.$inferSelect
