import { sql } from 'drizzle-orm'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** A global identity. It reaches accounts only through memberships. */
export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  /** Stored lower-cased and trimmed; unique across the platform. */
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  /** Argon2id in PHC string form, parameters included. */
  passwordHash: text('password_hash').notNull(),
  createdAt: integer('created_at').notNull().default(sql`(unixepoch() * 1000)`),
  updatedAt: integer('updated_at').notNull().default(sql`(unixepoch() * 1000)`),
  /** The account the switcher opens by default. */
  lastAccountId: text('last_account_id'),
  /** When the login proved it reads its email (an invitation accepted, a verification link); null until then. */
  emailVerifiedAt: integer('email_verified_at'),
  /** The language they chose for pages and emails ('en' | 'fr'); null follows the portal, then the browser. */
  locale: text('locale', { enum: ['en', 'fr'] }),
})

export type User = typeof users.$inferSelect
