import { and, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm'
import { encodeBase64urlNoPadding } from '@oslojs/encoding'
import { constantTimeEqual } from '@oslojs/crypto/subtle'
import type { DB } from '../db.ts'
import { isUniqueViolation, schema } from '../db.ts'
import { DomainError } from '../errors.ts'
import { effectivePolicy, pathIds, type PolicySetting } from '../authz/security-policy.ts'
import { open, seal } from '../crypto/secret-box.ts'
import { matchTotp, newRecoveryCodes, newTotpKey, normalizeRecoveryCode, recoveryCodeHash } from '../crypto/totp.ts'
import { newId, randomToken, sha256Hex } from '../crypto/tokens.ts'
import { accountsOfUser } from './accounts.ts'
import { claimAttempt, forgive, type ThrottlePolicy } from './throttles.ts'

const { totpFactors, totpEnrolments, recoveryCodes, passkeys, webauthnChallenges, signInSteps, trustedLocations, securityPolicies } = schema

const MINUTE = 60 * 1000
const DAY = 24 * 60 * MINUTE
/** An enrolment left unconfirmed this long is gone (nothing was enabled by it). */
export const ENROLMENT_TTL_MS = 15 * MINUTE
/** The step between a right password and a session. */
export const STEP_TTL_MS = 10 * MINUTE
/** A WebAuthn challenge. */
export const CHALLENGE_TTL_MS = 5 * MINUTE

// ---------------------------------------------------------------- second-factor guesses

/** Wrong second-factor codes slow the guesser exactly like wrong passwords (decision record 010). */
export const SECOND_FACTOR_LIMIT: ThrottlePolicy = { free: 5, leakMs: 15 * MINUTE, baseMs: 2000, maxMs: 15 * MINUTE }
const factorKey = (userId: string) => ({ key: `factor:user:${userId}`, policy: SECOND_FACTOR_LIMIT })

/** Count a second-factor attempt of a login before the code is checked. */
export function claimFactorAttempt(db: DB, userId: string, now = Date.now()) {
  return claimAttempt(db, [factorKey(userId)], now)
}

/** The right code: the login's counter starts over. */
export function factorSucceeded(db: DB, userId: string) {
  return forgive(db, [factorKey(userId).key], [])
}

// ---------------------------------------------------------------- TOTP

/** Start (or restart) an enrolment: a new key, sealed, waiting for its first code. Nothing is enabled yet. */
export async function startTotpEnrolment(db: DB, sealing: string, userId: string, now = Date.now()) {
  const key = newTotpKey()
  const secret = await seal(sealing, key, userId)
  await db
    .insert(totpEnrolments)
    .values({ userId, secret, createdAt: now, expiresAt: now + ENROLMENT_TTL_MS })
    .onConflictDoUpdate({ target: totpEnrolments.userId, set: { secret, createdAt: now, expiresAt: now + ENROLMENT_TTL_MS } })
  return key
}

/** Forget a pending enrolment (nothing was enabled by it). */
export async function cancelTotpEnrolment(db: DB, userId: string) {
  await db.delete(totpEnrolments).where(eq(totpEnrolments.userId, userId))
}

/** Whether the login has an active TOTP factor. */
export async function hasTotp(db: DB, userId: string) {
  return !!(await db.select({ userId: totpFactors.userId }).from(totpFactors).where(eq(totpFactors.userId, userId)).get())
}

/**
 * Confirm an enrolment with its first code: in one batch the factor becomes
 * active (its step recorded as used), the pending key is gone and a fresh set
 * of recovery codes replaces any old one. Returns the codes (shown once), or
 * `expired` / `wrong_code`.
 */
export async function confirmTotpEnrolment(db: DB, sealing: string, userId: string, code: string, now = Date.now()) {
  const pending = await db.select().from(totpEnrolments).where(eq(totpEnrolments.userId, userId)).get()
  if (!pending || pending.expiresAt <= now) return { ok: false as const, reason: 'expired' as const }
  const key = await open(sealing, pending.secret, userId)
  const step = matchTotp(key, code, null, now)
  if (step === null) return { ok: false as const, reason: 'wrong_code' as const }
  const codes = newRecoveryCodes()
  await db.batch([
    db
      .insert(totpFactors)
      .values({ userId, secret: pending.secret, lastUsedStep: step, enabledAt: now })
      .onConflictDoUpdate({ target: totpFactors.userId, set: { secret: pending.secret, lastUsedStep: step, enabledAt: now } }),
    db.delete(totpEnrolments).where(eq(totpEnrolments.userId, userId)),
    db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
    db.insert(recoveryCodes).values(codes.map((c) => ({ codeHash: recoveryCodeHash(c), userId, createdAt: now }))),
  ])
  return { ok: true as const, codes }
}

/**
 * Check a TOTP code of the login's active factor and, when right, record its
 * step atomically: the same code (or an older one) is refused afterwards,
 * also to a request racing this one.
 */
export async function useTotpCode(db: DB, sealing: string, userId: string, code: string, now = Date.now()) {
  const factor = await db.select().from(totpFactors).where(eq(totpFactors.userId, userId)).get()
  if (!factor) return false
  const key = await open(sealing, factor.secret, userId)
  const step = matchTotp(key, code, factor.lastUsedStep, now)
  if (step === null) return false
  const claimed = await db
    .update(totpFactors)
    .set({ lastUsedStep: step })
    .where(and(eq(totpFactors.userId, userId), or(isNull(totpFactors.lastUsedStep), lt(totpFactors.lastUsedStep, step))))
    .returning({ userId: totpFactors.userId })
  return claimed.length === 1
}

/** Use a recovery code once: true only for an unused code of this login. */
export async function useRecoveryCode(db: DB, userId: string, input: string, now = Date.now()) {
  const code = normalizeRecoveryCode(input)
  if (!code) return false
  const used = await db
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(and(eq(recoveryCodes.codeHash, recoveryCodeHash(code)), eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))
    .returning({ codeHash: recoveryCodes.codeHash })
  return used.length === 1
}

/** A code typed where "a current code" is asked: a TOTP code, or else a recovery code. */
export async function useAnyCode(db: DB, sealing: string, userId: string, code: string, now = Date.now()) {
  const trimmed = code.replace(/\s/g, '')
  if (/^[0-9]{6}$/.test(trimmed)) return useTotpCode(db, sealing, userId, trimmed, now)
  return useRecoveryCode(db, userId, code, now)
}

/** Turn TOTP off: the factor, any pending enrolment and the recovery codes go together. */
export async function disableTotp(db: DB, userId: string) {
  await db.batch([
    db.delete(totpFactors).where(eq(totpFactors.userId, userId)),
    db.delete(totpEnrolments).where(eq(totpEnrolments.userId, userId)),
    db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
  ])
}

/** A new set of recovery codes; the old set stops working in the same batch. */
export async function regenerateRecoveryCodes(db: DB, userId: string, now = Date.now()) {
  const codes = newRecoveryCodes()
  await db.batch([
    db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
    db.insert(recoveryCodes).values(codes.map((c) => ({ codeHash: recoveryCodeHash(c), userId, createdAt: now }))),
  ])
  return codes
}

// ---------------------------------------------------------------- passkeys

export const passkeyColumns = {
  id: passkeys.id,
  name: passkeys.name,
  rpId: passkeys.rpId,
  algorithm: passkeys.algorithm,
  createdAt: passkeys.createdAt,
  lastUsedAt: passkeys.lastUsedAt,
}

/** The login's passkeys, oldest first. */
export function passkeysOf(db: DB, userId: string) {
  return db.select(passkeyColumns).from(passkeys).where(eq(passkeys.userId, userId)).orderBy(passkeys.createdAt, passkeys.id).all()
}

/** The credential ids (base64url) of the login's passkeys made for `rpId`. */
export async function credentialIdsOf(db: DB, userId: string, rpId: string) {
  const rows = await db.select({ credentialId: passkeys.credentialId }).from(passkeys).where(and(eq(passkeys.userId, userId), eq(passkeys.rpId, rpId))).all()
  return rows.map((r) => r.credentialId)
}

/** Store a verified new passkey (refused when its credential is registered already). */
export async function addPasskey(
  db: DB,
  userId: string,
  input: { name: string; credentialId: Uint8Array; algorithm: number; publicKey: string; rpId: string; signCount: number },
  now = Date.now(),
) {
  const row = {
    id: newId('pk'),
    credentialId: encodeBase64urlNoPadding(input.credentialId),
    userId,
    name: input.name,
    algorithm: input.algorithm,
    publicKey: input.publicKey,
    rpId: input.rpId,
    signCount: input.signCount,
    createdAt: now,
    lastUsedAt: null,
  }
  try {
    await db.insert(passkeys).values(row)
  } catch (error) {
    if (isUniqueViolation(error, 'passkeys.credential_id')) throw new DomainError('conflict', 'That passkey is already registered.')
    throw error
  }
  return { id: row.id, name: row.name, rpId: row.rpId, algorithm: row.algorithm, createdAt: row.createdAt, lastUsedAt: null }
}

/** A passkey by its credential id (base64url), for an assertion. */
export function passkeyByCredential(db: DB, credentialId: string) {
  return db.select().from(passkeys).where(eq(passkeys.credentialId, credentialId)).get()
}

/** Record a successful assertion: the counter moves only forward (a racing replay loses). */
export async function passkeyUsed(db: DB, id: string, previousCount: number, signCount: number, now = Date.now()) {
  const rows = await db
    .update(passkeys)
    .set({ signCount, lastUsedAt: now })
    .where(and(eq(passkeys.id, id), eq(passkeys.signCount, previousCount)))
    .returning({ id: passkeys.id })
  return rows.length === 1
}

/** Rename one of the login's passkeys; false when it is not theirs. */
export async function renamePasskey(db: DB, userId: string, id: string, name: string) {
  const rows = await db.update(passkeys).set({ name }).where(and(eq(passkeys.id, id), eq(passkeys.userId, userId))).returning({ id: passkeys.id })
  return rows.length === 1
}

/** Remove one of the login's passkeys; its name, or null when it is not theirs. */
export async function removePasskey(db: DB, userId: string, id: string) {
  const rows = await db.delete(passkeys).where(and(eq(passkeys.id, id), eq(passkeys.userId, userId))).returning({ name: passkeys.name })
  return rows[0]?.name ?? null
}

// ---------------------------------------------------------------- WebAuthn challenges

export type ChallengePurpose = 'register' | 'second_factor' | 'passwordless'

/** A new single-use challenge (32 random bytes); only its hash is stored. */
export async function newChallenge(db: DB, purpose: ChallengePurpose, owner: { userId?: string | null; stepId?: string | null }, now = Date.now()) {
  const challenge = crypto.getRandomValues(new Uint8Array(32))
  await db.batch([
    // Expired challenges go as new ones come: the table stays small without a job.
    db.delete(webauthnChallenges).where(lt(webauthnChallenges.expiresAt, now)),
    db.insert(webauthnChallenges).values({
      challengeHash: sha256Hex(encodeBase64urlNoPadding(challenge)),
      purpose,
      userId: owner.userId ?? null,
      stepId: owner.stepId ?? null,
      expiresAt: now + CHALLENGE_TTL_MS,
    }),
  ])
  return challenge
}

/** Consume a challenge (deleted whatever happens next): its owner, or null when it is unknown, used, expired or for another purpose. */
export async function consumeChallenge(db: DB, challenge: Uint8Array, purpose: ChallengePurpose, now = Date.now()) {
  const rows = await db
    .delete(webauthnChallenges)
    .where(eq(webauthnChallenges.challengeHash, sha256Hex(encodeBase64urlNoPadding(challenge))))
    .returning()
  const row = rows[0]
  if (!row || row.expiresAt <= now || row.purpose !== purpose) return null
  return { userId: row.userId, stepId: row.stepId }
}

// ---------------------------------------------------------------- sign-in steps

export type StepKind = 'verify' | 'enrol'

/** Open a step for a login whose password was right: `<id>.<secret>`, only the secret's hash stored. */
export async function createStep(db: DB, userId: string, kind: StepKind, now = Date.now()) {
  const id = randomToken(15)
  const secret = randomToken(15)
  await db.batch([
    // One open step per login: a new password sign-in replaces the older one.
    db.delete(signInSteps).where(or(eq(signInSteps.userId, userId), lt(signInSteps.expiresAt, now))),
    db.insert(signInSteps).values({ id, secretHash: sha256Hex(secret), userId, kind, createdAt: now, expiresAt: now + STEP_TTL_MS }),
  ])
  return { token: `${id}.${secret}`, expiresAt: now + STEP_TTL_MS }
}

/** The step a token names: `missing` (unknown or forged), `expired`, or the step. */
export async function stepOf(db: DB, token: string | undefined, now = Date.now()) {
  const [id, secret, extra] = (token ?? '').split('.')
  if (!id || !secret || extra !== undefined || id.length > 64 || secret.length > 64) return { state: 'missing' as const }
  const row = await db.select().from(signInSteps).where(eq(signInSteps.id, id)).get()
  const encoder = new TextEncoder()
  if (!row || !constantTimeEqual(encoder.encode(sha256Hex(secret)), encoder.encode(row.secretHash))) return { state: 'missing' as const }
  if (row.expiresAt <= now) return { state: 'expired' as const }
  return { state: 'open' as const, step: { id: row.id, userId: row.userId, kind: row.kind, expiresAt: row.expiresAt } }
}

/** Close a step (it became a session, or was abandoned); true when this call closed it. */
export async function endStep(db: DB, id: string) {
  const rows = await db.delete(signInSteps).where(eq(signInSteps.id, id)).returning({ id: signInSteps.id })
  return rows.length === 1
}

// ---------------------------------------------------------------- trusted locations

/** An IP's location as trusted locations key it: the IPv4 /24, the IPv6 /64 (IPv4-mapped IPv6 as IPv4). */
export function networkOf(client: string): string {
  // `client` is already an IPv4 address or an IPv6 /64 (domain/sign-in-limits.ts clientOf).
  if (client.includes(':')) return client
  const octets = client.split('.')
  if (octets.length !== 4) return client
  return `${octets.slice(0, 3).join('.')}.0/24`
}

export const locationColumns = {
  id: trustedLocations.id,
  network: trustedLocations.network,
  place: trustedLocations.place,
  createdAt: trustedLocations.createdAt,
  lastUsedAt: trustedLocations.lastUsedAt,
  expiresAt: trustedLocations.expiresAt,
}

/** Whether the login trusts this location now; a use is recorded. */
export async function useTrustedLocation(db: DB, userId: string, network: string, maxDays: number, now = Date.now()) {
  if (maxDays <= 0) return false
  // A policy made stricter since the location was trusted shortens it.
  const rows = await db
    .update(trustedLocations)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(trustedLocations.userId, userId),
        eq(trustedLocations.network, network),
        gt(trustedLocations.expiresAt, now),
        gt(sql`${trustedLocations.createdAt} + ${maxDays * DAY}`, now),
      ),
    )
    .returning({ id: trustedLocations.id })
  return rows.length === 1
}

/** Trust a location for `days` (a renewed trust starts over, keeping when it was first trusted). */
export async function trustLocation(db: DB, userId: string, network: string, place: string | null, days: number, now = Date.now()) {
  const [row] = await db
    .insert(trustedLocations)
    .values({ id: newId('tl'), userId, network, place, createdAt: now, lastUsedAt: now, expiresAt: now + days * DAY })
    .onConflictDoUpdate({
      target: [trustedLocations.userId, trustedLocations.network],
      set: { place: sql`coalesce(excluded.place, ${trustedLocations.place})`, lastUsedAt: now, expiresAt: now + days * DAY, createdAt: now },
    })
    .returning(locationColumns)
  return row!
}

/** The login's trusted locations still in force, most recently used first. */
export function trustedLocationsOf(db: DB, userIds: string[], now = Date.now()) {
  if (userIds.length === 0) return Promise.resolve([])
  return db
    .select({ ...locationColumns, userId: trustedLocations.userId })
    .from(trustedLocations)
    .where(and(inArray(trustedLocations.userId, userIds), gt(trustedLocations.expiresAt, now)))
    .orderBy(sql`${trustedLocations.lastUsedAt} DESC`)
    .all()
}

/** Stop trusting one location (of one of `userIds`), or all of a login's; the revoked rows. */
export async function revokeTrustedLocations(db: DB, userIds: string[], id?: string) {
  if (userIds.length === 0) return []
  return db
    .delete(trustedLocations)
    .where(id ? and(eq(trustedLocations.id, id), inArray(trustedLocations.userId, userIds)) : inArray(trustedLocations.userId, userIds))
    .returning({ ...locationColumns, userId: trustedLocations.userId })
}

// ---------------------------------------------------------------- policy

/** The saved settings of the accounts on the given paths. */
export async function policySettings(db: DB, paths: readonly string[]): Promise<Map<string, PolicySetting>> {
  const ids = [...new Set(paths.flatMap(pathIds))]
  if (ids.length === 0) return new Map()
  const rows = await db.select().from(securityPolicies).where(inArray(securityPolicies.accountId, ids)).all()
  return new Map(rows.map((r) => [r.accountId, { requireTwoFactor: r.requireTwoFactor, allowPasswordless: r.allowPasswordless, trustedLocationDays: r.trustedLocationDays }]))
}

/** The policy in force for a login: the strictest over every account it belongs to and their ancestors. */
export async function loginPolicy(db: DB, userId: string) {
  const paths = (await accountsOfUser(db, userId)).map((a) => a.path)
  return effectivePolicy(paths, await policySettings(db, paths))
}

/** Save an account's own settings. */
export async function savePolicy(db: DB, accountId: string, setting: PolicySetting, now = Date.now()) {
  await db
    .insert(securityPolicies)
    .values({ accountId, ...setting, updatedAt: now })
    .onConflictDoUpdate({ target: securityPolicies.accountId, set: { ...setting, updatedAt: now } })
}

/** Which logins have which factors: TOTP on, number of passkeys. */
export async function factorsOfUsers(db: DB, userIds: string[]) {
  if (userIds.length === 0) return new Map<string, { totp: boolean; passkeys: number }>()
  const [totp, keys] = await db.batch([
    db.select({ userId: totpFactors.userId }).from(totpFactors).where(inArray(totpFactors.userId, userIds)),
    db
      .select({ userId: passkeys.userId, n: sql<number>`count(*)`.as('n') })
      .from(passkeys)
      .where(inArray(passkeys.userId, userIds))
      .groupBy(passkeys.userId),
  ])
  const out = new Map(userIds.map((id) => [id, { totp: false, passkeys: 0 }]))
  for (const t of totp) out.get(t.userId)!.totp = true
  for (const k of keys) out.get(k.userId)!.passkeys = Number(k.n)
  return out
}

/** The login's factors, as the profile shows them. */
export async function twoFactorOf(db: DB, userId: string, now = Date.now()) {
  const [factor, pending, codes, keys] = await db.batch([
    db.select({ enabledAt: totpFactors.enabledAt }).from(totpFactors).where(eq(totpFactors.userId, userId)),
    db.select({ expiresAt: totpEnrolments.expiresAt }).from(totpEnrolments).where(eq(totpEnrolments.userId, userId)),
    db
      .select({ left: sql<number>`count(*)`.as('left') })
      .from(recoveryCodes)
      .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt))),
    db.select(passkeyColumns).from(passkeys).where(eq(passkeys.userId, userId)).orderBy(passkeys.createdAt, passkeys.id),
  ])
  return {
    totp: factor[0] ? { enabledAt: factor[0].enabledAt } : null,
    enrolmentPending: !!pending[0] && pending[0].expiresAt > now,
    recoveryCodesLeft: Number(codes[0]?.left ?? 0),
    passkeys: keys,
  }
}

/** The daily clean-up: sign-in steps, pending enrolments, WebAuthn challenges and trusted locations past their end. */
export async function pruneTwoFactor(db: DB, now = Date.now()) {
  await db.batch([
    db.delete(signInSteps).where(lt(signInSteps.expiresAt, now)),
    db.delete(totpEnrolments).where(lt(totpEnrolments.expiresAt, now)),
    db.delete(webauthnChallenges).where(lt(webauthnChallenges.expiresAt, now)),
    db.delete(trustedLocations).where(lt(trustedLocations.expiresAt, now)),
  ])
}
