import { and, asc, desc, eq, lte } from 'drizzle-orm'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import type { Bindings } from '../env.ts'
import { newId } from '../crypto/tokens.ts'
import { open, seal } from '../crypto/secret-box.ts'
import { bearerRequest } from './http.ts'

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

/** The provider could not answer now (network, timeout, 5xx, rate limit): try again later. */
export class ProviderUnavailable extends Error {}
/** The provider refused (4xx): its message says why; the same request will not do better later. */
export class ProviderRefused extends Error {}

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

/** The outbox's newest messages, newest first (what /dev/outbox shows). */
export function outboxMessages(db: DB, limit = 100) {
  return db.select().from(schema.emailOutbox).orderBy(desc(schema.emailOutbox.createdAt), desc(schema.emailOutbox.id)).limit(limit)
}

/** One message of the outbox, or undefined. */
export function outboxMessage(db: DB, id: string) {
  return db.select().from(schema.emailOutbox).where(eq(schema.emailOutbox.id, id)).get()
}

export const RESEND_API = 'https://api.resend.com'
/** How long the provider has to answer one request. */
const TIMEOUT_MS = 10_000
const unanswered = (error: unknown) => new ProviderUnavailable(`the email provider did not answer: ${String(error)}`)

/**
 * Production: Resend's HTTP API (https://resend.com/docs/api-reference/emails/send-email).
 * Configure with `wrangler secret put RESEND_API_KEY` and the `EMAIL_FROM` variable
 * (a sender on a domain verified with Resend, e.g. `Trellis <portal@example.com>`).
 */
export function resendMailer(config: { apiKey: string; from: string; base?: string }, fetcher: typeof fetch = fetch): Mailer {
  return {
    async send(message) {
      const res = await bearerRequest(
        fetcher,
        `${config.base ?? RESEND_API}/emails`,
        {
          method: 'POST',
          token: config.apiKey,
          body: {
            from: fromHeader(message, config.from),
            to: [message.to],
            subject: message.subject,
            text: message.text,
            html: message.html,
            ...(message.replyTo ? { reply_to: message.replyTo } : {}),
          },
          timeoutMs: TIMEOUT_MS,
        },
        unanswered,
      )
      if (res.ok) return void (await res.body?.cancel())
      const why = `email provider answered ${res.status}: ${(await res.text().catch(() => '')).slice(0, 200)}`
      throw res.status === 429 || res.status >= 500 ? new ProviderUnavailable(why) : new ProviderRefused(why)
    },
  }
}

// ---------------------------------------------------------------------------
// Mail the provider cannot take now waits in a queue (D1 `email_queue`), sealed

/** How long a queued message is retried before it is given up. */
export const EMAIL_RETRY_WINDOW_MS = 24 * 60 * 60 * 1000
/** The wait after the n-th failed attempt: 1, 2, 4 … minutes, at most an hour (the 5-minute cron picks it up). */
export const emailRetryDelay = (attempts: number) => Math.min(60 * 60_000, 60_000 * 2 ** Math.max(0, attempts - 1))

/**
 * Queued messages hold live links (invitations, password resets), so they are
 * sealed (AES-GCM, the row id as associated data) under a key derived from the
 * provider's API key: the only time there is a queue is when that key is set.
 */
const queueKey = (apiKey: string) => `email-queue:${apiKey}`

async function enqueue(db: DB, apiKey: string, message: EmailMessage, error: string, now: number) {
  const id = newId('mq')
  const sealed = await seal(queueKey(apiKey), new TextEncoder().encode(JSON.stringify(message)), id)
  await db.insert(schema.emailQueue).values({ id, message: sealed, attempts: 1, lastError: error.slice(0, 500), createdAt: now, nextAttemptAt: now + emailRetryDelay(1) })
}

/**
 * The provider, without ever failing the request that sends: a message it
 * cannot take now (ProviderUnavailable) is queued and retried by the cron; one
 * it refuses is logged (retrying the same message would be refused again).
 */
export function queueingMailer(provider: Mailer, db: DB, apiKey: string, now = () => Date.now()): Mailer {
  return {
    async send(message) {
      try {
        await provider.send(message)
      } catch (error) {
        if (error instanceof ProviderUnavailable) {
          console.warn(`email to ${message.to} queued: ${error.message}`)
          await enqueue(db, apiKey, message, error.message, now())
        } else if (error instanceof ProviderRefused) {
          console.error(`email to ${message.to} refused by the provider: ${error.message}`)
        } else throw error
      }
    },
  }
}

/**
 * Send what is due in the queue (oldest first). A message that goes out, is
 * refused, cannot be opened any more (the API key changed) or has waited past
 * the retry window leaves the queue; one the provider still cannot take waits
 * longer. Returns what happened, for logs and tests.
 */
export async function drainEmailQueue(env: Bindings, db: DB, now = Date.now(), limit = 200) {
  const result = { sent: 0, retrying: 0, gaveUp: 0 }
  if (!env.RESEND_API_KEY) return result
  const provider = resendMailer({ apiKey: env.RESEND_API_KEY, from: env.EMAIL_FROM || DEFAULT_FROM, base: env.RESEND_API_BASE || undefined })
  const q = schema.emailQueue
  const due = await db.select().from(q).where(lte(q.nextAttemptAt, now)).orderBy(asc(q.nextAttemptAt)).limit(limit).all()
  for (const row of due) {
    let message: EmailMessage
    try {
      message = JSON.parse(new TextDecoder().decode(await open(queueKey(env.RESEND_API_KEY), row.message, row.id))) as EmailMessage
    } catch {
      console.error(`queued email ${row.id} cannot be opened (the provider's API key changed?): dropped`)
      await db.delete(q).where(eq(q.id, row.id))
      result.gaveUp++
      continue
    }
    try {
      await provider.send(message)
      await db.delete(q).where(eq(q.id, row.id))
      result.sent++
    } catch (error) {
      if (!(error instanceof ProviderUnavailable || error instanceof ProviderRefused)) throw error
      if (error instanceof ProviderRefused || now - row.createdAt >= EMAIL_RETRY_WINDOW_MS) {
        console.error(`queued email to ${message.to} given up after ${row.attempts + 1} attempts: ${error.message}`)
        await db.delete(q).where(eq(q.id, row.id))
        result.gaveUp++
      } else {
        const attempts = row.attempts + 1
        await db
          .update(q)
          .set({ attempts, lastError: error.message.slice(0, 500), nextAttemptAt: now + emailRetryDelay(attempts) })
          .where(and(eq(q.id, row.id), eq(q.attempts, row.attempts)))
        result.retrying++
      }
    }
  }
  return result
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
 * The mailer for this deployment: the provider when its secret is set (what it
 * cannot take now is queued, never failing the request), else the local outbox.
 * With DEV_TOOLS on, the outbox keeps a copy of what the provider sent.
 */
export function mailerFor(env: Bindings, db: DB): Mailer {
  const from = env.EMAIL_FROM || DEFAULT_FROM
  if (!env.RESEND_API_KEY) return outboxMailer(db, from)
  const provider = queueingMailer(resendMailer({ apiKey: env.RESEND_API_KEY, from, base: env.RESEND_API_BASE || undefined }), db, env.RESEND_API_KEY)
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
    const res = await bearerRequest(fetcher, `${root}${path}`, { method, token: config.apiKey, body, timeoutMs: TIMEOUT_MS }, unanswered)
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
