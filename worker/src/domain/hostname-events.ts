import { and, eq, inArray } from 'drizzle-orm'
import { mailerFor } from '../adapters/email.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import type { Bindings } from '../env.ts'
import { appendEvent } from './activity.ts'
import { emailBrandFor, renderEmail } from './emails.ts'
import { challengeName, type EndedClaim } from './hostnames.ts'

/**
 * Tell a reseller, in its own log, that one of its hostname claims ended, was
 * demoted or was verified by the daily check. These happen to it (another tenant
 * verified first, a claim ran out, the daily check saw or missed the TXT record),
 * so the event has no actor and names nobody from another tenant.
 */
export async function recordHostnameChange(env: Bindings, claim: EndedClaim, type: 'hostname_expired' | 'hostname_demoted' | 'hostname_verified', description: string, source: 'scheduled' | 'system') {
  await appendEvent(env, {
    accountId: claim.reseller.id,
    accountPath: claim.reseller.path,
    type,
    kind: 'action',
    actor: null,
    impersonator: null,
    subject: null,
    target: { kind: 'hostname', id: claim.id, label: claim.hostname },
    description: description.slice(0, 1000),
    ip: '',
    userAgent: source,
  })
}

/**
 * Email the reseller's owner and admins that a hostname lost its verification:
 * its portal shows the platform brand until the TXT record is back. In the
 * reseller's brand, linking to its Domains page from PUBLIC_ORIGIN or another
 * verified hostname (never the demoted one).
 */
export async function emailHostnameDemoted(env: Bindings, db: DB, claim: EndedClaim, expiresAt: number) {
  const { memberships, users } = schema
  const people = await db
    .select({ email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.accountId, claim.reseller.id), inArray(memberships.level, ['owner', 'admin'])))
  if (!people.length) return
  const { brand, origin } = await emailBrandFor(db, claim.reseller.path, env.PUBLIC_ORIGIN)
  const mailer = mailerFor(env, db)
  for (const { email } of people) {
    await mailer.send(
      renderEmail(brand, email, `${claim.hostname} is no longer verified`, {
        paragraphs: [
          `The daily DNS check found no TXT record at ${challengeName(claim.hostname)} holding the verification token of ${claim.hostname}.`,
          `Until the record is back, ${claim.hostname} shows the platform's sign-in page instead of the ${claim.reseller.name} portal. Publish the record again and press Verify on the Domains page (or wait for the next daily check).`,
        ],
        action: { label: 'Open Domains', url: `${origin}/a/${claim.reseller.id}/branding/domains` },
        footnote: `If nobody verifies it by ${new Date(expiresAt).toUTCString()}, the claim on ${claim.hostname} ends and another account may claim it.`,
      }),
    )
  }
}
