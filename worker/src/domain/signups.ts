import { and, asc, eq, sql } from 'drizzle-orm'
import type { SignupMode } from '../../../db/schema/sign-ups.ts'
import { newId, randomToken, sha256Hex } from '../crypto/tokens.ts'
import { errorText, isUniqueViolation, type DB } from '../db.ts'
import { schema } from '../db.ts'
import { DomainError } from '../errors.ts'
import { joinStatements, type DomainOwner } from './email-domains.ts'
import { limitGuard, LimitReached, withinLimit } from './limits.ts'
import { effectiveStatus, enableAccount } from './lifecycle.ts'

const { accounts, memberships, signupSettings, signups, signupApprovals, users } = schema

// Self sign-up on a portal: a person asks (email, name, password, organisation),
// the emailed link proves the address, and its confirmation creates the login and
// the customer organisation (or lets them in through a verified email domain) in one
// batch, with the parent's max_customers guarded in the same write.

/** How long a sign-up link works. */
export const SIGNUP_TTL_MS = 24 * 60 * 60 * 1000

/** Why a sign-up link cannot be used. */
export class SignupLinkRefused extends DomainError {
  constructor(readonly state: 'invalid' | 'used' | 'expired') {
    super(state === 'invalid' ? 'signup_link_invalid' : state === 'used' ? 'signup_link_used' : 'signup_link_expired', {
      invalid: 'This sign-up link is not valid. Sign up again.',
      used: 'This sign-up link has already been used. Sign in instead.',
      expired: 'This sign-up link has expired. Sign up again.',
    }[state])
  }
}

/** The sign-up setting of a portal's account (off when never set). */
export async function signupMode(db: DB, accountId: string): Promise<SignupMode> {
  const row = await db.select({ mode: signupSettings.mode }).from(signupSettings).where(eq(signupSettings.accountId, accountId)).get()
  return row?.mode ?? 'off'
}

/** Open or close sign-up on the account's portal. */
export async function setSignupMode(db: DB, accountId: string, mode: SignupMode, now = Date.now()) {
  await db
    .insert(signupSettings)
    .values({ accountId, mode, updatedAt: now })
    .onConflictDoUpdate({ target: signupSettings.accountId, set: { mode, updatedAt: now } })
}

/** The account whose portal this is, as sign-up needs it: active (with its ancestors), and what it chose. */
export interface SignupPortal {
  account: { id: string; name: string; path: string; kind: 'platform' | 'reseller' }
  mode: SignupMode
}

/**
 * The portal a request's host belongs to, for sign-up: the reseller of a
 * verified hostname (from the host → brand resolution, never a header), else
 * the platform. A disabled or deleted portal account takes no sign-ups.
 */
export async function signupPortal(db: DB, reseller: { id: string } | null): Promise<SignupPortal | null> {
  // Its status with everything above it (a disabled parent closes a reseller's portal too).
  const columns = { id: accounts.id, name: accounts.name, path: accounts.path, kind: accounts.kind, status: effectiveStatus(sql`${accounts.path}`) }
  const row = await db
    .select(columns)
    .from(accounts)
    .where(reseller ? eq(accounts.id, reseller.id) : eq(accounts.kind, 'platform'))
    .get()
  if (!row || row.status !== 'active' || (row.kind !== 'platform' && row.kind !== 'reseller')) return null
  return { account: { id: row.id, name: row.name, path: row.path, kind: row.kind }, mode: await signupMode(db, row.id) }
}

/** Whether one more customer fits under the portal's account (checked again in the completing write). */
export async function roomForCustomer(db: DB, parentPath: string) {
  const row = await db.get<{ ok: number }>(sql`SELECT ${withinLimit(`${parentPath}x/`, 'max_customers')} AS ok`)
  return Boolean(row?.ok)
}

/** Keep a sign-up until its link comes back; returns the token for the email (only its hash is stored). */
export async function createSignup(db: DB, input: { parentAccountId: string; email: string; name: string; passwordHash: string; organisationName: string }, now = Date.now()) {
  const token = randomToken(20)
  await db.insert(signups).values({ id: newId('sgn'), tokenHash: sha256Hex(token), ...input, createdAt: now, expiresAt: now + SIGNUP_TTL_MS })
  return { token, expiresAt: now + SIGNUP_TTL_MS }
}

/** Forget a sign-up by its token. */
export async function dropSignup(db: DB, token: string) {
  await db.delete(signups).where(eq(signups.tokenHash, sha256Hex(token)))
}

/** The sign-up a link opens, with its portal account, or why not. */
export async function findSignup(db: DB, token: string, now = Date.now()) {
  if (!/^[a-z2-7]{16,64}$/.test(token)) throw new SignupLinkRefused('invalid')
  const row = await db
    .select({ id: signups.id, email: signups.email, name: signups.name, passwordHash: signups.passwordHash, organisationName: signups.organisationName, expiresAt: signups.expiresAt, usedAt: signups.usedAt, parentId: accounts.id, parentName: accounts.name, parentPath: accounts.path })
    .from(signups)
    .innerJoin(accounts, eq(accounts.id, signups.parentAccountId))
    .where(eq(signups.tokenHash, sha256Hex(token)))
    .get()
  if (!row) throw new SignupLinkRefused('invalid')
  if (row.usedAt) throw new SignupLinkRefused('used')
  if (row.expiresAt <= now) throw new SignupLinkRefused('expired')
  return row
}

export type FoundSignup = Awaited<ReturnType<typeof findSignup>>

export type SignupOutcome =
  | { kind: 'created'; userId: string; accountId: string; accountPath: string; pending: boolean }
  | { kind: 'joined'; userId: string; accountId: string; accountPath: string; membershipId: string }
  | { kind: 'held'; userId: string; accountId: string; accountPath: string; requestId: string }

/**
 * Finish a sign-up in one batch: the link is used (a second use fails the
 * whole batch), the login is created with its email verified (the link reached
 * it), and either
 * - the person joins the organisation that verified their email's domain (as
 *   its owner chose: a user at once, or held for approval), or
 * - a customer organisation is created under the portal's account with them as
 *   owner, the parent's max_customers guarded in the same statement — disabled
 *   and waiting for the parent's approval when `pending`.
 */
export async function completeSignup(db: DB, token: string, signup: FoundSignup, how: { pending: boolean; owner: DomainOwner | null; roleIds: string[] }, now = Date.now()): Promise<SignupOutcome> {
  const userId = newId('usr')
  const statements: unknown[] = [
    // First: a used or expired link writes NULL into the NOT NULL email, failing the batch.
    db
      .update(signups)
      .set({ usedAt: now, email: sql`CASE WHEN ${signups.usedAt} IS NULL AND ${signups.expiresAt} > ${now} AND ${signups.tokenHash} = ${sha256Hex(token)} THEN ${signups.email} ELSE NULL END` })
      .where(eq(signups.id, signup.id)),
  ]
  let outcome: SignupOutcome
  if (how.owner) {
    const join = joinStatements(db, how.owner, userId, how.roleIds, now)
    statements.push(db.insert(users).values({ id: userId, email: signup.email, name: signup.name, passwordHash: signup.passwordHash, lastAccountId: join.held ? null : how.owner.account.id, emailVerifiedAt: now }))
    statements.push(...join.statements(join.id))
    outcome = join.held
      ? { kind: 'held', userId, accountId: how.owner.account.id, accountPath: how.owner.account.path, requestId: join.id }
      : { kind: 'joined', userId, accountId: how.owner.account.id, accountPath: how.owner.account.path, membershipId: join.id }
  } else {
    const accountId = newId('acc')
    const path = `${signup.parentPath}${accountId}/`
    statements.push(
      db.insert(users).values({ id: userId, email: signup.email, name: signup.name, passwordHash: signup.passwordHash, lastAccountId: accountId, emailVerifiedAt: now }),
      db.insert(accounts).values({
        id: accountId,
        parentId: signup.parentId,
        // The parent's max_customers binds (rule 9): NULL here fails the whole batch, so racing sign-ups cannot both take the last place.
        kind: limitGuard(path, 'max_customers', 'customer') as unknown as 'customer',
        name: signup.organisationName,
        path,
        partnerAccessDefault: false,
        createdAt: now,
        ...(how.pending
          ? { status: 'disabled' as const, statusReason: `Waiting for ${signup.parentName} to approve the sign-up.`, showReason: true, disabledAt: now, disabledBy: signup.parentPath }
          : {}),
      }),
      db.insert(memberships).values({ id: newId('mem'), userId, accountId, level: 'owner', scope: '{"mode":"all"}', createdAt: now }),
    )
    if (how.pending) statements.push(db.insert(signupApprovals).values({ accountId, parentAccountId: signup.parentId, userId, email: signup.email, createdAt: now }))
    outcome = { kind: 'created', userId, accountId, accountPath: path, pending: how.pending }
  }
  try {
    await db.batch(statements as unknown as Parameters<DB['batch']>[0])
  } catch (error) {
    const message = errorText(error)
    if (message.includes('NOT NULL constraint failed: signups.email')) throw new SignupLinkRefused('used')
    // The address got a login meanwhile (an invitation, another sign-up): this link has nothing left to create.
    if (isUniqueViolation(error, 'users.email')) throw new SignupLinkRefused('used')
    if (message.includes('NOT NULL constraint failed: accounts.kind')) throw new LimitReached('max_customers', signup.parentPath)
    if (message.includes('NOT NULL constraint failed: memberships.scope')) throw new LimitReached('max_staff', how.owner?.account.path ?? signup.parentPath)
    throw error
  }
  return outcome
}

/** Organisations created by sign-up still waiting for the parent's approval, oldest first. */
export function listPendingSignups(db: DB, parentId: string) {
  return db
    .select({ accountId: signupApprovals.accountId, name: accounts.name, email: signupApprovals.email, ownerName: users.name, createdAt: signupApprovals.createdAt })
    .from(signupApprovals)
    .innerJoin(accounts, eq(accounts.id, signupApprovals.accountId))
    .leftJoin(users, eq(users.id, signupApprovals.userId))
    .where(and(eq(signupApprovals.parentAccountId, parentId), eq(accounts.status, 'disabled')))
    .orderBy(asc(signupApprovals.createdAt), asc(signupApprovals.accountId))
    .all()
}

/** One pending organisation of the parent, or undefined. */
export async function getPendingSignup(db: DB, parentId: string, accountId: string) {
  return (await listPendingSignups(db, parentId)).find((r) => r.accountId === accountId)
}

/** Approve: the organisation is enabled (only by its parent's tree, as it disabled it) and leaves the list. */
export async function approveSignup(db: DB, parent: { id: string; path: string }, accountId: string) {
  const enabled = await enableAccount(db, accountId, parent.path)
  await db.delete(signupApprovals).where(and(eq(signupApprovals.accountId, accountId), eq(signupApprovals.parentAccountId, parent.id)))
  return enabled
}

/**
 * Decline: the organisation never existed for anyone — it is removed with its
 * membership, and the login with it unless it belongs somewhere else. Its
 * customer place is free again.
 */
export async function declineSignup(db: DB, parentId: string, accountId: string, userId: string | null) {
  await db.batch([
    db.delete(users).where(and(eq(users.id, userId ?? ''), sql`NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = ${userId} AND m.account_id != ${accountId})`)),
    db.delete(accounts).where(and(eq(accounts.id, accountId), eq(accounts.parentId, parentId), eq(accounts.status, 'disabled'))),
  ] as unknown as Parameters<DB['batch']>[0])
}

/** The login behind a pending organisation (its owner), for the decline. */
export async function pendingSignupOwner(db: DB, accountId: string) {
  const row = await db.select({ userId: signupApprovals.userId }).from(signupApprovals).where(eq(signupApprovals.accountId, accountId)).get()
  return row?.userId ?? null
}
