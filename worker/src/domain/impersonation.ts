import { and, desc, eq } from 'drizzle-orm'
import { newId } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'

const { accounts, impersonations } = schema

export const IMPERSONATION_TTL_MS = 60 * 60 * 1000

/**
 * Start acting as the target on this session: one atomic batch that points
 * the session at a new record — only when the session is not impersonating
 * already (a racing second start changes nothing).
 */
export async function startImpersonation(
  d1: D1Database,
  input: { sessionId: string; impersonatorId: string; targetUserId: string; accountId: string; reason: string },
  now = Date.now(),
) {
  const id = newId('imp')
  const expiresAt = now + IMPERSONATION_TTL_MS
  const [, inserted] = await d1.batch([
    d1.prepare('UPDATE sessions SET impersonation_id = ?1 WHERE id = ?2 AND impersonation_id IS NULL').bind(id, input.sessionId),
    d1
      .prepare(
        `INSERT INTO impersonations (id, session_id, impersonator_id, target_user_id, account_id, reason, started_at, expires_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE EXISTS (SELECT 1 FROM sessions WHERE id = ?2 AND impersonation_id = ?1)`,
      )
      .bind(id, input.sessionId, input.impersonatorId, input.targetUserId, input.accountId, input.reason, now, expiresAt),
  ])
  return inserted!.meta.changes === 1 ? { id, startedAt: now, expiresAt } : null
}

/** "Who accessed my account": every impersonation of this person, newest first. */
export async function accessLog(db: DB, userId: string, now = Date.now()) {
  const rows = await db
    .select({
      id: impersonations.id,
      accountId: impersonations.accountId,
      accountName: accounts.name,
      reason: impersonations.reason,
      startedAt: impersonations.startedAt,
      expiresAt: impersonations.expiresAt,
      endedAt: impersonations.endedAt,
      endReason: impersonations.endReason,
      impersonatorEmail: schema.users.email,
      impersonatorName: schema.users.name,
    })
    .from(impersonations)
    .innerJoin(accounts, eq(accounts.id, impersonations.accountId))
    .innerJoin(schema.users, eq(schema.users.id, impersonations.impersonatorId))
    .where(and(eq(impersonations.targetUserId, userId)))
    .orderBy(desc(impersonations.startedAt))
    .limit(200)
  return rows.map(({ impersonatorEmail, impersonatorName, ...r }) => {
    // An impersonation that lapsed while nobody came back ended at its expiry.
    const lapsed = r.endedAt === null && r.expiresAt <= now
    return {
      ...r,
      endedAt: lapsed ? r.expiresAt : r.endedAt,
      endReason: lapsed ? ('expired' as const) : r.endReason,
      impersonator: { email: impersonatorEmail, name: impersonatorName },
    }
  })
}
