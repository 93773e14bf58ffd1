import { lte } from 'drizzle-orm'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'

const { sessions, rateLimits } = schema

/**
 * Rate-limit rows are kept this long after their window started: longer than
 * any window in use (login 15 min, invitations 1 h), so pruning never resets a
 * counter that still counts.
 */
export const RATE_LIMIT_KEEP_MS = 7 * 24 * 60 * 60 * 1000

/**
 * Delete what has stopped meaning anything: sessions past their expiry (a
 * session is also refused and deleted when presented after it, so this only
 * clears the ones nobody brought back) and rate-limit counters whose window is
 * long over. Returns how many rows of each went.
 */
export async function pruneExpired(db: DB, now = Date.now()) {
  const [deadSessions, oldCounters] = await db.batch([
    db.delete(sessions).where(lte(sessions.expiresAt, now)),
    db.delete(rateLimits).where(lte(rateLimits.windowStart, now - RATE_LIMIT_KEEP_MS)),
  ])
  return { sessions: deadSessions.meta.changes, rateLimits: oldCounters.meta.changes }
}
