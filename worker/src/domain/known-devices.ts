import { constantTimeEqual } from '@oslojs/crypto/subtle'
import { and, eq, lte, ne } from 'drizzle-orm'
import { randomToken, sha256Hex } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import { normalizeEmail } from './users.ts'

const { knownDevices, users } = schema

/** A browser stays known this long after its last successful sign-in. */
export const KNOWN_DEVICE_DAYS = 365

const DAY = 24 * 60 * 60 * 1000

/** `<id>.<secret>` split, or null when the cookie is not shaped like one of ours. */
function parse(token: string | undefined) {
  const [id, secret, extra] = (token ?? '').split('.')
  if (!id || !secret || extra !== undefined || id.length > 64 || secret.length > 64) return null
  return { id, secret }
}

function sameHash(secret: string, stored: string) {
  const encoder = new TextEncoder()
  return constantTimeEqual(encoder.encode(sha256Hex(secret)), encoder.encode(stored))
}

/**
 * The device id when the browser's device token is a known device of the
 * login with this email (genuine secret, not expired), else null.
 */
export async function knownDeviceOf(db: DB, token: string | undefined, email: string, now = Date.now()) {
  const parsed = parse(token)
  if (!parsed) return null
  const row = await db
    .select({ id: knownDevices.id, userId: knownDevices.userId, secretHash: knownDevices.secretHash, expiresAt: knownDevices.expiresAt })
    .from(knownDevices)
    .innerJoin(users, eq(users.id, knownDevices.userId))
    .where(and(eq(knownDevices.id, parsed.id), eq(users.email, normalizeEmail(email))))
    .get()
  if (!row || row.expiresAt <= now || !sameHash(parsed.secret, row.secretHash)) return null
  return { deviceId: row.id, userId: row.userId }
}

/**
 * Remember this browser for the user after the right password: the browser's
 * own device token when it is genuine (one browser, several people), else a
 * new one. Returns the token for the cookie and when it expires.
 */
export async function rememberDevice(db: DB, token: string | undefined, userId: string, now = Date.now()) {
  const parsed = parse(token)
  let device = parsed
  if (parsed) {
    const row = await db.select({ secretHash: knownDevices.secretHash }).from(knownDevices).where(eq(knownDevices.id, parsed.id)).get()
    if (!row || !sameHash(parsed.secret, row.secretHash)) device = null
  }
  device ??= { id: randomToken(15), secret: randomToken(15) }
  const expiresAt = now + KNOWN_DEVICE_DAYS * DAY
  await db
    .insert(knownDevices)
    .values({ id: device.id, userId, secretHash: sha256Hex(device.secret), createdAt: now, lastUsedAt: now, expiresAt })
    .onConflictDoUpdate({ target: [knownDevices.id, knownDevices.userId], set: { lastUsedAt: now, expiresAt } })
  return { token: `${device.id}.${device.secret}`, deviceId: device.id, expiresAt }
}

/** The id a device token names (unverified: only ever used to *keep* a row of the token's owner). */
export function deviceIdOf(token: string | undefined) {
  return parse(token)?.id ?? null
}

/**
 * A statement that forgets every known device of a user except `keepDeviceId`
 * (after a credential change: a browser that signed in with the old password
 * is a stranger again). For a batch with the change itself.
 */
export function forgetOtherDevices(db: DB, userId: string, keepDeviceId: string | null) {
  return db.delete(knownDevices).where(keepDeviceId ? and(eq(knownDevices.userId, userId), ne(knownDevices.id, keepDeviceId)) : eq(knownDevices.userId, userId))
}

/** Delete devices past their expiry (the daily clean-up). */
export async function purgeExpiredDevices(db: DB, now = Date.now()) {
  const removed = await db.delete(knownDevices).where(lte(knownDevices.expiresAt, now)).returning({ id: knownDevices.id })
  return removed.length
}
