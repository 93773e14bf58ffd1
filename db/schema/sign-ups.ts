import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'
import { users } from './users.ts'

export const emailDomainStatuses = ['pending', 'verified'] as const
export const domainPolicies = ['join', 'approve'] as const
export type DomainPolicy = (typeof domainPolicies)[number]

/**
 * A customer's claim on an email domain, proved by a DNS TXT record at
 * `_trellis.<domain>`. Like portal hostnames: several customers may claim one
 * domain, the first to verify owns it, a verified domain is unique; the daily
 * check demotes it when the record is gone. `policy`: `join` makes a person at
 * the domain a user at once with `default_role` (a built-in key or a custom role
 * of the account), `approve` holds them for an admin.
 */
export const emailDomains = sqliteTable(
  'email_domains',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    domain: text('domain').notNull(),
    status: text('status', { enum: emailDomainStatuses }).notNull().default('pending'),
    verificationToken: text('verification_token').notNull(),
    policy: text('policy', { enum: domainPolicies }).notNull().default('approve'),
    defaultRole: text('default_role'),
    createdAt: integer('created_at').notNull(),
    verifiedAt: integer('verified_at'),
    checkedAt: integer('checked_at'),
    expiresAt: integer('expires_at'),
  },
  (t) => [
    uniqueIndex('email_domains_claim_unique').on(t.domain, t.accountId),
    uniqueIndex('email_domains_verified_unique').on(t.domain).where(sql`status = 'verified'`),
    index('email_domains_status_idx').on(t.status, t.checkedAt),
  ],
)

/** A person held at the door of a customer whose domain policy is `approve`. */
export const joinRequests = sqliteTable(
  'join_requests',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    domain: text('domain').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('join_requests_member_unique').on(t.accountId, t.userId)],
)

export const signupModes = ['off', 'approval', 'open'] as const
export type SignupMode = (typeof signupModes)[number]

/** Whether a portal (a reseller's, or the platform's own hosts) takes self sign-ups. */
export const signupSettings = sqliteTable('signup_settings', {
  accountId: text('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  mode: text('mode', { enum: signupModes }).notNull().default('off'),
  updatedAt: integer('updated_at').notNull(),
})

/** A sign-up waiting for its email link; nothing else exists until the link comes back. */
export const signups = sqliteTable(
  'signups',
  {
    id: text('id').primaryKey(),
    tokenHash: text('token_hash').notNull(),
    parentAccountId: text('parent_account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    organisationName: text('organisation_name').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [uniqueIndex('signups_token_unique').on(t.tokenHash)],
)

/** An organisation created by sign-up, disabled until its parent approves it. */
export const signupApprovals = sqliteTable(
  'signup_approvals',
  {
    accountId: text('account_id')
      .primaryKey()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    parentAccountId: text('parent_account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    email: text('email').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('signup_approvals_parent_idx').on(t.parentAccountId, t.createdAt)],
)
