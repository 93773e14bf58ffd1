import { constantTimeEqual } from '@oslojs/crypto/subtle'
import { eq } from 'drizzle-orm'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import { randomToken, sha256Hex } from '../crypto/tokens.ts'
import { buildGrants, grantQueries, type LoadedGrant } from './grants.ts'

const { sessions, users } = schema

/** Who is calling: the signed-in user, the session that proves it, and every membership with its grants. */
export interface Principal {
  user: { id: string; email: string; name: string }
  session: { id: string; expiresAt: number }
  memberships: LoadedGrant[]
}

const DAY = 24 * 60 * 60 * 1000

/**
 * Create a session. The token is `<id>.<secret>`, each part 120 bits of
 * randomness; only the SHA-256 of the secret is stored.
 */
export async function createSession(
  db: DB,
  userId: string,
  ttlDays: number,
  meta: { ip: string; userAgent: string | null },
  now = Date.now(),
) {
  const id = randomToken(15)
  const secret = randomToken(15)
  const session = { id, expiresAt: now + ttlDays * DAY }
  await db.insert(sessions).values({
    id,
    secretHash: sha256Hex(secret),
    userId,
    expiresAt: session.expiresAt,
    createdAt: now,
    ip: meta.ip,
    userAgent: meta.userAgent?.slice(0, 512) ?? null,
  })
  return { token: `${id}.${secret}`, session }
}

/**
 * Resolve a session token to its principal. Expired sessions are deleted;
 * sessions past half their life slide forward (`refreshed: true`) so the
 * caller re-issues the cookie.
 */
export async function validateSessionToken(db: DB, token: string, ttlDays: number, now = Date.now()) {
  const [id, secret, extra] = token.split('.')
  if (!id || !secret || extra !== undefined || id.length > 64 || secret.length > 64) return null
  // One round trip: the session, its user, and the user's memberships and roles.
  const [rows, ...grantRows] = await db.batch([
    db
      .select({
        // Distinct column names: batch rows are objects.
        id: sessions.id,
        secretHash: sessions.secretHash,
        expiresAt: sessions.expiresAt,
        userId: sessions.userId,
        email: users.email,
        name: users.name,
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.id, id)),
    ...grantQueries(db, id),
  ])
  const row = rows[0]
  if (!row) return null
  const encoder = new TextEncoder()
  if (!constantTimeEqual(encoder.encode(sha256Hex(secret)), encoder.encode(row.secretHash))) return null
  if (row.expiresAt <= now) {
    await db.delete(sessions).where(eq(sessions.id, id))
    return null
  }
  let expiresAt = row.expiresAt
  const refreshed = expiresAt - now < (ttlDays * DAY) / 2
  if (refreshed) {
    expiresAt = now + ttlDays * DAY
    await db.update(sessions).set({ expiresAt }).where(eq(sessions.id, id))
  }
  const principal: Principal = {
    user: { id: row.userId, email: row.email, name: row.name },
    session: { id: row.id, expiresAt },
    memberships: buildGrants(grantRows),
  }
  return { principal, refreshed }
}

/** Delete one session server-side. */
export async function invalidateSession(db: DB, sessionId: string) {
  await db.delete(sessions).where(eq(sessions.id, sessionId))
}
