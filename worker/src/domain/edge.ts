import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import { customHostnamesFor, DUPLICATE_CUSTOM_HOSTNAME, EdgeRefused, EdgeUnavailable, type CustomHostnames, type EdgeHostname } from '../adapters/custom-hostnames.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import type { Bindings } from '../env.ts'

/**
 * TLS on resellers' verified hostnames through Cloudflare for SaaS. A verified
 * hostname is added to the zone as a custom hostname, and its certificate is
 * followed until active (tls_status). Cloudflare being down or rate limiting
 * never fails the reseller's request: the hostname is `queued` and the daily
 * cron (or "Check now") tries again. Custom hostnames whose row goes away are
 * queued for removal by triggers (migration 0013) and removed here.
 */

const { hostnames, edgeCleanup } = schema

type TlsRow = { id: string; hostname: string; status: string; edgeId: string | null; tlsStatus: string; tlsDetail: string | null }

/** Whether the portal manages certificates here, and where resellers point their CNAME. */
export function edgeSettings(env: Bindings) {
  return { managed: customHostnamesFor(env) !== null, cnameTarget: env.SAAS_CNAME_TARGET || null }
}

/** Names under .localhost (the demo's portals) never reach Cloudflare. */
const local = (hostname: string) => hostname === 'localhost' || hostname.endsWith('.localhost')

async function record(db: DB, id: string, edgeId: string | null, tls: { status: 'queued' | 'pending' | 'active' | 'failed'; detail: string | null }, now: number) {
  await db
    .update(hostnames)
    .set({ edgeId, tlsStatus: tls.status, tlsDetail: tls.detail?.slice(0, 500) ?? null, tlsCheckedAt: now })
    .where(and(eq(hostnames.id, id), eq(hostnames.status, 'verified')))
}

/** Add it to the zone; a duplicate (added before, its id not kept) is found and adopted. */
async function add(api: CustomHostnames, hostname: string): Promise<EdgeHostname> {
  try {
    return await api.create(hostname)
  } catch (error) {
    if (!(error instanceof EdgeRefused && error.codes.includes(DUPLICATE_CUSTOM_HOSTNAME))) throw error
    const existing = await api.find(hostname)
    if (!existing) throw error
    return existing
  }
}

/**
 * Bring one verified hostname's certificate up to date: add it to Cloudflare
 * when it is not there yet, else read its state. Never throws for Cloudflare's
 * sake: an unreachable API leaves it `queued` (or as it was), a refusal marks it
 * `failed` with Cloudflare's words. Returns the state it recorded, or null when
 * nothing applies (not managed here, not verified, a local name).
 */
export async function syncTls(env: Bindings, db: DB, row: TlsRow, now = Date.now()) {
  const api = customHostnamesFor(env)
  if (!api || row.status !== 'verified' || local(row.hostname)) return null
  try {
    let edge = row.edgeId ? await api.get(row.edgeId) : null
    // Not at Cloudflare yet, or removed there behind our back: add it (again).
    if (!edge) edge = await add(api, row.hostname)
    await record(db, row.id, edge.id, edge.tls, now)
    return edge.tls
  } catch (error) {
    if (error instanceof EdgeUnavailable) {
      // What Cloudflare said last still stands; only a hostname not added yet becomes `queued`.
      if (row.edgeId) return { status: row.tlsStatus, detail: row.tlsDetail }
      const detail = `Cloudflare could not be reached (${error.message}). The portal tries again at the next daily check${error.retryAfterSeconds ? ` (Cloudflare asks to wait ${error.retryAfterSeconds} s)` : ''}, or press Check now.`
      const tls = { status: 'queued' as const, detail }
      await record(db, row.id, null, tls, now)
      return tls
    }
    if (error instanceof EdgeRefused) {
      const tls = { status: 'failed' as const, detail: error.message }
      await record(db, row.id, row.edgeId, tls, now)
      return tls
    }
    throw error
  }
}

/** Verified hostnames whose certificate is not active yet, the longest unchecked first. */
export function hostnamesAwaitingTls(db: DB, limit: number) {
  return db
    .select({ id: hostnames.id, hostname: hostnames.hostname, status: hostnames.status, edgeId: hostnames.edgeId, tlsStatus: hostnames.tlsStatus, tlsDetail: hostnames.tlsDetail })
    .from(hostnames)
    .where(and(eq(hostnames.status, 'verified'), inArray(hostnames.tlsStatus, ['none', 'queued', 'pending']), sql`${hostnames.hostname} NOT LIKE '%.localhost'`))
    .orderBy(asc(hostnames.tlsCheckedAt), asc(hostnames.id))
    .limit(limit)
}

/**
 * Remove queued custom hostnames at Cloudflare (all, or only `edgeIds`). Each
 * leaves the queue once Cloudflare confirms or no longer has it; one it cannot
 * reach stays for the next run. Returns how many were removed.
 */
export async function drainEdgeCleanup(env: Bindings, db: DB, options: { edgeIds?: string[]; limit?: number } = {}) {
  const api = customHostnamesFor(env)
  if (!api) return 0
  if (options.edgeIds && !options.edgeIds.length) return 0
  const queued = await db
    .select()
    .from(edgeCleanup)
    .where(options.edgeIds ? inArray(edgeCleanup.edgeId, options.edgeIds) : undefined)
    .orderBy(asc(edgeCleanup.attempts), asc(edgeCleanup.createdAt))
    .limit(options.limit ?? 1000)
  let removed = 0
  for (const item of queued) {
    try {
      await api.remove(item.edgeId)
    } catch (error) {
      if (!(error instanceof EdgeUnavailable || error instanceof EdgeRefused)) throw error
      await db.update(edgeCleanup).set({ attempts: sql`${edgeCleanup.attempts} + 1` }).where(eq(edgeCleanup.edgeId, item.edgeId))
      continue
    }
    await db.delete(edgeCleanup).where(eq(edgeCleanup.edgeId, item.edgeId))
    removed++
  }
  return removed
}
