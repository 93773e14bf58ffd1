import { and, asc, eq, lte, or, sql } from 'drizzle-orm'
import type { DomainPolicy } from '../../../db/schema/sign-ups.ts'
import { newId, randomToken } from '../crypto/tokens.ts'
import { errorText, isUniqueViolation, type DB } from '../db.ts'
import { schema } from '../db.ts'
import { DomainError } from '../errors.ts'
import { addClaim, verifyPendingClaim, type ClaimTable } from './claims.ts'
import { notVerified } from './dns-challenge.ts'
import { CLAIM_TTL_MS, normalizeHostname } from './hostnames.ts'
import { limitGuard, LimitReached } from './limits.ts'
import { activeCustomer } from './lifecycle.ts'

const { emailDomains, joinRequests, accounts, memberships, membershipRoles, users } = schema

// A customer's email domains: claims proved by DNS like portal hostnames (the
// first to verify wins, one verified owner per domain, the daily check demotes),
// and what happens to people whose email is at a verified one.

/**
 * Mail domains anyone can have an address at: no organisation may claim them,
 * or it would gather every stranger who signs up with a free mailbox.
 */
export const PUBLIC_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.fr', 'ymail.com', 'rocketmail.com',
  'outlook.com', 'outlook.fr', 'hotmail.com', 'hotmail.co.uk', 'hotmail.fr', 'live.com', 'live.fr', 'msn.com',
  'icloud.com', 'me.com', 'mac.com', 'aol.com', 'aim.com', 'proton.me', 'protonmail.com', 'pm.me',
  'gmx.com', 'gmx.net', 'gmx.de', 'gmx.fr', 'mail.com', 'email.com', 'web.de', 't-online.de',
  'yandex.com', 'yandex.ru', 'mail.ru', 'zoho.com', 'fastmail.com', 'hey.com', 'tutanota.com', 'tuta.io',
  'qq.com', '163.com', '126.com', 'naver.com', 'orange.fr', 'wanadoo.fr', 'free.fr', 'sfr.fr', 'laposte.net',
  'bbox.fr', 'neuf.fr', 'libero.it', 'virgilio.it', 'btinternet.com', 'comcast.net', 'verizon.net', 'att.net',
  'example.com', 'example.org', 'example.net',
])

/** The domain part of an email address, lower case ('' when there is none). */
export function emailDomainOf(email: string): string {
  const at = email.lastIndexOf('@')
  return at < 0 ? '' : email.slice(at + 1).trim().toLowerCase().replace(/\.$/, '')
}

/**
 * A domain an organisation may claim, normalised, or why not: not a domain
 * name (400), or a public mail domain (422) — the domain itself or any name
 * under one (mail.gmail.com would prove nothing about its users either).
 */
export function claimableDomain(raw: string): { ok: true; domain: string } | { ok: false; code: 'validation_failed' | 'public_mail_domain'; message: string } {
  const domain = normalizeHostname(raw.replace(/^@/, ''))
  if (!domain) return { ok: false, code: 'validation_failed', message: 'Enter a domain like example.com (the part after @ in your emails).' }
  const labels = domain.split('.')
  for (let i = 0; i < labels.length - 1; i++) {
    if (PUBLIC_MAIL_DOMAINS.has(labels.slice(i).join('.'))) return { ok: false, code: 'public_mail_domain', message: `${domain} is a public mail domain: anyone can have an address there.` }
  }
  if (domain === 'localhost' || domain.endsWith('.localhost')) return { ok: false, code: 'validation_failed', message: 'Enter a public domain like example.com.' }
  return { ok: true, domain }
}

/** Why a domain cannot be claimed by this organisation. */
export class DomainTaken extends DomainError {
  constructor(readonly reason: 'verified' | 'claimed') {
    super('conflict', reason === 'claimed' ? 'You have already added this domain; verify it below.' : 'That domain is already verified by another organisation.', 'domain')
  }
}

const columns = {
  id: emailDomains.id,
  accountId: emailDomains.accountId,
  domain: emailDomains.domain,
  status: emailDomains.status,
  verificationToken: emailDomains.verificationToken,
  policy: emailDomains.policy,
  defaultRole: emailDomains.defaultRole,
  createdAt: emailDomains.createdAt,
  verifiedAt: emailDomains.verifiedAt,
  checkedAt: emailDomains.checkedAt,
  expiresAt: emailDomains.expiresAt,
}

export type EmailDomainRow = Awaited<ReturnType<typeof listDomains>>[number]

/** An organisation's email domains, by name. */
export function listDomains(db: DB, accountId: string) {
  return db.select(columns).from(emailDomains).where(eq(emailDomains.accountId, accountId)).orderBy(asc(emailDomains.domain)).all()
}

/** One domain of the organisation (another's id answers undefined). */
export function getDomain(db: DB, accountId: string, id: string) {
  return db.select(columns).from(emailDomains).where(and(eq(emailDomains.id, id), eq(emailDomains.accountId, accountId))).get()
}

const EMAIL_DOMAIN_CLAIMS: ClaimTable = {
  table: emailDomains,
  unique: 'email_domains.domain',
  columns: { id: emailDomains.id, name: emailDomains.domain, owner: emailDomains.accountId, status: emailDomains.status, expiresAt: emailDomains.expiresAt, verifiedAt: emailDomains.verifiedAt },
}

/**
 * Claim a domain for an organisation (pending for 7 days until verified).
 * Other organisations' pending claims do not stand in the way; a verified
 * domain, or this organisation's own live claim, does (DomainTaken).
 */
export async function addDomain(db: DB, accountId: string, input: { domain: string; policy: DomainPolicy; defaultRole: string | null }, now = Date.now()) {
  const id = newId('dom')
  const token = `trellis-domain=${randomToken(20)}`
  const outcome = await addClaim(db, EMAIL_DOMAIN_CLAIMS, { id, ownerId: accountId, name: input.domain, token, extra: { policy: input.policy, default_role: input.defaultRole } }, now, CLAIM_TTL_MS)
  if (outcome !== 'added') throw new DomainTaken(outcome)
  return (await getDomain(db, accountId, id))!
}

/** Change what happens to people at the domain. */
export async function updateDomainPolicy(db: DB, accountId: string, id: string, input: { policy: DomainPolicy; defaultRole: string | null }) {
  await db.update(emailDomains).set(input).where(and(eq(emailDomains.id, id), eq(emailDomains.accountId, accountId)))
}

/** Remove a domain (claim or verified); people already joined stay members. */
export async function deleteDomain(db: DB, accountId: string, id: string) {
  await db.delete(emailDomains).where(and(eq(emailDomains.id, id), eq(emailDomains.accountId, accountId)))
}

export type DomainVerifyOutcome = { ok: true; dropped: { id: string; domain: string; accountId: string }[] } | { ok: false; reason: 'expired' | 'taken' | 'gone' }

/**
 * The TXT record was seen: in one batch the claim becomes the domain's
 * verified owner (unless it lapsed or another organisation verified first)
 * and every other pending claim on the domain is dropped.
 */
export async function verifyDomainClaim(db: DB, accountId: string, id: string, now = Date.now()): Promise<DomainVerifyOutcome> {
  const outcome = await verifyPendingClaim(db, EMAIL_DOMAIN_CLAIMS, accountId, id, now)
  if (outcome.changed) return { ok: true, dropped: outcome.dropped.map((d) => ({ id: d.id, domain: d.name, accountId: d.ownerId })) }
  return outcome.taken ? { ok: false, reason: 'taken' } : notVerified(await getDomain(db, accountId, id), now)
}

/** Verified domains due for the daily DNS check (longest unchecked first), at most `limit`. */
export function domainsToCheck(db: DB, limit: number) {
  return db
    .select({ id: emailDomains.id, domain: emailDomains.domain, verificationToken: emailDomains.verificationToken, accountId: emailDomains.accountId })
    .from(emailDomains)
    .where(eq(emailDomains.status, 'verified'))
    .orderBy(asc(emailDomains.checkedAt), asc(emailDomains.id))
    .limit(limit)
}

/** The daily check saw the record again. */
export async function markDomainChecked(db: DB, id: string, now = Date.now()) {
  await db.update(emailDomains).set({ checkedAt: now }).where(eq(emailDomains.id, id))
}

/** The daily check found no record holding the token: back to pending, with 7 days to verify again. */
export async function demoteDomain(db: DB, id: string, now = Date.now()) {
  const [row] = await db
    .update(emailDomains)
    .set({ status: 'pending', verifiedAt: null, expiresAt: now + CLAIM_TTL_MS })
    .where(and(eq(emailDomains.id, id), eq(emailDomains.status, 'verified')))
    .returning({ id: emailDomains.id, domain: emailDomains.domain, accountId: emailDomains.accountId })
  return row ?? null
}

/** Pending claims past their 7 days are deleted. */
export async function expireDomainClaims(db: DB, now = Date.now()) {
  return db
    .delete(emailDomains)
    .where(and(eq(emailDomains.status, 'pending'), lte(emailDomains.expiresAt, now)))
    .returning({ id: emailDomains.id, domain: emailDomains.domain, accountId: emailDomains.accountId })
}

/** The organisation that verified the domain of this email, what it chose, and where it is. */
export interface DomainOwner {
  domain: string
  policy: DomainPolicy
  defaultRole: string | null
  account: { id: string; name: string; path: string }
}

/**
 * The active customer inside the tree at `treePath` that holds the email's
 * domain verified, or null. A disabled or deleted organisation (or one under a
 * disabled parent) gathers nobody.
 */
export async function domainOwnerFor(db: DB, email: string, treePath: string): Promise<DomainOwner | null> {
  const domain = emailDomainOf(email)
  if (!domain) return null
  const row = await db
    .select({ domain: emailDomains.domain, policy: emailDomains.policy, defaultRole: emailDomains.defaultRole, id: accounts.id, name: accounts.name, path: accounts.path })
    .from(emailDomains)
    .innerJoin(accounts, eq(accounts.id, emailDomains.accountId))
    .where(
      and(
        eq(emailDomains.domain, domain),
        eq(emailDomains.status, 'verified'),
        sql`${accounts.path} >= ${treePath} AND ${accounts.path} < ${`${treePath}\x7f`}`,
        activeCustomer(),
      ),
    )
    .get()
  return row ? { domain: row.domain, policy: row.policy, defaultRole: row.defaultRole, account: { id: row.id, name: row.name, path: row.path } } : null
}

/**
 * The statements that let a login in through a verified domain, for a caller's
 * batch: a user-level membership with the default role (scope: every service;
 * the reseller's max_staff guarded in the same write) when the policy is
 * `join`, else a join request the organisation's admins decide on.
 */
export function joinStatements(db: DB, owner: DomainOwner, userId: string, roleIds: string[], now: number) {
  if (owner.policy === 'approve') {
    return { held: true as const, id: newId('jrq'), statements: (id: string) => [db.insert(joinRequests).values({ id, accountId: owner.account.id, userId, domain: owner.domain, createdAt: now })] }
  }
  return {
    held: false as const,
    id: newId('mem'),
    statements: (id: string) => [
      db.insert(memberships).values({ id, userId, accountId: owner.account.id, level: 'user', scope: limitGuard(owner.account.path, 'max_staff', '{"mode":"all"}') as unknown as string, createdAt: now }),
      ...roleIds.map((roleId) => db.insert(membershipRoles).values({ membershipId: id, roleId })),
    ],
  }
}

/** People held at the organisation's door, oldest first. */
export function listJoinRequests(db: DB, accountId: string) {
  return db
    .select({ id: joinRequests.id, userId: joinRequests.userId, email: users.email, name: users.name, domain: joinRequests.domain, createdAt: joinRequests.createdAt })
    .from(joinRequests)
    .innerJoin(users, eq(users.id, joinRequests.userId))
    .where(eq(joinRequests.accountId, accountId))
    .orderBy(asc(joinRequests.createdAt), asc(joinRequests.id))
    .all()
}

/** One held person of the organisation. */
export async function getJoinRequest(db: DB, accountId: string, id: string) {
  return (await listJoinRequests(db, accountId)).find((r) => r.id === id)
}

/**
 * Let a held person in: in one batch the request is consumed (a second
 * approval finds nothing) and they become a user with `roleIds`, the
 * reseller's max_staff checked in the same write.
 */
export async function approveJoinRequest(db: DB, account: { id: string; path: string }, request: { id: string; userId: string }, roleIds: string[], now = Date.now()) {
  const membershipId = newId('mem')
  try {
    await db.batch([
      // The level is NULL (failing the batch) once the request is gone: a second approval inserts nothing.
      db.insert(memberships).values({
        id: membershipId,
        userId: request.userId,
        accountId: account.id,
        level: sql`CASE WHEN EXISTS (SELECT 1 FROM join_requests WHERE id = ${request.id} AND account_id = ${account.id}) THEN 'user' ELSE NULL END` as unknown as 'user',
        scope: limitGuard(account.path, 'max_staff', '{"mode":"all"}') as unknown as string,
        createdAt: now,
      }),
      ...roleIds.map((roleId) => db.insert(membershipRoles).values({ membershipId, roleId })),
      db.delete(joinRequests).where(and(eq(joinRequests.id, request.id), eq(joinRequests.accountId, account.id))),
    ])
  } catch (error) {
    const message = errorText(error)
    if (message.includes('NOT NULL constraint failed: memberships.level')) return null
    if (message.includes('NOT NULL constraint failed: memberships.scope')) throw new LimitReached('max_staff', account.path)
    if (isUniqueViolation(error, 'memberships.user_id')) {
      // Already a member meanwhile (an invitation accepted): the request has nothing left to do.
      await db.delete(joinRequests).where(eq(joinRequests.id, request.id))
      return membershipId
    }
    throw error
  }
  return membershipId
}

/** Turn a held person away (their login stays; it may belong elsewhere). */
export async function declineJoinRequest(db: DB, accountId: string, id: string) {
  const rows = await db.delete(joinRequests).where(and(eq(joinRequests.id, id), eq(joinRequests.accountId, accountId))).returning({ id: joinRequests.id })
  return rows.length > 0
}
