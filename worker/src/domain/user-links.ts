import { and, eq, gt, isNull } from 'drizzle-orm'
import type { UserLinkPurpose } from '../../../db/schema/user-links.ts'
import { newId, randomToken, sha256Hex } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'

const { userLinks, users } = schema

const MINUTE = 60 * 1000
/** How long each kind of link works. */
export const LINK_TTL: Record<UserLinkPurpose, number> = {
  password_reset: 30 * MINUTE,
  verify_email: 24 * 60 * MINUTE,
  change_email: 24 * 60 * MINUTE,
}

/**
 * Make a single-use link for a login: a 160-bit token of which only the
 * SHA-256 is stored. Earlier unused links of the same purpose die with it,
 * so only the newest email works.
 */
export async function createUserLink(db: DB, userId: string, purpose: UserLinkPurpose, email: string, now = Date.now()) {
  const token = randomToken(20)
  await db.batch([
    db.delete(userLinks).where(and(eq(userLinks.userId, userId), eq(userLinks.purpose, purpose), isNull(userLinks.usedAt))),
    db.insert(userLinks).values({ id: newId('lnk'), tokenHash: sha256Hex(token), userId, purpose, email, createdAt: now, expiresAt: now + LINK_TTL[purpose] }),
  ])
  return { token, expiresAt: now + LINK_TTL[purpose] }
}

/**
 * The same work as `createUserLink` for an email that has no login, so both
 * answers take about as long: a token is drawn and hashed, and one batch of
 * two statements runs (deleting nothing, reading nothing).
 */
export async function createNoLink(db: DB, now = Date.now()) {
  const hash = sha256Hex(randomToken(20))
  await db.batch([
    db.delete(userLinks).where(and(eq(userLinks.userId, ''), eq(userLinks.tokenHash, hash))),
    db.select({ id: userLinks.id }).from(userLinks).where(and(eq(userLinks.tokenHash, hash), gt(userLinks.expiresAt, now))),
  ])
}

export type LinkState = 'valid' | 'used' | 'expired'

/** A link by its token and purpose, with its login and whether it still works; undefined when unknown. */
export async function findUserLink(db: DB, token: string, purpose: UserLinkPurpose, now = Date.now()) {
  if (!/^[a-z2-7]{16,64}$/.test(token)) return undefined
  const row = await db
    .select({
      id: userLinks.id,
      userId: userLinks.userId,
      email: userLinks.email,
      expiresAt: userLinks.expiresAt,
      usedAt: userLinks.usedAt,
      userEmail: users.email,
      userName: users.name,
      emailVerifiedAt: users.emailVerifiedAt,
    })
    .from(userLinks)
    .innerJoin(users, eq(users.id, userLinks.userId))
    .where(and(eq(userLinks.tokenHash, sha256Hex(token)), eq(userLinks.purpose, purpose)))
    .get()
  if (!row) return undefined
  const state: LinkState = row.usedAt !== null ? 'used' : row.expiresAt <= now ? 'expired' : 'valid'
  return { ...row, state }
}

/** Mark a link used, atomically: true for exactly one of racing requests, false once used or expired. */
export async function consumeUserLink(db: DB, id: string, now = Date.now()) {
  const done = await db
    .update(userLinks)
    .set({ usedAt: now })
    .where(and(eq(userLinks.id, id), isNull(userLinks.usedAt), gt(userLinks.expiresAt, now)))
    .returning({ id: userLinks.id })
  return done.length === 1
}

/** The newest pending email change of a login (the address waiting for confirmation), or null. */
export async function pendingEmailChange(db: DB, userId: string, now = Date.now()) {
  const row = await db
    .select({ email: userLinks.email, expiresAt: userLinks.expiresAt })
    .from(userLinks)
    .where(and(eq(userLinks.userId, userId), eq(userLinks.purpose, 'change_email'), isNull(userLinks.usedAt), gt(userLinks.expiresAt, now)))
    .get()
  return row ?? null
}

/** Forget a login's unused links of one purpose (a reset used, an email change cancelled). */
export async function dropUserLinks(db: DB, userId: string, purpose: UserLinkPurpose) {
  await db.delete(userLinks).where(and(eq(userLinks.userId, userId), eq(userLinks.purpose, purpose), isNull(userLinks.usedAt)))
}

/** Record that a login reads its email. */
export async function markEmailVerified(db: DB, userId: string, now = Date.now()) {
  await db.update(users).set({ emailVerifiedAt: now }).where(and(eq(users.id, userId), isNull(users.emailVerifiedAt)))
}
