import { and, eq, ne } from 'drizzle-orm'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import { platformBrand, resellerBrand, type PublicBrand } from './brands.ts'

const { brands, hostnames, accounts } = schema

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
    .select({ id: accounts.id, name: accounts.name, path: accounts.path, poweredBy: accounts.poweredBy, brand: brands })
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
