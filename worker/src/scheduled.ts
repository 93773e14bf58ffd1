import { createDb } from './db.ts'
import { activityLog, appendEvent } from './domain/activity.ts'
import { pruneExpired } from './domain/housekeeping.ts'
import { purgeExpiredDevices } from './domain/known-devices.ts'
import { purgeExpired } from './domain/lifecycle.ts'
import { purgeIdleThrottles } from './domain/throttles.ts'
import type { Bindings } from './env.ts'

/**
 * The daily Cron Trigger. Each job runs even when an earlier one failed (each
 * is safe to repeat: the next day's run finishes what this one could not);
 * failures are logged and the run reports failure at the end.
 */
export async function daily(env: Bindings, now = Date.now()) {
  const jobs: [string, () => Promise<unknown>][] = [
    ['purge deleted accounts', () => purgeDeletedAccounts(env, now)],
    ['prune expired sessions and rate limits', () => pruneExpired(createDb(env.DB), now)],
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
    await appendEvent(env, {
      accountId: account.parentId,
      accountPath: parentPath,
      type: 'account_purged',
      kind: 'action',
      actor: null,
      impersonator: null,
      subject: null,
      target: { kind: 'account', id: account.id, label: account.name },
      description: `${account.name} was purged 30 days after it was deleted`,
      ip: '',
      userAgent: 'scheduled',
    })
  }
  // Sign-in counters that have gone quiet and browsers not seen for a year (guesses at made-up emails must not fill D1).
  await Promise.all([purgeIdleThrottles(db, now), purgeExpiredDevices(db, now)])
  return purged
}
