/**
 * The outside edge for server actions: the operator's provisioning backend.
 *
 * Protocol (docs/decisions/022): one HTTPS POST per action to `PROVISIONING_URL`, body JSON
 * `{ id, action, service: { id, name, type, accountId }, name? }`, headers
 *   Trellis-Timestamp: <unix seconds>
 *   Trellis-Signature: v1=<hex HMAC-SHA256(PROVISIONING_SECRET, "<timestamp>.<body>")>
 *   Idempotency-Key: <action id>
 * The backend answers when the action is done: 2xx `{ "status": "done" }`, or
 * `{ "status": "failed", "reason": "…" }` (any status; a non-2xx without a reason fails with
 * its status). No answer within `PROVISIONING_TIMEOUT_MS` (default 20 s) fails the action.
 * Redirects are not followed. The backend checks the signature and refuses timestamps more
 * than five minutes away from its clock.
 *
 * Without `PROVISIONING_URL`: with `DEV_TOOLS=true` (local `npm start`) the development
 * stand-in below answers; anywhere else every action fails with "not configured".
 * Tests run this real adapter against test/helpers/provisioning-api.ts.
 */
import type { ServerAction } from '../../../db/schema/service-operations.ts'

export interface ProvisioningRequest {
  /** The action's id: the backend deduplicates on it. */
  id: string
  action: ServerAction
  service: { id: string; name: string; type: string; accountId: string }
  /** For `rename`. */
  name?: string
}

export type ProvisioningOutcome = { status: 'done' } | { status: 'failed'; reason: string }

export interface Provisioning {
  /** Send the action and wait for the backend's outcome. Never throws: every failure is an outcome. */
  send(request: ProvisioningRequest): Promise<ProvisioningOutcome>
}

export interface ProvisioningEnv {
  PROVISIONING_URL?: string
  PROVISIONING_SECRET?: string
  PROVISIONING_TIMEOUT_MS?: string
  DEV_TOOLS?: string
}

export const DEFAULT_TIMEOUT_MS = 20_000
const encoder = new TextEncoder()
const MAX_REASON = 500

/** How long a pending action may wait for the backend before it counts as failed. */
export function provisioningTimeoutMs(env: ProvisioningEnv): number {
  const ms = Number(env.PROVISIONING_TIMEOUT_MS)
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 25_000) : DEFAULT_TIMEOUT_MS
}

/** `v1=<hex HMAC-SHA256(secret, "<unixSeconds>.<body>")>`: what the backend recomputes to trust a request. */
export async function provisioningSignature(secret: string, unixSeconds: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(`${unixSeconds}.${body}`)))
  return `v1=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}

/** The backend's own words for a failure, kept short and plain. */
function reasonFrom(value: unknown, status: number): string {
  const record = value && typeof value === 'object' ? (value as Record<string, unknown>) : {}
  const reason = typeof record.reason === 'string' ? record.reason : typeof record.error === 'string' ? record.error : ''
  const clean = reason.replace(/\s+/g, ' ').trim().slice(0, MAX_REASON)
  return clean || `The provisioning backend answered ${status}.`
}

/** The real backend over signed HTTPS. */
export function httpProvisioning(config: { url: string; secret: string; timeoutMs: number }, fetcher: typeof fetch = fetch): Provisioning {
  return {
    async send(request) {
      const body = JSON.stringify(request)
      const timestamp = Math.floor(Date.now() / 1000)
      let res: Response
      try {
        res = await fetcher(config.url, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/json',
            'trellis-timestamp': String(timestamp),
            'trellis-signature': await provisioningSignature(config.secret, timestamp, body),
            'idempotency-key': request.id,
          },
          body,
          signal: AbortSignal.timeout(config.timeoutMs),
        })
      } catch (error) {
        const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
        return {
          status: 'failed',
          reason: timedOut ? `The provisioning backend did not answer within ${Math.round(config.timeoutMs / 1000)} s.` : 'The provisioning backend could not be reached.',
        }
      }
      let answer: unknown = null
      try {
        answer = await res.json()
      } catch {
        answer = null
      }
      const status = answer && typeof answer === 'object' ? (answer as Record<string, unknown>).status : undefined
      if (res.ok && status === 'done') return { status: 'done' }
      return { status: 'failed', reason: reasonFrom(answer, res.status) }
    },
  }
}

/** Every action fails: a deployment without a backend says so instead of pretending. */
const notConfigured: Provisioning = {
  async send() {
    return { status: 'failed', reason: 'Server actions are not configured on this portal (PROVISIONING_URL).' }
  },
}

/**
 * DEVELOPMENT STAND-IN — used only by `npm start` (DEV_TOOLS=true, no PROVISIONING_URL).
 * It does nothing to any server: it waits a moment (longer for a reinstall) and says
 * done, except for services whose name contains "broken", which always fail, so both
 * outcomes can be tried locally.
 */
export const devProvisioning: Provisioning = {
  async send(request) {
    await new Promise((resolve) => setTimeout(resolve, request.action === 'reinstall' ? 4000 : 1500))
    if (request.service.name.toLowerCase().includes('broken')) {
      return { status: 'failed', reason: 'Development stand-in: services named “broken” always fail.' }
    }
    return { status: 'done' }
  },
}

/** The provisioning backend for this deployment. */
export function provisioningFor(env: ProvisioningEnv): Provisioning {
  if (env.PROVISIONING_URL) {
    if (!env.PROVISIONING_SECRET || env.PROVISIONING_SECRET.length < 16) {
      return { send: async () => ({ status: 'failed', reason: 'Server actions are not configured on this portal (PROVISIONING_SECRET).' }) }
    }
    return httpProvisioning({ url: env.PROVISIONING_URL, secret: env.PROVISIONING_SECRET, timeoutMs: provisioningTimeoutMs(env) })
  }
  return env.DEV_TOOLS === 'true' ? devProvisioning : notConfigured
}
