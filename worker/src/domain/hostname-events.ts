import { and, eq, inArray } from 'drizzle-orm'
import { mailerFor } from '../adapters/email.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import type { Bindings } from '../env.ts'
import { appendSystemEvent } from './activity.ts'
import { emailBrandFor, renderEmail, emailDate, inRecipientLanguage } from './emails.ts'
import { m } from '../i18n/paraglide/messages.js'
import { challengeName } from './dns-challenge.ts'
import type { EndedClaim } from './hostnames.ts'

/**
 * Tell a reseller, in its own log, that one of its hostname claims ended, was
 * demoted or was verified by the daily check. These happen to it (another tenant
 * verified first, a claim ran out, the daily check saw or missed the TXT record),
 * so the event has no actor and names nobody from another tenant.
 */
export async function recordHostnameChange(env: Bindings, claim: EndedClaim, type: 'hostname_expired' | 'hostname_demoted' | 'hostname_verified', description: string, source: 'scheduled' | 'system') {
  await appendSystemEvent(env, claim.reseller, { type, target: { kind: 'hostname', id: claim.id, label: claim.hostname }, description: description.slice(0, 1000) }, source)
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
      await inRecipientLanguage(db, email, brand, () => {
        const the = { hostname: claim.hostname, record: challengeName(claim.hostname), reseller: claim.reseller.name, when: emailDate(expiresAt) }
        return renderEmail(brand, email, m.host_unverified_subject(the), {
          paragraphs: [m.host_unverified_body(the), m.host_unverified_next(the)],
          action: { label: m.host_unverified_action(), url: `${origin}/a/${claim.reseller.id}/branding/domains` },
          footnote: m.host_unverified_footnote(the),
        })
      }),
    )
  }
}
