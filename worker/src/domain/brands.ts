import { and, asc, eq, gt, inArray, isNull, lte, ne, or, sql, type SQL } from 'drizzle-orm'
import { isUniqueViolation, type DB } from '../db.ts'
import { schema } from '../db.ts'
import { newId, randomToken } from '../crypto/tokens.ts'

const { brands, hostnames, accounts } = schema

/** The brand as the portal shows it (GET /api/v1/brand, emails). Every field is data, never markup. */
export interface PublicBrand {
  name: string
  /** Same-origin path of the logo, or null (the portal shows the name's initial). */
  logoUrl: string | null
  primaryColor: string
  accentColor: string
  supportEmail: string | null
  supportUrl: string | null
  loginMessage: string | null
  /** The reseller whose brand this is; null for the platform brand. */
  resellerId: string | null
}

/** The product's own look, when the platform has not set a brand. */
export const DEFAULT_BRAND: PublicBrand = {
  name: 'Trellis',
  logoUrl: '/favicon.svg',
  primaryColor: '#2563eb',
  accentColor: '#0ea5e9',
  supportEmail: null,
  supportUrl: null,
  loginMessage: null,
  resellerId: null,
}

/** The editable fields of a brand (the logo has its own route). */
export interface BrandInput {
  name: string
  primaryColor: string
  accentColor: string
  supportEmail: string | null
  supportUrl: string | null
  loginMessage: string | null
}

type BrandRow = typeof brands.$inferSelect

/** The public path of a brand's logo; the version makes it immutable (long cache, new URL on change). */
export function logoPath(accountId: string, version: number): string {
  return `/api/v1/brand/logo/${encodeURIComponent(accountId)}/${version}`
}

/** The R2 key of a logo version. */
export function logoKey(accountId: string, version: number): string {
  return `logos/${accountId}/${version}`
}

function present(row: BrandRow, resellerId: string | null): PublicBrand {
  return {
    name: row.name,
    logoUrl: row.logoKey ? logoPath(row.accountId, row.logoVersion) : null,
    primaryColor: row.primaryColor,
    accentColor: row.accentColor,
    supportEmail: row.supportEmail,
    supportUrl: row.supportUrl,
    loginMessage: row.loginMessage,
    resellerId,
  }
}

/** The stored brand row of an account, if it has one. */
export function getBrandRow(db: DB, accountId: string) {
  return db.select().from(brands).where(eq(brands.accountId, accountId)).get()
}

/** The platform's brand: its own row on the root account, else the product default. */
async function platformBrand(db: DB): Promise<PublicBrand> {
  const row = await db
    .select({ brand: brands })
    .from(accounts)
    .innerJoin(brands, eq(brands.accountId, accounts.id))
    .where(eq(accounts.kind, 'platform'))
    .get()
  return row ? present(row.brand, null) : DEFAULT_BRAND
}

/**
 * The effective brand of a reseller (or the platform, `resellerId` null): its
 * own row, else the platform's look under the reseller's account name.
 */
async function resellerBrand(db: DB, reseller: { id: string; name: string }, row: BrandRow | null | undefined): Promise<PublicBrand> {
  if (row) return present(row, reseller.id)
  const platform = await platformBrand(db)
  return { ...platform, name: reseller.name, logoUrl: null, resellerId: reseller.id }
}

/** The brand an account's own settings page edits: its row, or what it shows today. */
export async function effectiveBrand(db: DB, account: { id: string; name: string; kind: string }) {
  const row = await getBrandRow(db, account.id)
  const brand = account.kind === 'platform' ? (row ? present(row, null) : DEFAULT_BRAND) : await resellerBrand(db, account, row)
  return { brand, custom: !!row, logoVersion: row?.logoKey ? row.logoVersion : null, updatedAt: row?.updatedAt ?? null }
}

/** Create or replace an account's brand fields (the logo is kept). */
export async function saveBrand(db: DB, accountId: string, input: BrandInput, now = Date.now()) {
  await db
    .insert(brands)
    .values({ accountId, ...input, updatedAt: now })
    .onConflictDoUpdate({ target: brands.accountId, set: { ...input, updatedAt: now } })
}

/**
 * Point the brand at a new logo version (creating the brand from `fallback`
 * when the account had none). Returns the new version; the caller stores the
 * object first and deletes the previous one after.
 */
export async function nextLogoVersion(db: DB, accountId: string) {
  const row = await getBrandRow(db, accountId)
  return { previous: row?.logoKey ?? null, version: (row?.logoVersion ?? 0) + 1 }
}

/** Record the uploaded logo; `fallback` fills a brand row that did not exist yet. */
export async function setLogo(db: DB, accountId: string, logo: { key: string | null; contentType: string | null; version: number }, fallback: BrandInput, now = Date.now()) {
  const set = { logoKey: logo.key, logoContentType: logo.contentType, logoVersion: logo.version, updatedAt: now }
  await db
    .insert(brands)
    .values({ accountId, ...fallback, ...set })
    .onConflictDoUpdate({ target: brands.accountId, set })
}

/** The reseller id on an account path (`/platform/reseller/customer/`), or null for the platform itself. */
export function resellerIdOf(accountPath: string): string | null {
  return accountPath.split('/').filter(Boolean)[1] ?? null
}

/**
 * The brand of the reseller owning the account at `accountPath` (the reseller
 * itself, or a customer under it), or the platform brand for platform
 * accounts. `hostname` is that reseller's first verified hostname (for links
 * in emails), null for the platform.
 */
export async function brandForAccount(db: DB, accountPath: string): Promise<PublicBrand & { hostname: string | null }> {
  const resellerId = resellerIdOf(accountPath)
  if (!resellerId) return { ...(await platformBrand(db)), hostname: null }
  const row = await db
    .select({ id: accounts.id, name: accounts.name, brand: brands })
    .from(accounts)
    .leftJoin(brands, eq(brands.accountId, accounts.id))
    .where(and(eq(accounts.id, resellerId), eq(accounts.kind, 'reseller')))
    .get()
  if (!row) return { ...(await platformBrand(db)), hostname: null }
  const host = await db
    .select({ hostname: hostnames.hostname })
    .from(hostnames)
    .where(and(eq(hostnames.resellerAccountId, resellerId), eq(hostnames.status, 'verified')))
    .orderBy(asc(hostnames.createdAt), asc(hostnames.hostname))
    .get()
  return { ...(await resellerBrand(db, row, row.brand)), hostname: host?.hostname ?? null }
}

// ---------------------------------------------------------------------------
// Hostnames

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

/** The DNS name that must carry the verification token. */
export function challengeName(hostname: string): string {
  return `_trellis.${hostname}`
}

/** How long a pending claim lives (from the claim, or from a demotion) unless verified. */
export const CLAIM_TTL_MS = 7 * 24 * 60 * 60 * 1000

/** Why a hostname cannot be claimed: someone verified it, or this reseller already holds a live claim. */
export class HostnameTaken extends Error {
  constructor(readonly reason: 'verified' | 'claimed') {
    super(reason === 'verified' ? 'That hostname is verified by another account.' : 'You have already claimed this hostname.')
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
const verifiedElsewhere = (hostname: SQL | string) => sql`EXISTS (SELECT 1 FROM hostnames v WHERE v.hostname = ${hostname} AND v.status = 'verified')`

/**
 * Claim a hostname for a reseller, pending for CLAIM_TTL_MS until verified.
 * Other resellers' pending claims on the same name do not stand in the way
 * (each has its own token; the first to verify wins). Throws HostnameTaken
 * when the name is verified by anyone, or this reseller holds a live claim.
 */
export async function addHostname(db: DB, resellerId: string, input: { hostname: string; customerAccountId: string | null }, now = Date.now()) {
  const id = newId('hst')
  const token = `trellis-verify=${randomToken(20)}`
  // This reseller's own lapsed claim gives way to the new one (new token, new week).
  await db
    .delete(hostnames)
    .where(and(eq(hostnames.hostname, input.hostname), eq(hostnames.resellerAccountId, resellerId), eq(hostnames.status, 'pending'), lte(hostnames.expiresAt, now)))
  let inserted: number
  try {
    // One statement: a name verified in the meantime is never claimed (and the unique indexes decide races).
    const result = await db.run(sql`INSERT INTO hostnames (id, hostname, reseller_account_id, customer_account_id, status, verification_token, created_at, expires_at)
      SELECT ${id}, ${input.hostname}, ${resellerId}, ${input.customerAccountId}, 'pending', ${token}, ${now}, ${now + CLAIM_TTL_MS}
      WHERE NOT ${verifiedElsewhere(input.hostname)}`)
    inserted = result.meta.changes
  } catch (error) {
    if (isUniqueViolation(error, 'hostnames.hostname')) throw new HostnameTaken('claimed')
    throw error
  }
  if (!inserted) throw new HostnameTaken('verified')
  return (await getHostname(db, resellerId, id))!
}

/** Whether a pending claim has lapsed. */
export const claimExpired = (row: { status: string; expiresAt: number | null }, now = Date.now()) => row.status === 'pending' && row.expiresAt !== null && row.expiresAt <= now

/** A claim dropped because it expired or another account verified the name first. */
export interface EndedClaim {
  id: string
  hostname: string
  reseller: { id: string; path: string; name: string }
}

/** The resellers (id, path, name) of claims, for their activity logs. */
async function withResellers(db: DB, rows: { id: string; hostname: string; resellerAccountId: string }[]): Promise<EndedClaim[]> {
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
  let updated: { id: string }[]
  let dropped: { id: string; hostname: string; resellerAccountId: string }[]
  try {
    ;[updated, dropped] = await db.batch([
      db
        .update(hostnames)
        .set({ status: 'verified', verifiedAt: now, checkedAt: now, expiresAt: null })
        .where(
          and(
            eq(hostnames.id, hostnameId),
            eq(hostnames.resellerAccountId, resellerId),
            eq(hostnames.status, 'pending'),
            or(isNull(hostnames.expiresAt), gt(hostnames.expiresAt, now)),
            sql`NOT ${verifiedElsewhere(sql`${hostnames.hostname}`)}`,
          ),
        )
        .returning({ id: hostnames.id }),
      db
        .delete(hostnames)
        .where(and(eq(hostnames.status, 'pending'), sql`${hostnames.hostname} = (SELECT w.hostname FROM hostnames w WHERE w.id = ${hostnameId} AND w.status = 'verified' AND w.verified_at = ${now})`))
        .returning({ id: hostnames.id, hostname: hostnames.hostname, resellerAccountId: hostnames.resellerAccountId }),
    ])
  } catch (error) {
    // Two verifications of one name at once: the partial unique index lets one through.
    if (isUniqueViolation(error, 'hostnames.hostname')) return { ok: false, reason: 'taken' }
    throw error
  }
  if (updated.length) return { ok: true, dropped: await withResellers(db, dropped) }
  const row = await getHostname(db, resellerId, hostnameId)
  if (!row) return { ok: false, reason: 'gone' }
  if (row.status === 'verified') return { ok: true, dropped: [] }
  return { ok: false, reason: claimExpired(row, now) ? 'expired' : 'taken' }
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
 * Verified hostnames due for their DNS re-check: those seen longest ago first
 * (never seen first), at most `limit`. Names under .localhost (RFC 6761: local
 * by definition, the demo's portals) are not in public DNS and are left alone.
 */
export function hostnamesToRecheck(db: DB, limit: number) {
  return db
    .select({ id: hostnames.id, hostname: hostnames.hostname, verificationToken: hostnames.verificationToken })
    .from(hostnames)
    .where(and(eq(hostnames.status, 'verified'), sql`${hostnames.hostname} NOT LIKE '%.localhost'`))
    .orderBy(asc(hostnames.checkedAt), asc(hostnames.id))
    .limit(limit)
}

/** The re-check saw the TXT record. */
export async function markHostnameChecked(db: DB, hostnameId: string, now = Date.now()) {
  await db.update(hostnames).set({ checkedAt: now }).where(and(eq(hostnames.id, hostnameId), eq(hostnames.status, 'verified')))
}

/**
 * The re-check found no TXT record holding the token: the hostname goes back
 * to pending (it stops serving the brand) with a fresh CLAIM_TTL_MS to verify
 * again. Returns the demoted claim, or null when it was no longer verified.
 */
export async function demoteHostname(db: DB, hostnameId: string, now = Date.now()) {
  const rows = await db
    .update(hostnames)
    .set({ status: 'pending', verifiedAt: null, expiresAt: now + CLAIM_TTL_MS })
    .where(and(eq(hostnames.id, hostnameId), eq(hostnames.status, 'verified')))
    .returning({ id: hostnames.id, hostname: hostnames.hostname, resellerAccountId: hostnames.resellerAccountId })
  return (await withResellers(db, rows))[0] ?? null
}

// ---------------------------------------------------------------------------
// Resolution: Host → brand, cached in the isolate

/** What a request's host resolves to: the brand, and the reseller whose portal this is (null = platform). */
export interface HostBrand {
  brand: PublicBrand
  reseller: { id: string; path: string; hostname: string } | null
}

const CACHE_MAX = 10_000
const CACHE_TTL_MS = 30_000
const cache = new Map<string, { value: HostBrand; expires: number }>()
let generation = 0

/**
 * Forget every cached host in this isolate (after a brand or hostname change).
 * Other isolates catch up within the TTL (30 s).
 */
export function invalidateBrandCache() {
  cache.clear()
  generation++
}

async function lookupHost(db: DB, host: string): Promise<HostBrand> {
  const row = await db
    .select({ id: accounts.id, name: accounts.name, path: accounts.path, brand: brands })
    .from(hostnames)
    .innerJoin(accounts, eq(accounts.id, hostnames.resellerAccountId))
    .leftJoin(brands, eq(brands.accountId, accounts.id))
    .where(and(eq(hostnames.hostname, host), eq(hostnames.status, 'verified'), ne(accounts.status, 'deleted')))
    .get()
  if (!row) return { brand: await platformBrand(db), reseller: null }
  return { brand: await resellerBrand(db, row, row.brand), reseller: { id: row.id, path: row.path, hostname: host } }
}

/**
 * The brand for a request's hostname: a verified hostname → its reseller's
 * brand; anything else → the platform brand. A bounded LRU with a short TTL
 * keeps this off the database for almost every request.
 */
export async function brandForHost(db: DB, rawHost: string, now = Date.now()): Promise<HostBrand> {
  const host = rawHost.toLowerCase().replace(/\.$/, '')
  const hit = cache.get(host)
  if (hit && hit.expires > now) {
    // Re-insert: Map order is the LRU order.
    cache.delete(host)
    cache.set(host, hit)
    return hit.value
  }
  const started = generation
  const value = await lookupHost(db, host)
  if (started === generation) {
    cache.delete(host)
    cache.set(host, { value, expires: now + CACHE_TTL_MS })
    while (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!)
  }
  return value
}

/** Whether a hostname cannot be claimed because someone holds it verified (the insert checks again). */
export const hostnameTaken = hostnameVerified
