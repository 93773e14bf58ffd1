import { and, asc, eq, inArray } from 'drizzle-orm'
import { ProviderRefused, ProviderUnavailable, senderDomainsFor, type ProviderDomain } from '../adapters/email.ts'
import type { DB } from '../db.ts'
import { isUniqueViolation, schema } from '../db.ts'
import type { Bindings } from '../env.ts'
import { DomainError } from '../errors.ts'
import { senderDomainStatuses, type SenderDomainRecord, type SenderDomainStatus } from '../../../db/schema/sender-domains.ts'

/**
 * A reseller's own email sender: a sending domain registered with the email
 * provider (through its adapter), verified by the DNS records the provider
 * lists. Mail of the reseller's tree leaves from `portal@<domain>` once it is
 * verified; until then from the platform's sender, in the reseller's name.
 */

const { senderDomains } = schema

/** The local part every reseller's mail is sent from. */
export const SENDER_LOCAL_PART = 'portal'

export type SenderDomainRow = typeof senderDomains.$inferSelect

/** `portal@<domain>` of a reseller whose sending domain is verified, else null. */
export async function verifiedSender(db: DB, resellerId: string): Promise<string | null> {
  const row = await db
    .select({ domain: senderDomains.domain })
    .from(senderDomains)
    .where(and(eq(senderDomains.accountId, resellerId), eq(senderDomains.status, 'verified')))
    .get()
  return row ? `${SENDER_LOCAL_PART}@${row.domain}` : null
}

export function getSenderDomain(db: DB, resellerId: string) {
  return db.select().from(senderDomains).where(eq(senderDomains.accountId, resellerId)).get()
}

/** The domain is another reseller's sender already. */
export class SenderDomainTaken extends DomainError {
  constructor() {
    super('conflict', 'Another account sends from this domain.', 'domain')
  }
}

/** The provider's refusal or absence as the person setting the domain is told it; any other error as it is. */
function providerRefusal(error: unknown) {
  if (error instanceof ProviderRefused) return new DomainError('validation_failed', `The email provider refused the domain: ${error.message}`, 'domain')
  if (error instanceof ProviderUnavailable) return new DomainError('provider_unavailable', 'The email provider could not be reached. Try again in a few minutes.')
  return error
}

const asStatus = (s: string): SenderDomainStatus => ((senderDomainStatuses as readonly string[]).includes(s) ? (s as SenderDomainStatus) : 'pending')

function fromProvider(d: ProviderDomain) {
  const records: SenderDomainRecord[] = d.records
  return { providerId: d.id, status: asStatus(d.status), records: JSON.stringify(records) }
}

/**
 * Register a reseller's sending domain with the provider and keep it (one per
 * reseller; a new one replaces the old, which is removed at the provider).
 * Refused with the provider's reason, or when it cannot be reached (then
 * nothing is kept), or when another reseller sends from the domain.
 */
export async function addSenderDomain(env: Bindings, db: DB, resellerId: string, domain: string, now = Date.now()) {
  try {
    return await registerSenderDomain(env, db, resellerId, domain, now)
  } catch (error) {
    throw providerRefusal(error)
  }
}

async function registerSenderDomain(env: Bindings, db: DB, resellerId: string, domain: string, now: number) {
  const api = senderDomainsFor(env)
  if (!api) throw new ProviderUnavailable('no email provider is configured')
  const taken = await db
    .select({ accountId: senderDomains.accountId })
    .from(senderDomains)
    .where(eq(senderDomains.domain, domain))
    .get()
  if (taken && taken.accountId !== resellerId) throw new SenderDomainTaken()
  const previous = await getSenderDomain(db, resellerId)
  if (previous?.domain === domain) return previous
  const created = await api.create(domain)
  try {
    await db
      .insert(senderDomains)
      .values({ accountId: resellerId, domain, ...fromProvider(created), createdAt: now, checkedAt: now })
      .onConflictDoUpdate({ target: senderDomains.accountId, set: { domain, ...fromProvider(created), createdAt: now, checkedAt: now } })
  } catch (error) {
    // Lost a race for the same domain: give the provider's registration back.
    await api.remove(created.id).catch(() => undefined)
    if (isUniqueViolation(error, 'sender_domains.domain')) throw new SenderDomainTaken()
    throw error
  }
  if (previous?.providerId) await api.remove(previous.providerId).catch(() => undefined)
  return (await getSenderDomain(db, resellerId))!
}

/**
 * Ask the provider to check the records now and keep what it says. Returns the
 * row; throws ProviderUnavailable when it cannot be reached (the row is unchanged).
 */
export async function checkSenderDomain(env: Bindings, db: DB, row: SenderDomainRow, options: { askToVerify: boolean }, now = Date.now()) {
  const api = senderDomainsFor(env)
  if (!api || !row.providerId) return row
  if (options.askToVerify && row.status !== 'verified') await api.verify(row.providerId)
  const current = await api.get(row.providerId)
  if (!current) {
    // Removed at the provider behind our back: it must be added again.
    await db.update(senderDomains).set({ status: 'failed', checkedAt: now }).where(eq(senderDomains.accountId, row.accountId))
  } else {
    await db.update(senderDomains).set({ ...fromProvider(current), checkedAt: now }).where(eq(senderDomains.accountId, row.accountId))
  }
  return (await getSenderDomain(db, row.accountId))!
}

/** A person asks the provider to verify the records now: `checkSenderDomain`, refused when the provider cannot answer. */
export async function verifySenderDomain(env: Bindings, db: DB, row: SenderDomainRow) {
  try {
    return await checkSenderDomain(env, db, row, { askToVerify: true })
  } catch (error) {
    throw providerRefusal(error)
  }
}

/** Forget a reseller's sending domain and remove it at the provider (best effort: a failure leaves only an unused registration there). */
export async function removeSenderDomain(env: Bindings, db: DB, resellerId: string) {
  const row = await getSenderDomain(db, resellerId)
  if (!row) return null
  await db.delete(senderDomains).where(eq(senderDomains.accountId, resellerId))
  const api = senderDomainsFor(env)
  if (api && row.providerId) {
    try {
      await api.remove(row.providerId)
    } catch (error) {
      if (!(error instanceof ProviderUnavailable || error instanceof ProviderRefused)) throw error
    }
  }
  return row
}

/** The daily check of sending domains not verified yet (and of verified ones, which may fail later). */
export async function checkSenderDomains(env: Bindings, db: DB, limit = 500, now = Date.now()) {
  if (!senderDomainsFor(env)) return { checked: 0 }
  const due = await db
    .select()
    .from(senderDomains)
    .where(inArray(senderDomains.status, ['not_started', 'pending', 'temporary_failure', 'verified']))
    .orderBy(asc(senderDomains.checkedAt))
    .limit(limit)
  let checked = 0
  for (const row of due) {
    try {
      await checkSenderDomain(env, db, row, { askToVerify: false }, now)
      checked++
    } catch (error) {
      if (!(error instanceof ProviderUnavailable || error instanceof ProviderRefused)) throw error
    }
  }
  return { checked }
}
