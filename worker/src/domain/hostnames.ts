import { and, asc, eq, gt, inArray, isNull, lte, or, sql, type SQL } from 'drizzle-orm'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import { newId, randomToken } from '../crypto/tokens.ts'
import { DomainError } from '../errors.ts'
import { addClaim, verifyPendingClaim, type ClaimTable } from './claims.ts'
import { notVerified } from './dns-challenge.ts'

const { hostnames, accounts } = schema

// A reseller's portal hostnames: claims (pending, each with its own DNS token, for 7 days),
// verification (the first to verify wins), and the daily re-check.

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/

/**
 * A hostname as stored: lower case, no trailing dot, IDN in its ASCII (punycode)
 * form; null when the input is not a DNS hostname with at least two labels
 * (IP addresses, ports, paths, wildcards and schemes are refused).
 */
export function normalizeHostname(input: string): string | null {
  let value = input.trim().toLowerCase()
  if (value.endsWith('.')) value = value.slice(0, -1)
  if (!value || value.length > 253 || /[^a-z0-9.\-\u0080-\uffff]/.test(value)) return null
  try {
    // The URL parser applies IDNA (ü → xn--…) and rejects forbidden code points.
    value = new URL(`http://${value}/`).hostname
  } catch {
    return null
  }
  const labels = value.split('.')
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null
  if (/^[0-9]+$/.test(labels.at(-1)!)) return null
  return value.length <= 253 ? value : null
}

/**
 * A hostname a reseller may claim, normalised, or why not: malformed, or one
 * of the platform's own hostnames (localhost and `PLATFORM_HOSTNAMES`, never
 * claimable).
 */
export function claimableHostname(raw: string, platformHostnamesVar: string | undefined): { ok: true; hostname: string } | { ok: false; code: 'conflict' | 'validation_failed'; message: string } {
  const listed = (platformHostnamesVar ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)
  const platform = new Set(['localhost', ...listed])
  const hostname = normalizeHostname(raw)
  if (platform.has(hostname ?? raw.toLowerCase().replace(/\.$/, ''))) return { ok: false, code: 'conflict', message: "That is the platform's own hostname." }
  if (!hostname) return { ok: false, code: 'validation_failed', message: 'Enter a hostname like portal.example.com (no scheme, port or path).' }
  return { ok: true, hostname }
}

/** How long a pending claim lives (from the claim, or from a demotion) unless verified. */
export const CLAIM_TTL_MS = 7 * 24 * 60 * 60 * 1000

/** Why a hostname cannot be claimed: someone verified it, or this reseller already holds a live claim. */
export class HostnameTaken extends DomainError {
  constructor(readonly reason: 'verified' | 'claimed') {
    super('conflict', reason === 'claimed' ? 'You have already claimed this hostname; verify it below.' : 'That hostname is already verified for a portal.', 'hostname')
  }
}

export const hostnameColumns = {
  id: hostnames.id,
  hostname: hostnames.hostname,
  customerAccountId: hostnames.customerAccountId,
  status: hostnames.status,
  verificationToken: hostnames.verificationToken,
  createdAt: hostnames.createdAt,
  verifiedAt: hostnames.verifiedAt,
  expiresAt: hostnames.expiresAt,
  edgeId: hostnames.edgeId,
  tlsStatus: hostnames.tlsStatus,
  tlsDetail: hostnames.tlsDetail,
  tlsCheckedAt: hostnames.tlsCheckedAt,
}

/** A reseller's hostnames, by name. */
export function listHostnames(db: DB, resellerId: string) {
  return db.select(hostnameColumns).from(hostnames).where(eq(hostnames.resellerAccountId, resellerId)).orderBy(asc(hostnames.hostname)).all()
}

/** One hostname of a reseller (another reseller's id answers undefined). */
export function getHostname(db: DB, resellerId: string, hostnameId: string) {
  return db
    .select(hostnameColumns)
    .from(hostnames)
    .where(and(eq(hostnames.id, hostnameId), eq(hostnames.resellerAccountId, resellerId)))
    .get()
}

/** SQL: some account holds this hostname verified. */
const HOSTNAME_CLAIMS: ClaimTable = {
  table: hostnames,
  unique: 'hostnames.hostname',
  columns: { id: hostnames.id, name: hostnames.hostname, owner: hostnames.resellerAccountId, status: hostnames.status, expiresAt: hostnames.expiresAt, verifiedAt: hostnames.verifiedAt },
}

/**
 * Claim a hostname for a reseller, pending for CLAIM_TTL_MS until verified.
 * Other resellers' pending claims on the same name do not stand in the way
 * (each has its own token; the first to verify wins). Throws HostnameTaken
 * when the name is verified by anyone, or this reseller holds a live claim.
 */
export async function addHostname(db: DB, resellerId: string, input: { hostname: string; customerAccountId: string | null }, now = Date.now()) {
  const id = newId('hst')
  const token = `trellis-verify=${randomToken(20)}`
  const outcome = await addClaim(db, HOSTNAME_CLAIMS, { id, ownerId: resellerId, name: input.hostname, token, extra: { customer_account_id: input.customerAccountId } }, now, CLAIM_TTL_MS)
  if (outcome !== 'added') throw new HostnameTaken(outcome)
  return (await getHostname(db, resellerId, id))!
}

/** A claim dropped because it expired or another account verified the name first. */
export interface EndedClaim {
  id: string
  hostname: string
  reseller: { id: string; path: string; name: string }
}

/** The resellers (id, path, name) of claims, for their activity logs. */
export async function withResellers(db: DB, rows: { id: string; hostname: string; resellerAccountId: string }[]): Promise<EndedClaim[]> {
  if (!rows.length) return []
  const resellers = new Map(
    (await db.select({ id: accounts.id, path: accounts.path, name: accounts.name }).from(accounts).where(inArray(accounts.id, [...new Set(rows.map((r) => r.resellerAccountId))]))).map((a) => [a.id, a]),
  )
  return rows.flatMap((r) => {
    const reseller = resellers.get(r.resellerAccountId)
    return reseller ? [{ id: r.id, hostname: r.hostname, reseller }] : []
  })
}

export type VerifyOutcome = { ok: true; dropped: EndedClaim[] } | { ok: false; reason: 'expired' | 'taken' | 'gone' }

/**
 * Verify a reseller's pending claim (its TXT record was seen): in one batch it
 * becomes the hostname's verified owner — unless it lapsed or someone verified
 * the name first — and every other pending claim on the name is dropped
 * (returned, so their resellers can be told).
 */
export async function verifyHostnameClaim(db: DB, resellerId: string, hostnameId: string, now = Date.now()): Promise<VerifyOutcome> {
  const outcome = await verifyPendingClaim(db, HOSTNAME_CLAIMS, resellerId, hostnameId, now)
  if (outcome.changed) return { ok: true, dropped: await withResellers(db, outcome.dropped.map((d) => ({ id: d.id, hostname: d.name, resellerAccountId: d.ownerId }))) }
  return outcome.taken ? { ok: false, reason: 'taken' } : notVerified(await getHostname(db, resellerId, hostnameId), now)
}

/** Whether someone holds this hostname verified (a claim of it would be refused). */
export async function hostnameVerified(db: DB, hostname: string) {
  return Boolean(await db.select({ id: hostnames.id }).from(hostnames).where(and(eq(hostnames.hostname, hostname), eq(hostnames.status, 'verified'))).get())
}

/** Remove a reseller's hostname. */
export async function deleteHostname(db: DB, resellerId: string, hostnameId: string) {
  await db.delete(hostnames).where(and(eq(hostnames.id, hostnameId), eq(hostnames.resellerAccountId, resellerId)))
}

/** Delete every pending claim past its expiry; returns them (for their resellers' logs). */
export async function expireClaims(db: DB, now = Date.now()) {
  const rows = await db
    .delete(hostnames)
    .where(and(eq(hostnames.status, 'pending'), lte(hostnames.expiresAt, now)))
    .returning({ id: hostnames.id, hostname: hostnames.hostname, resellerAccountId: hostnames.resellerAccountId })
  return withResellers(db, rows)
}

/**
 * Hostnames due for a DNS check, in a status: those seen longest ago first
 * (never seen first), at most `limit`. Pending claims past their expiry are left
 * to expireClaims. Names under .localhost (RFC 6761: local by definition, the
 * demo's portals) are not in public DNS and are left alone.
 */
export function hostnamesToCheck(db: DB, status: 'verified' | 'pending', limit: number, now = Date.now()) {
  return db
    .select({ id: hostnames.id, hostname: hostnames.hostname, verificationToken: hostnames.verificationToken, resellerAccountId: hostnames.resellerAccountId })
    .from(hostnames)
    .where(
      and(
        eq(hostnames.status, status),
        sql`${hostnames.hostname} NOT LIKE '%.localhost'`,
        status === 'pending' ? or(isNull(hostnames.expiresAt), gt(hostnames.expiresAt, now)) : undefined,
      ),
    )
    .orderBy(asc(hostnames.checkedAt), asc(hostnames.id))
    .limit(limit)
}

/** A DNS check of the hostname got an answer (a verified one still holds its token, or a pending one does not yet). */
export async function markHostnameChecked(db: DB, hostnameId: string, now = Date.now()) {
  await db.update(hostnames).set({ checkedAt: now }).where(eq(hostnames.id, hostnameId))
}

/**
 * The re-check found no TXT record holding the token: the hostname goes back
 * to pending (it stops serving the brand, and leaves Cloudflare) with a fresh
 * CLAIM_TTL_MS to verify again. Returns the demoted claim, or null when it was no longer verified.
 */
export async function demoteHostname(db: DB, hostnameId: string, now = Date.now()) {
  const rows = await db
    .update(hostnames)
    // It lets go of its custom hostname at Cloudflare too (a trigger queues the removal, domain/edge.ts).
    .set({ status: 'pending', verifiedAt: null, expiresAt: now + CLAIM_TTL_MS, edgeId: null, tlsStatus: 'none', tlsDetail: null, tlsCheckedAt: null })
    .where(and(eq(hostnames.id, hostnameId), eq(hostnames.status, 'verified')))
    .returning({ id: hostnames.id, hostname: hostnames.hostname, resellerAccountId: hostnames.resellerAccountId })
  return (await withResellers(db, rows))[0] ?? null
}

// ---------------------------------------------------------------------------
// Resolution: Host → brand, cached in the isolate

/** Whether a hostname cannot be claimed because someone holds it verified (the insert checks again). */
export const hostnameTaken = hostnameVerified
