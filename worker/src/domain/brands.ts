import { and, asc, eq, or } from 'drizzle-orm'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import type { Locale } from '../i18n/locale.ts'

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
  /** Show "Powered by Trellis" (the platform decides, per brand). */
  poweredBy: boolean
  /** The portal's language for people who chose none; null follows their browser. */
  defaultLocale: Locale | null
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
  poweredBy: true,
  defaultLocale: null,
}

/** The editable fields of a brand (the logo has its own route). */
export interface BrandInput {
  name: string
  primaryColor: string
  accentColor: string
  supportEmail: string | null
  supportUrl: string | null
  loginMessage: string | null
  defaultLocale: Locale | null
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

function present(row: BrandRow, resellerId: string | null, poweredBy: boolean): PublicBrand {
  return {
    name: row.name,
    logoUrl: row.logoKey ? logoPath(row.accountId, row.logoVersion) : null,
    primaryColor: row.primaryColor,
    accentColor: row.accentColor,
    supportEmail: row.supportEmail,
    supportUrl: row.supportUrl,
    loginMessage: row.loginMessage,
    resellerId,
    poweredBy,
    defaultLocale: row.defaultLocale,
  }
}

/** The stored brand row of an account, if it has one. */
export function getBrandRow(db: DB, accountId: string) {
  return db.select().from(brands).where(eq(brands.accountId, accountId)).get()
}

/** The platform's brand: its own row on the root account, else the product default. */
export async function platformBrand(db: DB): Promise<PublicBrand> {
  const row = await db
    .select({ name: accounts.name, poweredBy: accounts.poweredBy, brand: brands })
    .from(accounts)
    .leftJoin(brands, eq(brands.accountId, accounts.id))
    .where(eq(accounts.kind, 'platform'))
    .get()
  if (!row) return DEFAULT_BRAND
  // Without a brand of its own, the platform's portal still carries the platform's name, never the product's.
  return row.brand ? present(row.brand, null, row.poweredBy) : { ...DEFAULT_BRAND, name: row.name, poweredBy: row.poweredBy }
}

/**
 * The effective brand of a reseller (or the platform, `resellerId` null): its
 * own row, else the platform's look under the reseller's account name.
 */
export async function resellerBrand(db: DB, reseller: { id: string; name: string; poweredBy: boolean }, row: BrandRow | null | undefined): Promise<PublicBrand> {
  if (row) return present(row, reseller.id, reseller.poweredBy)
  const platform = await platformBrand(db)
  return { ...platform, name: reseller.name, logoUrl: null, resellerId: reseller.id, poweredBy: reseller.poweredBy }
}

/** The brand an account's own settings page edits: its row, or what it shows today. */
export async function effectiveBrand(db: DB, account: { id: string; name: string; kind: string }) {
  const [row, flags] = await Promise.all([getBrandRow(db, account.id), db.select({ poweredBy: accounts.poweredBy }).from(accounts).where(eq(accounts.id, account.id)).get()])
  const poweredBy = flags?.poweredBy ?? true
  const brand =
    account.kind === 'platform' ? (row ? present(row, null, poweredBy) : { ...DEFAULT_BRAND, name: account.name, poweredBy }) : await resellerBrand(db, { ...account, poweredBy }, row)
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
    .select({ id: accounts.id, name: accounts.name, poweredBy: accounts.poweredBy, brand: brands })
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
