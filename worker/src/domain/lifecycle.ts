import { and, eq, sql, type SQL } from 'drizzle-orm'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import { withinLimit } from './limits.ts'

/**
 * Rule 8: enable / disable / delete cascade to the whole subtree. Only the
 * account acted on changes its own row; everything below inherits through
 * its path (getAccount looks at every ancestor), so enabling or restoring
 * gives back exactly what was there — a customer disabled on its own stays
 * disabled when its reseller comes back.
 */

export const PURGE_WINDOW_MS = 30 * 24 * 60 * 60 * 1000

const inTree = (prefix: string, column: SQL) => sql`(${column} >= ${prefix} AND ${column} < ${`${prefix}\x7f`})`

/** SQL: the worst status on a path (deleted, else disabled, else active): what the account inherits from its ancestors. */
export const effectiveStatus = (pathColumn: SQL) =>
  sql<'active' | 'disabled' | 'deleted'>`(SELECT CASE WHEN max(anc.status = 'deleted') THEN 'deleted' WHEN max(anc.status = 'disabled') THEN 'disabled' ELSE 'active' END
    FROM accounts anc WHERE anc.id IN (SELECT value FROM json_each('["' || replace(trim(${pathColumn}, '/'), '/', '","') || '"]')))`

/** SQL: the joined `accounts` row is a customer organisation, active with everything above it. */
export const activeCustomer = () => and(eq(schema.accounts.kind, 'customer'), sql`${effectiveStatus(sql`${schema.accounts.path}`)} = 'active'`)

/**
 * SQL: a deleted account lies on the path (a scan of the partial purge index: deleted
 * accounts only). The unary `+` keeps SQLite off the path index: given `path <= ?` it
 * walked every account sorting before the path, for each row asked about — every
 * session's grants of a user whose accounts sort late cost 37 ms on a platform of
 * 50,000 accounts, and a reseller's services list with 50,000 customers never ended.
 */
export const underDeleted = (pathColumn: SQL) =>
  sql`EXISTS (SELECT 1 FROM accounts d WHERE d.purge_after IS NOT NULL AND d.status = 'deleted' AND ${pathColumn} >= +d.path AND ${pathColumn} < +d.path || char(127))`

/** SQL: the account with this path column is blocked by a non-active account on its path (itself included). */
const blockedPath = (pathColumn: SQL) =>
  sql`EXISTS (SELECT 1 FROM accounts anc WHERE anc.status != 'active' AND anc.id IN (SELECT value FROM json_each('["' || replace(trim(${pathColumn}, '/'), '/', '","') || '"]')))`

/**
 * Sign out everyone of the subtree at `path` who has no reachable account
 * left: their sessions are deleted, so the next request answers 401. People
 * who still belong to an active account elsewhere keep their session; the
 * account context refuses them this tree.
 */
export async function revokeSessionsInTree(db: DB, path: string) {
  await db.run(sql`DELETE FROM sessions WHERE user_id IN (
      SELECT m.user_id FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE ${inTree(path, sql`a.path`)}
    ) AND NOT EXISTS (
      SELECT 1 FROM memberships m2 JOIN accounts a2 ON a2.id = m2.account_id WHERE m2.user_id = sessions.user_id AND NOT ${blockedPath(sql`a2.path`)}
    )`)
}

/** SQL: the decision stored in `column` (a path) was made at `byPath` or below, so `byPath` may undo it. */
const undoableBy = (column: SQL, byPath: string) => sql`(${column} IS NULL OR substr(${column}, 1, ${byPath.length}) = ${byPath})`

/** May a member reaching through `byPath` undo a suspension or deletion decided at `decidedAt` (rule 8)? */
export function mayUndo(decidedAt: string | null, byPath: string) {
  return decidedAt === null || decidedAt.startsWith(byPath)
}

/**
 * Disable an active account (and so its subtree); false when it was not
 * active. `byPath` is the path of the account whose member decided it.
 */
export async function disableAccount(db: DB, account: { id: string; path: string }, input: { reason: string; showReason: boolean; byPath: string }, now = Date.now()) {
  const result = await db.run(
    sql`UPDATE accounts SET status = 'disabled', status_reason = ${input.reason}, show_reason = ${input.showReason ? 1 : 0}, disabled_at = ${now}, disabled_by = ${input.byPath}
        WHERE id = ${account.id} AND status = 'active'`,
  )
  if (!result.meta.changes) return false
  await revokeSessionsInTree(db, account.path)
  return true
}

/**
 * Enable a disabled account; false when it was not disabled, or when it was
 * disabled above `byPath` (checked in the same statement).
 */
export async function enableAccount(db: DB, accountId: string, byPath: string) {
  const result = await db.run(
    sql`UPDATE accounts SET status = 'active', status_reason = NULL, show_reason = 0, disabled_at = NULL, disabled_by = NULL
        WHERE id = ${accountId} AND status = 'disabled' AND ${undoableBy(sql`disabled_by`, byPath)}`,
  )
  return result.meta.changes > 0
}

/** Soft-delete an account and so its subtree; restorable until the returned time. */
export async function softDeleteAccount(db: DB, account: { id: string; path: string }, byPath: string, now = Date.now()) {
  const purgeAfter = now + PURGE_WINDOW_MS
  const result = await db.run(
    sql`UPDATE accounts SET status = 'deleted', deleted_at = ${now}, purge_after = ${purgeAfter}, deleted_by = ${byPath} WHERE id = ${account.id} AND status != 'deleted'`,
  )
  if (!result.meta.changes) return null
  await revokeSessionsInTree(db, account.path)
  return purgeAfter
}

/**
 * Bring back a deleted account inside its purge window (disabled again if it
 * was disabled); false otherwise, or when it was deleted above `byPath`. A customer counts against its reseller's
 * `max_customers` again, checked in the same statement.
 */
export async function restoreAccount(db: DB, account: { id: string; path: string; kind: string }, byPath: string, now = Date.now()) {
  const fits = account.kind === 'customer' ? withinLimit(account.path, 'max_customers') : sql`1`
  const result = await db.run(
    sql`UPDATE accounts SET status = CASE WHEN disabled_at IS NULL THEN 'active' ELSE 'disabled' END, deleted_at = NULL, purge_after = NULL, deleted_by = NULL
        WHERE id = ${account.id} AND status = 'deleted' AND purge_after > ${now} AND ${fits} AND ${undoableBy(sql`deleted_by`, byPath)}`,
  )
  return result.meta.changes > 0
}

/**
 * Purge every deleted subtree whose window has passed: its accounts (and
 * through foreign keys their members, roles, services, brands …) and the
 * logins that belonged nowhere else. Returns what was purged.
 */
export async function purgeExpired(db: DB, now = Date.now()) {
  const due = await db.all<{ id: string; path: string; name: string; parentId: string | null }>(
    sql`SELECT id, path, name, parent_id AS parentId FROM accounts WHERE status = 'deleted' AND purge_after IS NOT NULL AND purge_after <= ${now}`,
  )
  const purgedIds: string[] = []
  for (const account of due) {
    // Whose activity logs go with them (read before the rows are gone).
    const tree = await db.all<{ id: string }>(sql`SELECT id FROM accounts WHERE ${inTree(account.path, sql`path`)}`)
    purgedIds.push(...tree.map((t) => t.id))
    // Logins first, then the accounts: if the second step fails, the next run finishes the job.
    await db.run(sql`DELETE FROM users WHERE id IN (
          SELECT m.user_id FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE ${inTree(account.path, sql`a.path`)}
        ) AND NOT EXISTS (
          SELECT 1 FROM memberships m2 JOIN accounts a2 ON a2.id = m2.account_id WHERE m2.user_id = users.id AND NOT ${inTree(account.path, sql`a2.path`)}
        )`)
    await db.run(sql`DELETE FROM accounts WHERE ${inTree(account.path, sql`path`)}`)
  }
  return Object.assign(due, { accountIds: purgedIds })
}

export interface LoginRefusal {
  accountName: string
  status: 'disabled' | 'deleted'
  reason: string | null
  showReason: boolean
}

/**
 * Why a user may not sign in: every account they belong to lies in a
 * disabled or deleted tree. Null when at least one is reachable (or they
 * belong nowhere yet).
 */
export async function loginRefusal(db: DB, userId: string, now = Date.now()): Promise<LoginRefusal | null> {
  const rows = await db.all<{ block: string | null }>(sql`SELECT (
      SELECT json_object('name', anc.name, 'status', anc.status, 'reason', anc.status_reason, 'show', anc.show_reason)
      FROM accounts anc WHERE anc.status != 'active' AND anc.id IN (SELECT value FROM json_each('["' || replace(trim(a.path, '/'), '/', '","') || '"]'))
      ORDER BY anc.status = 'deleted', length(anc.path) LIMIT 1
    ) AS block
    FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.user_id = ${userId} AND (m.ends_at IS NULL OR m.ends_at > ${now})`)
  if (!rows.length || rows.some((r) => !r.block)) return null
  const blocks = rows.map((r) => JSON.parse(r.block!) as { name: string; status: 'disabled' | 'deleted'; reason: string | null; show: number })
  const first = blocks.find((b) => b.status === 'disabled') ?? blocks[0]!
  return { accountName: first.name, status: first.status, reason: first.reason, showReason: !!first.show }
}

/** The sentence a refused sign-in shows. */
export function refusalMessage(r: LoginRefusal) {
  if (r.status === 'deleted') return `${r.accountName} has been closed. Contact your provider if you think this is a mistake.`
  const reason = r.showReason && r.reason ? ` Reason: ${r.reason}${/[.!?]$/.test(r.reason) ? '' : '.'}` : ''
  return `${r.accountName} is suspended.${reason} Contact your provider to restore access.`
}
