import { createDb, type DB } from '../db.ts'
import type { Bindings } from '../env.ts'
import { getAccount } from './accounts.ts'
import { appendSystemEvent } from './activity.ts'
import { demoteDomain, domainsToCheck, expireDomainClaims, markDomainChecked } from './email-domains.ts'
import { challengeName, recheckVerified } from './dns-challenge.ts'

/** How many verified domains one daily run checks (longest unchecked first). */
export const DOMAIN_RECHECK_BATCH = 1000

/** An event in the organisation's own log about its domain, with no actor (it happened to it). */
async function record(env: Bindings, db: DB, row: { id: string; domain: string; accountId: string }, type: 'domain_demoted' | 'domain_removed', description: string) {
  const account = await getAccount(db, row.accountId)
  if (!account) return
  await appendSystemEvent(env, account, { type, target: { kind: 'email_domain', id: row.id, label: row.domain }, description }, 'scheduled')
}

/**
 * The daily re-check of verified email domains, as for portal hostnames: the
 * TXT record still holds the token → checked; an answer without it → the
 * domain goes back to pending (people at it stop joining) and the organisation
 * is told in its log; a failed lookup proves nothing and changes nothing.
 * Pending claims older than 7 days are deleted.
 */
export async function recheckEmailDomains(env: Bindings, now = Date.now()) {
  const db = createDb(env.DB)
  for (const row of await expireDomainClaims(db, now)) {
    await record(env, db, row, 'domain_removed', `The claim on the email domain ${row.domain} expired: it was not verified within 7 days`)
  }
  const due = await domainsToCheck(db, DOMAIN_RECHECK_BATCH)
  const demoted = await recheckVerified(env, due, (d) => d.domain, {
    checked: (d) => markDomainChecked(db, d.id, now),
    demote: (d) => demoteDomain(db, d.id, now),
    tell: (row) =>
      record(env, db, row, 'domain_demoted', `${row.domain} is no longer verified: the daily check found no TXT record at ${challengeName(row.domain)} holding its token. People at it stop joining until it is verified again.`),
  })
  return { checked: due.length, demoted }
}
