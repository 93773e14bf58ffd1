import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { users } from './users.ts'

/**
 * A browser in which a user has signed in with the right password (OWASP
 * "device cookies"). The `trellis_device` cookie holds `<id>.<secret>`; one
 * browser can be known to several users (a row each, same id and secret).
 * Only the SHA-256 of the secret is stored. A known device is not slowed by
 * other people's failures against its user or its address.
 */
export const knownDevices = sqliteTable(
  'known_devices',
  {
    id: text('id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    secretHash: text('secret_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.id, t.userId] }), index('known_devices_user_idx').on(t.userId)],
)
