import { and, asc, eq, inArray, isNull } from 'drizzle-orm'
import { addressOf, DEFAULT_FROM, ProviderRefused, ProviderUnavailable, senderDomainsFor, type ProviderDomain } from '../adapters/email.ts'
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

/** The provider refused the domain, for the reason it gave: nothing was kept or changed. */
export class SenderDomainRefused extends DomainError {
  constructor(reason: string) {
    super('validation_failed', `The email provider refused the domain: ${reason}`, 'domain')
  }
}

/** A call to the provider whose refusal is told as the domain's (an outage stays ProviderUnavailable). */
async function ask<T>(call: Promise<T>): Promise<T> {
  try {
    return await call
  } catch (error) {
    throw error instanceof ProviderRefused ? new SenderDomainRefused(error.message) : error
  }
}

/** The platform's own sending domain (and those under it) is never a reseller's. */
function platformDomain(env: Bindings) {
  return addressOf(env.EMAIL_FROM || DEFAULT_FROM).split('@')[1]?.toLowerCase() ?? ''
}

const asStatus = (s: string): SenderDomainStatus => ((senderDomainStatuses as readonly string[]).includes(s) ? (s as SenderDomainStatus) : 'pending')

function fromProvider(d: ProviderDomain) {
  const records: SenderDomainRecord[] = d.records
  return { providerId: d.id, status: asStatus(d.status), records: JSON.stringify(records) }
}

/**
 * Register a reseller's sending domain with the provider and keep it (one per
 * reseller; a new one replaces the old, which is removed at the provider).
 * Refuses the platform's own domain, a domain another reseller sends from
 * (SenderDomainTaken) and one the provider refuses (SenderDomainRefused; nothing
 * is kept). When the provider cannot be reached the domain is kept unregistered
 * (`providerId` null) and registered later by the cron or the Verify button: an
 * outage never fails the request.
 */
export async function addSenderDomain(env: Bindings, db: DB, resellerId: string, domain: string, now = Date.now()) {
  const platform = platformDomain(env)
  if (platform && (domain === platform || domain.endsWith(`.${platform}`))) throw new DomainError('conflict', "That is the platform's own sending domain.", 'domain')
  const api = senderDomainsFor(env)
  if (!api) throw new DomainError('email_provider_unconfigured')
  const taken = await db
    .select({ accountId: senderDomains.accountId })
    .from(senderDomains)
    .where(eq(senderDomains.domain, domain))
    .get()
  if (taken && taken.accountId !== resellerId) throw new SenderDomainTaken()
  const previous = await getSenderDomain(db, resellerId)
  if (previous?.domain === domain) return previous
  let created: ProviderDomain | null = null
  try {
    created = await ask(api.create(domain))
  } catch (error) {
    if (!(error instanceof ProviderUnavailable)) throw error
  }
  const values = created ? { ...fromProvider(created), checkedAt: now } : { providerId: null, status: 'not_started' as const, records: '[]', checkedAt: null }
  try {
    await db
      .insert(senderDomains)
      .values({ accountId: resellerId, domain, ...values, createdAt: now })
      .onConflictDoUpdate({ target: senderDomains.accountId, set: { domain, ...values, createdAt: now } })
  } catch (error) {
    // Lost a race for the same domain: give the provider's registration back.
    if (created) await api.remove(created.id).catch(() => undefined)
    if (isUniqueViolation(error, 'sender_domains.domain')) throw new SenderDomainTaken()
    throw error
  }
  if (previous?.providerId) await api.remove(previous.providerId).catch(() => undefined)
  return (await getSenderDomain(db, resellerId))!
}

/**
 * Register a domain kept while the provider was unreachable. A refusal now
 * (e.g. the provider has the domain elsewhere) marks it failed; an outage
 * leaves it waiting. Returns the row.
 */
async function registerLater(api: NonNullable<ReturnType<typeof senderDomainsFor>>, db: DB, row: SenderDomainRow, now: number) {
  let created: ProviderDomain
  try {
    created = await api.create(row.domain)
  } catch (error) {
    if (!(error instanceof ProviderRefused)) throw error
    await db.update(senderDomains).set({ status: 'failed', checkedAt: now }).where(and(eq(senderDomains.accountId, row.accountId), isNull(senderDomains.providerId)))
    return (await getSenderDomain(db, row.accountId))!
  }
  const stored = await db
    .update(senderDomains)
    .set({ ...fromProvider(created), checkedAt: now })
    .where(and(eq(senderDomains.accountId, row.accountId), eq(senderDomains.domain, row.domain), isNull(senderDomains.providerId)))
    .returning({ accountId: senderDomains.accountId })
  // Changed or removed meanwhile: the registration is not wanted any more.
  if (stored.length === 0) await api.remove(created.id).catch(() => undefined)
  return (await getSenderDomain(db, row.accountId)) ?? row
}

/**
 * Ask the provider to check the records now and keep what it says (registering
 * the domain first if the provider was unreachable when it was added). Returns
 * the row; throws ProviderUnavailable when it cannot be reached (the row is unchanged),
 * SenderDomainRefused when it refuses.
 */
export async function checkSenderDomain(env: Bindings, db: DB, row: SenderDomainRow, options: { askToVerify: boolean }, now = Date.now()) {
  const api = senderDomainsFor(env)
  if (!api) return row
  if (!row.providerId) {
    const registered = await registerLater(api, db, row, now)
    if (!registered.providerId) return registered
    row = registered
  }
  if (options.askToVerify && row.status !== 'verified') await ask(api.verify(row.providerId!))
  const current = await ask(api.get(row.providerId!))
  if (!current) {
    // Removed at the provider behind our back: it must be added again.
    await db.update(senderDomains).set({ status: 'failed', checkedAt: now }).where(eq(senderDomains.accountId, row.accountId))
  } else {
    await db.update(senderDomains).set({ ...fromProvider(current), checkedAt: now }).where(eq(senderDomains.accountId, row.accountId))
  }
  return (await getSenderDomain(db, row.accountId))!
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

/**
 * The daily check of sending domains not verified yet (and of verified ones,
 * which may fail later); with `waitingOnly`, just the domains kept while the
 * provider was unreachable (the 5-minute cron registers those).
 */
export async function checkSenderDomains(env: Bindings, db: DB, limit = 500, now = Date.now(), options: { waitingOnly?: boolean } = {}) {
  if (!senderDomainsFor(env)) return { checked: 0 }
  const due = await db
    .select()
    .from(senderDomains)
    .where(options.waitingOnly ? and(isNull(senderDomains.providerId), eq(senderDomains.status, 'not_started')) : inArray(senderDomains.status, ['not_started', 'pending', 'temporary_failure', 'verified']))
    .orderBy(asc(senderDomains.checkedAt))
    .limit(limit)
  let checked = 0
  for (const row of due) {
    try {
      await checkSenderDomain(env, db, row, { askToVerify: false }, now)
      checked++
    } catch (error) {
      if (!(error instanceof ProviderUnavailable || error instanceof SenderDomainRefused)) throw error
    }
  }
  return { checked }
}
