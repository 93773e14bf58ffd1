import { and, asc, eq, ne } from 'drizzle-orm'
import type { DB } from '../db.ts'
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

/** The DNS name that must carry the verification token. */
export function challengeName(hostname: string): string {
  return `_trellis.${hostname}`
}

export class HostnameTaken extends Error {}

export const hostnameColumns = {
  id: hostnames.id,
  hostname: hostnames.hostname,
  customerAccountId: hostnames.customerAccountId,
  status: hostnames.status,
  verificationToken: hostnames.verificationToken,
  createdAt: hostnames.createdAt,
  verifiedAt: hostnames.verifiedAt,
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

/** Claim a hostname for a reseller, pending until verified. Throws HostnameTaken when anyone holds it already. */
export async function addHostname(db: DB, resellerId: string, input: { hostname: string; customerAccountId: string | null }, now = Date.now()) {
  const id = newId('hst')
  try {
    await db.insert(hostnames).values({
      id,
      hostname: input.hostname,
      resellerAccountId: resellerId,
      customerAccountId: input.customerAccountId,
      status: 'pending',
      verificationToken: `trellis-verify=${randomToken(20)}`,
      createdAt: now,
    })
  } catch (error) {
    // The unique index is the arbiter, so two concurrent claims cannot both succeed.
    if (/UNIQUE constraint failed: hostnames\.hostname/.test(String(error) + String((error as Error).cause ?? ''))) throw new HostnameTaken()
    throw error
  }
  return (await getHostname(db, resellerId, id))!
}

/** Mark a reseller's hostname verified. */
export async function markHostnameVerified(db: DB, resellerId: string, hostnameId: string, now = Date.now()) {
  await db
    .update(hostnames)
    .set({ status: 'verified', verifiedAt: now })
    .where(and(eq(hostnames.id, hostnameId), eq(hostnames.resellerAccountId, resellerId)))
}

/** Remove a reseller's hostname. */
export async function deleteHostname(db: DB, resellerId: string, hostnameId: string) {
  await db.delete(hostnames).where(and(eq(hostnames.id, hostnameId), eq(hostnames.resellerAccountId, resellerId)))
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

/** Whether a hostname is already held by some reseller (the unique index still decides races). */
export async function hostnameTaken(db: DB, hostname: string) {
  return Boolean(await db.select({ id: hostnames.id }).from(hostnames).where(eq(hostnames.hostname, hostname)).get())
}
