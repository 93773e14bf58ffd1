import { and, inArray, lte, sql } from 'drizzle-orm'
import { randomToken } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'

const { throttles } = schema

/**
 * How one counter slows attempts: `free` attempts go through back to back;
 * from then on each attempt that goes through makes the next one wait
 * `baseMs`, doubling per attempt up to `maxMs`. One counted attempt leaks away
 * per `leakMs` of quiet, so an occasional failure is forgotten and a steady
 * guesser settles at about one attempt per `leakMs`.
 */
export interface ThrottlePolicy {
  free: number
  leakMs: number
  baseMs: number
  maxMs: number
}

/** A counter and the policy it is kept under. */
export interface ThrottleKey {
  key: string
  policy: ThrottlePolicy
}

export type Claim = { allowed: true } | { allowed: false; retryAfterMs: number }

/** The counter after leaking since its last attempt, plus this one (an SQL expression over the row). */
function nextCount(policy: ThrottlePolicy, now: number) {
  return sql`(max(${throttles.count} - CAST((${now} - ${throttles.lastAt}) / ${policy.leakMs} AS INTEGER), 0) + 1)`
}

/** When the attempt after this one may come: 0 below the threshold, else a doubling delay (SQL). */
function nextBlock(policy: ThrottlePolicy, now: number) {
  const n = nextCount(policy, now)
  return sql`CASE WHEN ${n} >= ${policy.free} THEN ${now} + min(${policy.baseMs} << min(${n} - ${policy.free}, 40), ${policy.maxMs}) ELSE 0 END`
}

/**
 * One attempt at a password check, decided and counted in one atomic batch
 * *before* the password is checked, so racing requests cannot slip past the
 * limit together. Refused, and counted nowhere, while any of the keys waits
 * out a delay; otherwise counted against every key (as a failure until
 * `forgive` says otherwise). The first key anchors the decision: its row
 * records this attempt's claim, and the other keys count only if it did.
 */
export async function claimAttempt(db: DB, keys: [ThrottleKey, ...ThrottleKey[]], now = Date.now()): Promise<Claim> {
  const [anchor, ...rest] = keys
  const names = keys.map((k) => k.key)
  const claim = randomToken(10)
  const update = (k: ThrottleKey) =>
    db.update(throttles).set({ count: nextCount(k.policy, now), lastAt: now, blockedUntil: nextBlock(k.policy, now), claim })
  const [, , ...after] = await db.batch([
    db
      .insert(throttles)
      .values(names.map((key) => ({ key, count: 0, lastAt: now, blockedUntil: 0 })))
      .onConflictDoNothing(),
    update(anchor).where(
      sql`${throttles.key} = ${anchor.key} AND NOT EXISTS (SELECT 1 FROM ${throttles} AS gate WHERE gate.key IN ${names} AND gate.blocked_until > ${now})`,
    ),
    ...rest.map((k) => update(k).where(sql`${throttles.key} = ${k.key} AND EXISTS (SELECT 1 FROM ${throttles} AS gate WHERE gate.key = ${anchor.key} AND gate.claim = ${claim})`)),
    db.select({ key: throttles.key, blockedUntil: throttles.blockedUntil, claim: throttles.claim }).from(throttles).where(inArray(throttles.key, names)),
  ])
  const rows = after.at(-1) as { key: string; blockedUntil: number; claim: string | null }[]
  if (rows.find((r) => r.key === anchor.key)?.claim === claim) return { allowed: true }
  const until = Math.max(...rows.map((r) => r.blockedUntil))
  return { allowed: false, retryAfterMs: Math.max(until - now, 1000) }
}

/**
 * After the right password: `clear` forgets the failing side's counters
 * (this client, this device) entirely; `refund` gives back the one attempt
 * this success counted on the wider ones (the account, the address), whose
 * other failures still stand.
 */
export async function forgive(db: DB, clear: string[], refund: ThrottleKey[]) {
  const statements = [
    ...(clear.length ? [db.delete(throttles).where(inArray(throttles.key, clear))] : []),
    ...refund.map((k) =>
      db
        .update(throttles)
        .set({
          count: sql`max(${throttles.count} - 1, 0)`,
          blockedUntil: sql`CASE WHEN ${throttles.count} - 1 < ${k.policy.free} THEN 0 ELSE ${throttles.blockedUntil} END`,
        })
        .where(sql`${throttles.key} = ${k.key}`),
    ),
  ]
  const [first, ...others] = statements
  if (first) await db.batch([first, ...others])
}

/**
 * Delete counters quiet for a day and waiting for nothing (the daily clean-up,
 * so guesses at made-up emails do not fill the table). A day leaks away every
 * counter under the policies in use, but for a remainder of a few attempts.
 */
export async function purgeIdleThrottles(db: DB, now = Date.now()) {
  const removed = await db
    .delete(throttles)
    .where(and(lte(throttles.lastAt, now - 24 * 60 * 60 * 1000), lte(throttles.blockedUntil, now)))
    .returning({ key: throttles.key })
  return removed.length
}
