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
}

/** The one way the product sends email. */
export interface Mailer {
  send(message: EmailMessage): Promise<void>
}

/**
 * Development, tests and any deployment without a provider: every message is
 * stored in D1 (`email_outbox`), shown at /dev/outbox when DEV_TOOLS is on.
 */
export function outboxMailer(db: DB, now = () => Date.now()): Mailer {
  return {
    async send(message) {
      await db.insert(schema.emailOutbox).values({ id: newId('msg'), ...message, createdAt: now() })
    },
  }
}

/**
 * Production: Resend's HTTP API (https://resend.com/docs/api-reference/emails/send-email).
 * Configure with `wrangler secret put RESEND_API_KEY` and the `EMAIL_FROM` variable
 * (a sender on a domain verified with Resend, e.g. `Trellis <portal@example.com>`).
 */
export function resendMailer(apiKey: string, from: string, fetcher: typeof fetch = fetch): Mailer {
  return {
    async send(message) {
      const res = await fetcher('https://api.resend.com/emails', {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ from, to: [message.to], subject: message.subject, text: message.text, html: message.html }),
      })
      if (!res.ok) throw new Error(`email provider answered ${res.status}: ${(await res.text()).slice(0, 200)}`)
    },
  }
}

/** The mailer for this deployment: the provider when its secret is set, else the local outbox. */
export function mailerFor(env: Bindings, db: DB): Mailer {
  if (env.RESEND_API_KEY) return resendMailer(env.RESEND_API_KEY, env.EMAIL_FROM ?? 'Trellis <no-reply@trellis.invalid>')
  return outboxMailer(db)
}
