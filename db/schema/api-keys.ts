import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { accounts } from './accounts.ts'

/**
 * An API key: a non-person principal of one account, with a level, roles and
 * a scope like a member's. The key is `trl_<id part>_<secret>`; `id` is
 * `key_<id part>` and only the SHA-256 of the secret is stored.
 */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    secretHash: text('secret_hash').notNull(),
    level: text('level', { enum: ['owner', 'admin', 'user'] }).notNull(),
    roleIds: text('role_ids').notNull().default('[]'),
    scope: text('scope').notNull().default('{"mode":"none"}'),
    /** The person who created it (kept as text: the key outlives their login). */
    createdById: text('created_by_id'),
    createdByEmail: text('created_by_email').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at'),
    lastUsedAt: integer('last_used_at'),
    lastUsedIp: text('last_used_ip'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('api_keys_account_idx').on(t.accountId, t.createdAt)],
)

export type ApiKey = typeof apiKeys.$inferSelect
