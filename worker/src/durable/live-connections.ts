import { sql, type SQL } from 'drizzle-orm'
import { createDb, schema } from '../db.ts'

/**
 * The D1 side of rule 15 for the log object: whether the rights behind its
 * live sockets still hold. The worker registers each socket in
 * `live_connections` before handing it over (domain/live.ts); the object asks
 * here on its backstop check and forgets a row when its socket closes.
 */

const { liveConnections } = schema

/** SQL: the ids on a materialised path held in `path` (an SQL expression), as json_each can read them. */
const idsOf = (path: SQL) => sql`json_each('["' || replace(trim(${path}, '/'), '/', '","') || '"]')`

/**
 * The three conditions a live connection needs, over SQL expressions (columns
 * of a row, or bound values before the row exists):
 * - `session`: the session exists and has not run out;
 * - `impersonation`: none, or the session still runs that impersonation, not ended and not run out;
 * - `access`: the membership exists and has not ended (docs/decisions/023), no account on its path is disabled or
 *   deleted (people above a disabled account keep watching it), no
 *   account on the log's own path is deleted (a deleted subtree is hidden from everyone),
 *   and the log's account still sits at that path (an organisation that moved
 *   to another parent is reached afresh).
 */
export function liveChecks(c: { sessionId: SQL; impersonationId: SQL; membershipId: SQL; memberPath: SQL; accountPath: SQL }, now: number) {
  return {
    session: sql`EXISTS (SELECT 1 FROM sessions s WHERE s.id = ${c.sessionId} AND s.expires_at > ${now})`,
    impersonation: sql`(${c.impersonationId} IS NULL OR EXISTS (SELECT 1 FROM sessions s JOIN impersonations i ON i.id = s.impersonation_id
      WHERE s.id = ${c.sessionId} AND i.id = ${c.impersonationId} AND i.ended_at IS NULL AND i.expires_at > ${now}))`,
    access: sql`(EXISTS (SELECT 1 FROM memberships m WHERE m.id = ${c.membershipId} AND (m.ends_at IS NULL OR m.ends_at > ${now}))
      AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.status != 'active' AND a.id IN (SELECT value FROM ${idsOf(c.memberPath)}))
      AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.status = 'deleted' AND a.id IN (SELECT value FROM ${idsOf(c.accountPath)}))
      AND EXISTS (SELECT 1 FROM accounts a WHERE a.path = ${c.accountPath}))`,
  }
}

/**
 * SQL: no role of the membership reached its end after the socket opened (a
 * socket opened after the end was authorized without that role already).
 */
const rolesHeld = (membershipId: SQL, openedAt: SQL, now: number) =>
  sql`NOT EXISTS (SELECT 1 FROM membership_roles r WHERE r.membership_id = ${membershipId} AND r.ends_at <= ${now} AND r.ends_at > ${openedAt})`

/** Where a registered connection stands, as the backstop check reads it. */
export interface ConnectionStatus {
  id: string
  openedAt: number
  sessionOk: boolean
  impersonationOk: boolean
  accessOk: boolean
  /** False when a role the socket was opened with has ended since: it reconnects with the rights left. */
  rightsOk: boolean
  /** The session's expiry now (it slides forward while the session is used). */
  sessionExpiresAt: number | null
}

/**
 * Every connection registered on the log of `accountId` and held by `relay`
 * (null: the log object itself), with what still holds (one query, two bound values).
 */
export async function connectionStatus(d1: D1Database, accountId: string, relay: number | null, now: number): Promise<ConnectionStatus[]> {
  const checks = liveChecks(
    { sessionId: sql`lc.session_id`, impersonationId: sql`lc.impersonation_id`, membershipId: sql`lc.membership_id`, memberPath: sql`lc.member_path`, accountPath: sql`lc.account_path` },
    now,
  )
  const rows = await createDb(d1).all<{ id: string; openedAt: number; sessionOk: number; impersonationOk: number; accessOk: number; rightsOk: number; sessionExpiresAt: number | null }>(sql`
    SELECT lc.id AS id, lc.opened_at AS openedAt,
      ${checks.session} AS sessionOk, ${checks.impersonation} AS impersonationOk, ${checks.access} AS accessOk,
      ${rolesHeld(sql`lc.membership_id`, sql`lc.opened_at`, now)} AS rightsOk,
      (SELECT s.expires_at FROM sessions s WHERE s.id = lc.session_id) AS sessionExpiresAt
    FROM live_connections lc WHERE lc.account_id = ${accountId} AND lc.relay IS ${relay}`)
  return rows.map((r) => ({ ...r, sessionOk: !!r.sessionOk, impersonationOk: !!r.impersonationOk, accessOk: !!r.accessOk, rightsOk: !!r.rightsOk }))
}

/** Forget the rows of sockets that closed (ids bound as one JSON array: D1 takes 100 bound values per statement). */
export async function forgetConnections(d1: D1Database, ids: readonly string[]) {
  await createDb(d1).delete(liveConnections).where(sql`${liveConnections.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`)
}
