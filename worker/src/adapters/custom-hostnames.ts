/**
 * The outside edge for TLS on resellers' own domains: Cloudflare for SaaS, the
 * Custom Hostnames API of the zone that fronts the web worker
 * (https://developers.cloudflare.com/api/resources/custom_hostnames/).
 *
 * Configured by the `SAAS_API_TOKEN` secret (a token with "SSL and Certificates:
 * Edit" on the zone) and the `SAAS_ZONE_ID` variable; `SAAS_API_BASE` points it
 * elsewhere (tests run it against test/helpers/cloudflare-api.ts, a local server
 * speaking the same requests and answers). Without a token and zone the portal
 * does not manage certificates, and says so on the Domains page.
 */

import { bearerRequest } from './http.ts'

/** What the portal keeps of a custom hostname: Cloudflare's id and its certificate's state. */
export interface EdgeHostname {
  id: string
  hostname: string
  tls: { status: 'pending' | 'active' | 'failed'; detail: string | null }
}

/** Cloudflare could not answer now (network, timeout, 5xx, rate limit): try again later. */
export class EdgeUnavailable extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message)
  }
}

/** Cloudflare refused the request (4xx): retrying the same request will not help. */
export class EdgeRefused extends Error {
  constructor(
    message: string,
    readonly codes: number[] = [],
  ) {
    super(message)
  }
}

export interface CustomHostnames {
  /** Add the hostname to the zone and ask for a DV certificate, validated over HTTP once its CNAME points to us. */
  create(hostname: string): Promise<EdgeHostname>
  /** The custom hostname by id; null when Cloudflare no longer has it. */
  get(id: string): Promise<EdgeHostname | null>
  /** The custom hostname of this name, if the zone has one. */
  find(hostname: string): Promise<EdgeHostname | null>
  /** Remove it from the zone (done when it is already gone). */
  remove(id: string): Promise<void>
}

export interface CustomHostnamesEnv {
  SAAS_API_TOKEN?: string
  SAAS_ZONE_ID?: string
  SAAS_API_BASE?: string
}

export const CLOUDFLARE_API = 'https://api.cloudflare.com/client/v4'
const TIMEOUT_MS = 10_000
/** Cloudflare's code for "Duplicate custom hostname found." */
export const DUPLICATE_CUSTOM_HOSTNAME = 1406

interface Envelope<T> {
  success?: boolean
  errors?: { code?: number; message?: string }[]
  result?: T | null
}

interface ApiCustomHostname {
  id: string
  hostname: string
  status?: string
  verification_errors?: string[]
  ssl?: { status?: string; validation_errors?: { message?: string }[] } | null
}

const ACTIVE = new Set(['active'])
const FAILED = new Set(['expired', 'deleted', 'inactive', 'deactivating', 'initializing_timed_out', 'validation_timed_out', 'issuance_timed_out', 'deployment_timed_out', 'deletion_timed_out'])
const BLOCKED = new Set(['blocked', 'pending_blocked', 'moved', 'deleted', 'pending_deletion'])

/** Cloudflare's certificate and hostname states, folded into the three the portal shows. */
export function tlsState(h: ApiCustomHostname): EdgeHostname['tls'] {
  const ssl = h.ssl?.status ?? 'initializing'
  const errors = [...(h.ssl?.validation_errors ?? []).map((e) => e.message ?? ''), ...(h.verification_errors ?? [])].filter(Boolean)
  const words = (s: string) => s.replace(/_/g, ' ')
  if (h.status && BLOCKED.has(h.status)) return { status: 'failed', detail: errors[0] ?? `Cloudflare reports the hostname as ${words(h.status)}.` }
  if (ACTIVE.has(ssl)) return { status: 'active', detail: null }
  if (FAILED.has(ssl)) return { status: 'failed', detail: errors[0] ?? `The certificate is ${words(ssl)}.` }
  return { status: 'pending', detail: errors[0] ?? `The certificate is ${words(ssl)}.` }
}

const present = (h: ApiCustomHostname): EdgeHostname => ({ id: h.id, hostname: h.hostname, tls: tlsState(h) })

/** The Custom Hostnames API of one zone. */
export function cloudflareCustomHostnames(config: { token: string; zoneId: string; base?: string }, fetcher: typeof fetch = fetch): CustomHostnames {
  const root = `${(config.base ?? CLOUDFLARE_API).replace(/\/$/, '')}/zones/${encodeURIComponent(config.zoneId)}/custom_hostnames`

  async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; envelope: Envelope<T> }> {
    const res = await bearerRequest(fetcher, `${root}${path}`, { method, token: config.token, body, timeoutMs: TIMEOUT_MS }, (error) => new EdgeUnavailable(`Cloudflare did not answer: ${String(error)}`))
    let envelope: Envelope<T>
    try {
      envelope = (await res.json()) as Envelope<T>
    } catch {
      envelope = {}
    }
    const message = (envelope.errors ?? []).map((e) => `${e.message ?? 'error'}${e.code ? ` (${e.code})` : ''}`).join('; ') || `HTTP ${res.status}`
    if (res.status === 429) {
      const retry = Number(res.headers.get('retry-after'))
      throw new EdgeUnavailable(`Cloudflare is rate limiting: ${message}`, Number.isFinite(retry) && retry > 0 ? retry : null)
    }
    if (res.status >= 500) throw new EdgeUnavailable(`Cloudflare answered ${message}`)
    if (res.status === 404) return { status: 404, envelope }
    if (!res.ok || envelope.success === false) {
      throw new EdgeRefused(`Cloudflare refused: ${message}`, (envelope.errors ?? []).flatMap((e) => (typeof e.code === 'number' ? [e.code] : [])))
    }
    if (method !== 'DELETE' && (!envelope.result || typeof envelope.result !== 'object')) throw new EdgeUnavailable('Cloudflare answered without a result')
    return { status: res.status, envelope }
  }

  return {
    async create(hostname) {
      const { envelope } = await call<ApiCustomHostname>('POST', '', { hostname, ssl: { method: 'http', type: 'dv' } })
      return present(envelope.result!)
    },
    async get(id) {
      const { status, envelope } = await call<ApiCustomHostname>('GET', `/${encodeURIComponent(id)}`)
      return status === 404 ? null : present(envelope.result!)
    },
    async find(hostname) {
      const { status, envelope } = await call<ApiCustomHostname[]>('GET', `?hostname=${encodeURIComponent(hostname)}`)
      if (status === 404) return null
      const match = (envelope.result as ApiCustomHostname[]).find((h) => h.hostname === hostname)
      return match ? present(match) : null
    },
    async remove(id) {
      await call('DELETE', `/${encodeURIComponent(id)}`)
    },
  }
}

/** The adapter for this deployment, or null when Cloudflare for SaaS is not configured. */
export function customHostnamesFor(env: CustomHostnamesEnv): CustomHostnames | null {
  if (!env.SAAS_API_TOKEN || !env.SAAS_ZONE_ID) return null
  return cloudflareCustomHostnames({ token: env.SAAS_API_TOKEN, zoneId: env.SAAS_ZONE_ID, base: env.SAAS_API_BASE || undefined })
}
