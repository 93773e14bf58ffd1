import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * Fixed-window counters (invitations per account, page views per session). Kept in
 * D1 so every isolate sees the same count.
 */
export const rateLimits = sqliteTable('rate_limits', {
  key: text('key').primaryKey(),
  windowStart: integer('window_start').notNull(),
  count: integer('count').notNull(),
})
