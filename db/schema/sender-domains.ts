import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'

/** The email provider's verification states of a sending domain (Resend's words). */
export const senderDomainStatuses = ['not_started', 'pending', 'verified', 'failed', 'temporary_failure'] as const
export type SenderDomainStatus = (typeof senderDomainStatuses)[number]

/** One DNS record the provider asks for (SPF, DKIM, return path), with its own status. */
export interface SenderDomainRecord {
  record: string
  type: string
  name: string
  value: string
  priority: number | null
  status: string
}

/**
 * A reseller's own sending domain (one per reseller): registered with the email
 * provider, verified by the DNS records it lists. Once verified, the mail of the
 * reseller's tree leaves from `portal@<domain>`.
 */
export const senderDomains = sqliteTable(
  'sender_domains',
  {
    accountId: text('account_id')
      .primaryKey()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    domain: text('domain').notNull(),
    /** The provider's id of the domain; null while it could not be registered yet. */
    providerId: text('provider_id'),
    status: text('status', { enum: senderDomainStatuses }).notNull().default('not_started'),
    /** JSON: SenderDomainRecord[] as the provider last listed them. */
    records: text('records').notNull().default('[]'),
    createdAt: integer('created_at').notNull(),
    checkedAt: integer('checked_at'),
  },
  (t) => [uniqueIndex('sender_domains_domain_unique').on(t.domain), index('sender_domains_status_idx').on(t.status, t.checkedAt)],
)
