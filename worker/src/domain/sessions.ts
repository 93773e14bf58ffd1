import { constantTimeEqual } from '@oslojs/crypto/subtle'
import { and, eq, inArray, isNull, ne, sql, type SQL } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import { randomToken, sha256Hex } from '../crypto/tokens.ts'
import { buildGrants, grantQueries, type LoadedGrant } from './grants.ts'

const { impersonations, sessions, users } = schema

/** A support session on someone's behalf (rule 7). */
export interface ActiveImpersonation {
  id: string
  impersonator: { id: string; email: string; name: string }
  accountId: string
  reason: string
  startedAt: number
  expiresAt: number
  /** The impersonator's own grants: a ceiling, so acting as the target never allows more than the impersonator could do. */
  ceiling: LoadedGrant[]
}

/**
 * Who is calling: the signed-in user, the session that proves it, and every
 * membership with its grants. While impersonating, `user` and `memberships`
 * are the target's (only in the impersonated account) and `impersonation`
 * names the real person behind the session.
 */
export interface Principal {
  user: { id: string; email: string; name: string }
  /** Set when an API key calls: the principal is the key (its id and name stand in \`user\`), not a person. */
  apiKey: { id: string; name: string; accountId: string } | null
  /** Whether the login has proved it reads its email (always true for a key). */
  emailVerified: boolean
  session: { id: string; expiresAt: number }
  memberships: LoadedGrant[]
  impersonation: ActiveImpersonation | null
  /** The account the person's switcher opens by default (their own, also while impersonating). */
  lastAccountId: string | null
  /** The language the signed-in person chose (their own, also while acting for someone); null for none or a key. */
  locale: 'en' | 'fr' | null
}

/** An impersonation that ran out while the session was away; the caller records its end. */
export interface LapsedImpersonation {
  id: string
  impersonator: { id: string; email: string }
  target: { id: string; email: string }
  accountId: string
  reason: string
}

const DAY = 24 * 60 * 60 * 1000
/** A session's last-seen time is written at most this often. */
export const LAST_SEEN_EVERY_MS = 5 * 60 * 1000

/** How long a session lives: `idleDays` without use (sliding), and never more than `maxDays` after sign-in. */
export interface SessionLifetime {
  idleDays: number
  maxDays: number
}

/**
 * Create a session. The token is `<id>.<secret>`, each part 120 bits of
 * randomness; only the SHA-256 of the secret is stored.
 */
export async function createSession(
  db: DB,
  userId: string,
  ttlDays: number,
  meta: { ip: string; userAgent: string | null; country?: string | null; city?: string | null },
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
    lastSeenAt: now,
    country: meta.country?.slice(0, 8) || null,
    city: meta.city?.slice(0, 120) || null,
  })
  return { token: `${id}.${secret}`, session }
}

/** An impersonation and its target (joined as `users`), aliased: batch rows are objects, and sessions/users/impersonations share column names. */
const impersonationColumns = {
  impId: sql<string>`${impersonations.id}`.as('imp_id'),
  accountId: impersonations.accountId,
  reason: impersonations.reason,
  startedAt: impersonations.startedAt,
  impExpiresAt: sql<number>`${impersonations.expiresAt}`.as('imp_expires_at'),
  endedAt: impersonations.endedAt,
  targetId: sql<string>`${users.id}`.as('target_id'),
  targetEmail: sql<string>`${users.email}`.as('target_email'),
  targetName: sql<string>`${users.name}`.as('target_name'),
}

/** The impersonation a session runs, with its target and the target's grants (one batch). */
function impersonationQueries(db: DB, sessionId: string, now: number) {
  return db.batch([
    db
      .select(impersonationColumns)
      .from(sessions)
      .innerJoin(impersonations, eq(impersonations.id, sessions.impersonationId))
      .innerJoin(users, eq(users.id, impersonations.targetUserId))
      .where(eq(sessions.id, sessionId)),
    ...grantQueries(db, sessionId, 'impersonated', now),
  ])
}

/**
 * Resolve a session token to its principal. Sessions idle too long or past
 * their absolute lifetime are deleted; sessions past half their idle life
 * slide forward (`refreshed: true`, never beyond the absolute end) so the
 * caller re-issues the cookie.
 */
export async function validateSessionToken(db: DB, token: string, lifetime: SessionLifetime, now = Date.now()) {
  const [id, secret, extra] = token.split('.')
  if (!id || !secret || extra !== undefined || id.length > 64 || secret.length > 64) return null
  // One round trip: the session, its user, and the user's memberships and roles.
  const [rows, grants, roleRows] = await db.batch([
    db
      .select({
        // Distinct column names: batch rows are objects.
        id: sessions.id,
        secretHash: sessions.secretHash,
        expiresAt: sessions.expiresAt,
        createdAt: sessions.createdAt,
        userId: sessions.userId,
        email: users.email,
        name: users.name,
        lastAccountId: users.lastAccountId,
        locale: users.locale,
        emailVerifiedAt: users.emailVerifiedAt,
        lastSeenAt: sessions.lastSeenAt,
        impersonationId: sessions.impersonationId,
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.id, id)),
    ...grantQueries(db, id, 'session', now),
  ])
  const row = rows[0]
  if (!row) return null
  const encoder = new TextEncoder()
  if (!constantTimeEqual(encoder.encode(sha256Hex(secret)), encoder.encode(row.secretHash))) return null
  const end = row.createdAt + lifetime.maxDays * DAY
  if (row.expiresAt <= now || end <= now) {
    await db.delete(sessions).where(eq(sessions.id, id))
    return null
  }
  let expiresAt = row.expiresAt
  const slid = Math.min(now + lifetime.idleDays * DAY, end)
  const refreshed = expiresAt - now < (lifetime.idleDays * DAY) / 2 && slid > expiresAt
  if (refreshed) expiresAt = slid
  // The sessions list shows when each was last used: written with a slide, or every few minutes.
  const seen = row.lastSeenAt === null || now - row.lastSeenAt >= LAST_SEEN_EVERY_MS
  if (refreshed || seen) await db.update(sessions).set({ expiresAt, lastSeenAt: now }).where(eq(sessions.id, id))
  const self = { id: row.userId, email: row.email, name: row.name }
  const own = buildGrants([grants, roleRows])
  const principal: Principal = {
    user: self,
    apiKey: null,
    emailVerified: row.emailVerifiedAt !== null,
    session: { id: row.id, expiresAt },
    memberships: own,
    impersonation: null,
    lastAccountId: row.lastAccountId,
    locale: row.locale,
  }
  // Acting on someone's behalf costs a second round trip, only then: that person and their grants.
  const [impersonationRows, targetGrants, targetRoleRows] = row.impersonationId ? await impersonationQueries(db, id, now) : [[], [], []]
  const imp = impersonationRows[0]
  let lapsed: LapsedImpersonation | null = null
  if (imp && imp.endedAt === null && imp.impExpiresAt > now) {
    principal.user = { id: imp.targetId, email: imp.targetEmail, name: imp.targetName }
    principal.memberships = buildGrants([targetGrants, targetRoleRows]).filter((g) => g.accountId === imp.accountId)
    principal.impersonation = {
      id: imp.impId,
      impersonator: self,
      accountId: imp.accountId,
      reason: imp.reason,
      startedAt: imp.startedAt,
      expiresAt: imp.impExpiresAt,
      ceiling: own,
    }
  } else if (imp) {
    // Past its 60 minutes (or ended elsewhere): back to the person's own session.
    const ended = await endImpersonation(db, id, 'expired', Math.min(now, imp.impExpiresAt))
    if (ended) lapsed = { id: imp.impId, impersonator: self, target: { id: imp.targetId, email: imp.targetEmail }, accountId: imp.accountId, reason: imp.reason }
  }
  return { principal, refreshed, lapsed }
}

/**
 * End the impersonation a session is running, if any: the session returns to
 * its own user and the record keeps when and why it ended. Returns the ended
 * record's id, or null when there was nothing to end (a racing request did).
 */
export async function endImpersonation(db: DB, sessionId: string, reason: 'exit' | 'logout' | 'expired', now = Date.now()) {
  const [, ended] = await db.batch([
    db.update(sessions).set({ impersonationId: null }).where(eq(sessions.id, sessionId)),
    db
      .update(impersonations)
      .set({ endedAt: sql`MIN(${now}, ${impersonations.expiresAt})`, endReason: reason })
      .where(and(eq(impersonations.sessionId, sessionId), isNull(impersonations.endedAt)))
      .returning({ id: impersonations.id }),
  ])
  return ended[0]?.id ?? null
}

/** Delete one session server-side. */
export async function invalidateSession(db: DB, sessionId: string) {
  await db.delete(sessions).where(eq(sessions.id, sessionId))
}

/** An impersonation that a revoked session was running, ended with it. */
export interface RevokedImpersonation {
  id: string
  accountId: string
  reason: string
  target: { id: string; email: string }
  /** It had already run out (60 minutes) and only its end was not yet recorded. */
  lapsed: boolean
}

/**
 * End every session of a user but `keepSessionId` (all of them when null:
 * a password reset from a link), and every impersonation those sessions were
 * running (rule 15). One atomic batch, with `alongside` (the credential
 * change itself), so the change and the revocation land together. Returns
 * the ended impersonations, for the caller to record their end.
 */
export async function revokeOtherSessions(
  db: DB,
  userId: string,
  keepSessionId: string | null,
  now = Date.now(),
  alongside: BatchItem<'sqlite'>[] = [],
): Promise<{ sessions: string[]; impersonations: RevokedImpersonation[] }> {
  const others = db
    .select({ id: sessions.id })
    .from(sessions)
    .where(keepSessionId ? and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId)) : eq(sessions.userId, userId))
  const running = and(inArray(impersonations.sessionId, others), isNull(impersonations.endedAt))
  const [ended, , deleted] = await db.batch([
    ...endImpersonations(db, running, now),
    db
      .delete(sessions)
      .where(keepSessionId ? and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId)) : eq(sessions.userId, userId))
      .returning({ id: sessions.id }),
    ...alongside,
  ])
  return { sessions: deleted.map((r) => r.id), impersonations: ended.map((r) => revoked(r, now)) }
}

/** Read and end (as at logout, or as expired when they had run out) the impersonations `running` matches: two items of one batch. */
function endImpersonations(db: DB, running: SQL | undefined, now: number) {
  return [
    db.select(impersonationColumns).from(impersonations).innerJoin(users, eq(users.id, impersonations.targetUserId)).where(running),
    db
      .update(impersonations)
      .set({
        endedAt: sql`MIN(${now}, ${impersonations.expiresAt})`,
        endReason: sql`CASE WHEN ${impersonations.expiresAt} <= ${now} THEN 'expired' ELSE 'logout' END`,
      })
      .where(running),
  ] as const
}

type ImpersonationRow = { impId: string; accountId: string; reason: string; targetId: string; targetEmail: string; impExpiresAt: number }

const revoked = (r: ImpersonationRow, now: number): RevokedImpersonation => ({
  id: r.impId,
  accountId: r.accountId,
  reason: r.reason,
  target: { id: r.targetId, email: r.targetEmail },
  lapsed: r.impExpiresAt <= now,
})

/** The sessions of one login, newest first, with what the sessions list shows. */
export function listSessions(db: DB, userId: string, now = Date.now()) {
  return db
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      expiresAt: sessions.expiresAt,
      lastSeenAt: sessions.lastSeenAt,
      ip: sessions.ip,
      userAgent: sessions.userAgent,
      country: sessions.country,
      city: sessions.city,
      impersonating: sql<number>`${sessions.impersonationId} IS NOT NULL`.as('impersonating'),
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), sql`${sessions.expiresAt} > ${now}`))
    .orderBy(sql`coalesce(${sessions.lastSeenAt}, ${sessions.createdAt}) DESC`)
}

/**
 * End one session of a login (and the impersonation it ran), in one batch.
 * Null when the login has no such session — another login's id included, so
 * the caller answers 404 either way.
 */
export async function revokeSession(db: DB, userId: string, sessionId: string, now = Date.now()): Promise<RevokedImpersonation[] | null> {
  const own = and(eq(sessions.userId, userId), eq(sessions.id, sessionId))
  const running = and(eq(impersonations.sessionId, sessionId), isNull(impersonations.endedAt), sql`EXISTS (SELECT 1 FROM ${sessions} WHERE ${own})`)
  const [ended, , deleted] = await db.batch([...endImpersonations(db, running, now), db.delete(sessions).where(own).returning({ id: sessions.id })])
  if (!deleted.length) return null
  return ended.map((r) => revoked(r, now))
}
