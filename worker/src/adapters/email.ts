import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import type { Bindings } from '../env.ts'
import { newId } from '../crypto/tokens.ts'

/** One message, always with a plain-text part. */
export interface EmailMessage {
  to: string
  subject: string
  text: string
  html: string
  /** The display name of the sender (the reseller's brand); the platform's when absent. */
  fromName?: string
  /** The sender's address: a reseller's verified domain; the platform's (EMAIL_FROM) when absent. */
  fromAddress?: string | null
  replyTo?: string | null
}

/** The one way the product sends email. */
export interface Mailer {
  send(message: EmailMessage): Promise<void>
}

export const DEFAULT_FROM = 'Trellis <no-reply@trellis.invalid>'

/** The address inside `Name <address>` (or the whole string when it is a bare address). */
export function addressOf(from: string): string {
  return /<([^<>]+)>\s*$/.exec(from)?.[1]?.trim() ?? from.trim()
}

/** The From header of a message: its own name and address, falling back to the platform's. */
export function fromHeader(message: EmailMessage, platformFrom: string): string {
  if (!message.fromName && !message.fromAddress) return platformFrom
  const name = (message.fromName ?? '').replace(/["\\\r\n]/g, '').trim()
  const address = message.fromAddress ?? addressOf(platformFrom)
  return name ? `"${name}" <${address}>` : address
}

/**
 * Development, tests and any deployment without a provider: every message is
 * stored in D1 (`email_outbox`) with the From and Reply-To it would have had,
 * shown at /dev/outbox when DEV_TOOLS is on.
 */
export function outboxMailer(db: DB, platformFrom = DEFAULT_FROM, now = () => Date.now()): Mailer {
  return {
    async send(message) {
      const { to, subject, text, html } = message
      await db.insert(schema.emailOutbox).values({ id: newId('msg'), to, subject, text, html, sender: fromHeader(message, platformFrom), replyTo: message.replyTo ?? null, createdAt: now() })
    },
  }
}

export const RESEND_API = 'https://api.resend.com'

/**
 * Production: Resend's HTTP API (https://resend.com/docs/api-reference/emails/send-email).
 * Configure with `wrangler secret put RESEND_API_KEY` and the `EMAIL_FROM` variable
 * (a sender on a domain verified with Resend, e.g. `Trellis <portal@example.com>`).
 */
export function resendMailer(config: { apiKey: string; from: string; base?: string }, fetcher: typeof fetch = fetch): Mailer {
  return {
    async send(message) {
      const res = await fetcher(`${config.base ?? RESEND_API}/emails`, {
        method: 'POST',
        headers: { authorization: `Bearer ${config.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          from: fromHeader(message, config.from),
          to: [message.to],
          subject: message.subject,
          text: message.text,
          html: message.html,
          ...(message.replyTo ? { reply_to: message.replyTo } : {}),
        }),
        signal: AbortSignal.timeout(10_000),
      })
      if (!res.ok) throw new Error(`email provider answered ${res.status}: ${(await res.text()).slice(0, 200)}`)
    },
  }
}

/** Several mailers at once (the provider, and in development a copy in the outbox). */
function both(a: Mailer, b: Mailer): Mailer {
  return {
    async send(message) {
      await a.send(message)
      await b.send(message)
    },
  }
}

/**
 * The mailer for this deployment: the provider when its secret is set, else the
 * local outbox. With DEV_TOOLS on, the outbox keeps a copy of what the provider sent.
 */
export function mailerFor(env: Bindings, db: DB): Mailer {
  const from = env.EMAIL_FROM || DEFAULT_FROM
  if (!env.RESEND_API_KEY) return outboxMailer(db, from)
  const provider = resendMailer({ apiKey: env.RESEND_API_KEY, from, base: env.RESEND_API_BASE || undefined })
  return env.DEV_TOOLS === 'true' ? both(provider, outboxMailer(db, from)) : provider
}

// ---------------------------------------------------------------------------
// Sending domains: a reseller's own sender, registered with the provider

/** A DNS record the provider asks for, with its verification status. */
export interface ProviderRecord {
  record: string
  type: string
  name: string
  value: string
  priority: number | null
  status: string
}

export interface ProviderDomain {
  id: string
  name: string
  status: string
  records: ProviderRecord[]
}

/** The provider could not answer now (network, 5xx, rate limit): try again later. */
export class ProviderUnavailable extends Error {}
/** The provider refused (4xx): its message says why. */
export class ProviderRefused extends Error {}

export interface SenderDomains {
  create(name: string): Promise<ProviderDomain>
  /** Null when the provider no longer has it. */
  get(id: string): Promise<ProviderDomain | null>
  /** Ask the provider to check the DNS records now (answers with the domain as it stands). */
  verify(id: string): Promise<void>
  remove(id: string): Promise<void>
}

interface ApiDomain {
  id?: unknown
  name?: unknown
  status?: unknown
  records?: { record?: unknown; type?: unknown; name?: unknown; value?: unknown; priority?: unknown; status?: unknown }[]
}

function presentDomain(d: ApiDomain): ProviderDomain {
  const str = (v: unknown) => (typeof v === 'string' ? v : '')
  return {
    id: str(d.id),
    name: str(d.name),
    status: str(d.status) || 'not_started',
    records: (Array.isArray(d.records) ? d.records : []).map((r) => ({
      record: str(r.record),
      type: str(r.type),
      name: str(r.name),
      value: str(r.value),
      priority: typeof r.priority === 'number' ? r.priority : null,
      status: str(r.status) || 'not_started',
    })),
  }
}

/** Resend's domains API (https://resend.com/docs/api-reference/domains). */
export function resendDomains(config: { apiKey: string; base?: string }, fetcher: typeof fetch = fetch): SenderDomains {
  const root = `${config.base ?? RESEND_API}/domains`
  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let res: Response
    try {
      res = await fetcher(`${root}${path}`, {
        method,
        headers: { authorization: `Bearer ${config.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      })
    } catch (error) {
      throw new ProviderUnavailable(`the email provider did not answer: ${String(error)}`)
    }
    const json: unknown = await res.json().catch(() => null)
    const message = (json && typeof json === 'object' && 'message' in json && typeof json.message === 'string' ? json.message : null) ?? `HTTP ${res.status}`
    if (res.status === 429 || res.status >= 500) throw new ProviderUnavailable(`the email provider answered ${res.status}: ${message}`)
    if (res.status === 404) return { status: 404, json }
    if (!res.ok) throw new ProviderRefused(message)
    return { status: res.status, json }
  }
  return {
    async create(name) {
      const { json } = await call('POST', '', { name })
      return presentDomain(json as ApiDomain)
    },
    async get(id) {
      const { status, json } = await call('GET', `/${encodeURIComponent(id)}`)
      return status === 404 ? null : presentDomain(json as ApiDomain)
    },
    async verify(id) {
      await call('POST', `/${encodeURIComponent(id)}/verify`)
    },
    async remove(id) {
      await call('DELETE', `/${encodeURIComponent(id)}`)
    },
  }
}

/** The provider's domains API, or null where no provider is configured (mail stays in the outbox). */
export function senderDomainsFor(env: Bindings): SenderDomains | null {
  return env.RESEND_API_KEY ? resendDomains({ apiKey: env.RESEND_API_KEY, base: env.RESEND_API_BASE || undefined }) : null
}
