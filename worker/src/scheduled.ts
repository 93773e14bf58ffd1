import { drainEmailQueue } from './adapters/email.ts'
import { checkSenderDomains } from './domain/sender-domains.ts'
import { drainEdgeCleanup, edgeSettings, hostnamesAwaitingTls, syncTls } from './domain/edge.ts'
import { createDb } from './db.ts'
import { sendPaymentReminders, syncAllInvoices } from './domain/billing-cron.ts'
import { activityLog, appendSystemEvent } from './domain/activity.ts'
import { invalidateBrandCache } from './domain/host-brand.ts'
import { CLAIM_TTL_MS, demoteHostname, expireClaims, hostnamesToCheck, markHostnameChecked, verifyHostnameClaim, withResellers } from './domain/hostnames.ts'
import { emailHostnameDemoted, recordHostnameChange } from './domain/hostname-events.ts'
import { pruneExpired } from './domain/housekeeping.ts'
import { recheckEmailDomains } from './domain/email-domain-checks.ts'
import { challengeName, checkChallenges, recheckVerified } from './domain/dns-challenge.ts'
import { endExpiredAccess, remindAccessEnding } from './domain/access-ends.ts'
import { purgeExpiredDevices } from './domain/known-devices.ts'
import { purgeExpired } from './domain/lifecycle.ts'
import { purgeIdleThrottles } from './domain/throttles.ts'
import { pruneTwoFactor } from './domain/two-factor.ts'
import type { Bindings } from './env.ts'

/** The Cron Triggers of wrangler.toml: the daily housekeeping, and a short one for mail that is waiting. */
export const DAILY_CRON = '30 3 * * *'
export const FREQUENT_CRON = '*/5 * * * *'

/**
 * Every five minutes: send the mail the provider could not take earlier
 * (adapters/email.ts), and register sending domains added while it was unreachable.
 */
export async function frequent(env: Bindings, now = Date.now()) {
  const db = createDb(env.DB)
  const mail = await drainEmailQueue(env, db, now)
  const domains = await checkSenderDomains(env, db, 50, now, { waitingOnly: true })
  return { mail, domains }
}

/** The cron that fired decides the work; anything but the short one is the daily run. */
export function scheduledWork(env: Bindings, cron: string, now: number) {
  return cron === FREQUENT_CRON ? frequent(env, now) : daily(env, now)
}

/**
 * The daily Cron Trigger. Each job runs even when an earlier one failed (each
 * is safe to repeat: the next day's run finishes what this one could not);
 * failures are logged and the run reports failure at the end.
 */
export async function daily(env: Bindings, now = Date.now()) {
  const jobs: [string, () => Promise<unknown>][] = [
    ['purge deleted accounts', () => purgeDeletedAccounts(env, now)],
    ['send queued mail', () => frequent(env, now)],
    ['prune expired sessions and rate limits', () => pruneExpired(createDb(env.DB), now)],
    ['prune expired sign-in steps, enrolments, challenges and trusted locations', () => pruneTwoFactor(createDb(env.DB), now)],
    ['expire hostname claims', () => expireHostnameClaims(env, now)],
    ['re-check verified hostnames', () => recheckHostnames(env, now)],
    ['check pending hostnames', () => checkPendingHostnames(env, now)],
    ['re-check email domains', () => recheckEmailDomains(env, now)],
    ['follow TLS certificates', () => followCertificates(env, now)],
    ['check sending domains', () => checkSenderDomains(env, createDb(env.DB), 500, now)],
    ['sync invoices with the billing system', () => syncAllInvoices(env, now)],
    ['send payment reminders', () => sendPaymentReminders(env, now)],
    ['end access past its end date', () => endExpiredAccess(env, now)],
    ['remind of access ending soon', () => remindAccessEnding(env, now)],
  ]
  const failures: unknown[] = []
  for (const [name, job] of jobs) {
    try {
      await job()
    } catch (error) {
      console.error(`daily job failed: ${name}`, error)
      failures.push(error)
    }
  }
  if (failures.length) throw new AggregateError(failures, `${failures.length} daily job(s) failed`)
}

/**
 * The Cron Trigger's work: purge every soft-deleted subtree whose 30-day
 * window has passed, and record it in the parent's activity log; forget
 * idle sign-in counters and expired known devices.
 */
export async function purgeDeletedAccounts(env: Bindings, now = Date.now()) {
  const db = createDb(env.DB)
  const purged = await purgeExpired(db, now)
  // Their activity logs go too (the reseller's copy of a purged customer's events stays in the reseller's own log).
  for (const id of purged.accountIds) await activityLog(env, id).purge()
  for (const account of purged) {
    if (!account.parentId) continue
    const parentPath = account.path.slice(0, account.path.length - account.id.length - 1)
    await appendSystemEvent(
      env,
      { id: account.parentId, path: parentPath },
      { type: 'account_purged', target: { kind: 'account', id: account.id, label: account.name }, description: `${account.name} was purged 30 days after it was deleted` },
      'scheduled',
    )
  }
  // Sign-in counters that have gone quiet and browsers not seen for a year (guesses at made-up emails must not fill D1).
  await Promise.all([purgeIdleThrottles(db, now), purgeExpiredDevices(db, now)])
  return purged
}

/** Pending hostname claims older than their 7 days are deleted; each reseller is told in its log. */
export async function expireHostnameClaims(env: Bindings, now = Date.now()) {
  const expired = await expireClaims(createDb(env.DB), now)
  for (const claim of expired) {
    await recordHostnameChange(env, claim, 'hostname_expired', `The claim on ${claim.hostname} expired: it was not verified within 7 days`, 'scheduled')
  }
  return expired
}

/**
 * How many hostnames of a status one run checks (oldest check first): a bound on
 * the cron's DNS subrequests and time. Every hostname is checked at least every
 * ceil(count / RECHECK_BATCH) days.
 */
export const RECHECK_BATCH = 1000
const RECHECK_PARALLEL = 10

/**
 * The daily re-check: each verified hostname's TXT record must still hold its
 * token. Seen → `checked_at` moves on; an answer without it (the record is gone,
 * or the name no longer exists) → the hostname is demoted to pending with 7 days
 * to verify again, stops serving the brand, and its reseller is told in its log
 * and by email to its owner and admins.
 */
export async function recheckHostnames(env: Bindings, now = Date.now()) {
  const db = createDb(env.DB)
  const due = await hostnamesToCheck(db, 'verified', RECHECK_BATCH, now)
  const demoted = await recheckVerified(env, due, (h) => h.hostname, {
    checked: (h) => markHostnameChecked(db, h.id, now),
    demote: (h) => demoteHostname(db, h.id, now),
    tell: async (claim) => {
      await recordHostnameChange(
        env,
        claim,
        'hostname_demoted',
        `${claim.hostname} is no longer verified: the daily check found no TXT record at ${challengeName(claim.hostname)} holding its token. It shows the platform brand until verified again (within 7 days, or the claim ends).`,
        'scheduled',
      )
      await emailHostnameDemoted(env, db, claim, now + CLAIM_TTL_MS)
    },
  })
  // The demoted hostnames stop serving the brand at once in this isolate, within the cache's 30 s everywhere.
  if (demoted.length) invalidateBrandCache()
  return { checked: due.length, demoted }
}

/**
 * Pending claims are checked daily too, so a reseller who published the record
 * and never came back to press Verify still gets its portal. A record holding
 * the token verifies the claim exactly as the button does (other pending claims
 * on the name end, and their resellers are told).
 */
export async function checkPendingHostnames(env: Bindings, now = Date.now()) {
  const db = createDb(env.DB)
  const due = await hostnamesToCheck(db, 'pending', RECHECK_BATCH, now)
  const verified: string[] = []
  await checkChallenges(env, due, (h) => h.hostname, async (h, found) => {
    if (!found) return markHostnameChecked(db, h.id, now)
    const outcome = await verifyHostnameClaim(db, h.resellerAccountId, h.id, now)
    if (!outcome.ok) return
    verified.push(h.hostname)
    const [claim] = await withResellers(db, [h])
    if (claim) await recordHostnameChange(env, claim, 'hostname_verified', `The daily DNS check found the TXT record of ${h.hostname}: it is verified and serves the portal`, 'scheduled')
    for (const dropped of outcome.dropped) {
      await recordHostnameChange(env, dropped, 'hostname_expired', `The claim of ${dropped.reseller.name} on ${dropped.hostname} ended: another account verified the hostname first`, 'scheduled')
    }
  })
  if (verified.length) invalidateBrandCache()
  return { checked: due.length, verified }
}

/**
 * Cloudflare for SaaS: remove the custom hostnames queued for removal (demoted,
 * released or expired hostnames), then add or re-read every verified hostname
 * whose certificate is not active yet. Does nothing when it is not configured.
 */
export async function followCertificates(env: Bindings, now = Date.now()) {
  if (!edgeSettings(env).managed) return { removed: 0, checked: 0 }
  const db = createDb(env.DB)
  const removed = await drainEdgeCleanup(env, db)
  const due = await hostnamesAwaitingTls(db, RECHECK_BATCH)
  for (let i = 0; i < due.length; i += RECHECK_PARALLEL) {
    await Promise.all(due.slice(i, i + RECHECK_PARALLEL).map((h) => syncTls(env, db, h, now)))
  }
  return { removed, checked: due.length }
}
