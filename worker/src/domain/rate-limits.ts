import type { DB } from '../db.ts'
import { sql } from 'drizzle-orm'
import { schema } from '../db.ts'

const { rateLimits } = schema

export interface RateWindow {
  max: number
  windowMs: number
}

/**
 * Count one attempt against every key in one atomic batch and return, per key,
 * the attempts in the current fixed window and when it ends. Counting before
 * the work (instead of after a failure) means racing requests cannot slip
 * past the limit together.
 */
export async function countAttempt(db: DB, keys: string[], window: RateWindow, now = Date.now()) {
  const expired = now - window.windowMs
  const statements = keys.map((key) =>
    db
      .insert(rateLimits)
      .values({ key, windowStart: now, count: 1 })
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          count: sql`CASE WHEN ${rateLimits.windowStart} <= ${expired} THEN 1 ELSE ${rateLimits.count} + 1 END`,
          windowStart: sql`CASE WHEN ${rateLimits.windowStart} <= ${expired} THEN ${now} ELSE ${rateLimits.windowStart} END`,
        },
      })
      .returning({ count: rateLimits.count, windowStart: rateLimits.windowStart }),
  )
  const [first, ...rest] = statements
  if (!first) return []
  const results = await db.batch([first, ...rest])
  return results.map((rows) => {
    const row = rows[0]!
    return { count: row.count, resetAt: row.windowStart + window.windowMs }
  })
}

/**
 * Count one attempt on `key` against `window`: null while within it, else the
 * milliseconds until the window ends (the caller refuses with them).
 */
export async function overLimit(db: DB, key: string, window: RateWindow): Promise<number | null> {
  const [count] = await countAttempt(db, [key], window)
  return count && count.count > window.max ? count.resetAt - Date.now() : null
}
