import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * Growing-delay counters for password checks (sign-in per client, per account,
 * per address and per known device; current-password checks per user). `count`
 * leaks away over time; past a threshold each attempt sets `blocked_until`
 * further out. `claim` marks the attempt that last got through, so one batch
 * can tell whether it did. Kept in D1 so every isolate sees the same state.
 */
export const throttles = sqliteTable('throttles', {
  key: text('key').primaryKey(),
  count: integer('count').notNull(),
  lastAt: integer('last_at').notNull(),
  blockedUntil: integer('blocked_until').notNull(),
  claim: text('claim'),
})
