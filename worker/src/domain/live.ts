import { and, eq, gte, lt, or, sql, type Column, type SQL } from 'drizzle-orm'
import { newId } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import type { LiveCloseKind } from '../durable/live-close.ts'
import { liveChecks } from '../durable/live-connections.ts'
import { liveRelay, relayCount } from '../durable/live-relays.ts'
import type { Bindings } from '../env.ts'
import { activityLog } from './activity.ts'

/**
 * Rule 15 for live sockets: a socket lives no longer than the right that
 * opened it. Each socket is registered here (D1 `live_connections`) with its
 * session, impersonation and reaching membership before the account's log
 * accepts it; whatever ends or changes one of those calls
 * `closeLiveConnections`, which deletes the rows and asks each log involved to
 * close those sockets with a code the web app understands. The log re-checks
 * its sockets against D1 at least every minute as a backstop
 * (durable/live-sockets.ts `check`), and so does each relay holding some of
 * its sockets (durable/live-relay.ts; docs/decisions/029).
 */

const { liveConnections, memberships } = schema

/** SQL: `column` is one of `ids` (bound as one JSON array: D1 allows 100 bound values per statement). */
const inJson = (column: Column, ids: readonly string[]) => sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`

export interface LiveRights {
  session: { id: string; expiresAt: number }
  /** The login behind the session (the impersonator while impersonating). */
  userId: string
  impersonation: { id: string; expiresAt: number } | null
  /** The membership through which the socket reaches the account. */
  membership: { membershipId: string; path: string }
  /** The account whose log the socket is on. */
  account: { id: string; path: string }
  /** The relay that will hold the socket (`pickRelay`); null: the log object itself. */
  relay: number | null
}

/** The relay a new socket goes to: one of the log's `LIVE_RELAYS` at random, or null (the log) when there are none. */
export function pickRelay(env: Bindings): number | null {
  const n = relayCount(env.LIVE_RELAYS)
  return n ? Math.floor(Math.random() * n) : null
}

/** The object that holds a registered socket: its relay, or the account's log itself. */
export function liveHolder(env: Bindings, accountId: string, relay: number | null) {
  return relay === null ? activityLog(env, accountId) : liveRelay(env.LIVE_RELAY, accountId, relay)
}

/**
 * Register a live socket about to open. Written only while its rights still
 * hold (checked in the same statement), so a sign-out or removal racing the
 * handshake cannot leave a socket nobody will close. Returns the connection
 * id, or null when the rights are gone already.
 */
export async function registerLiveConnection(db: DB, rights: LiveRights, now = Date.now()) {
  const id = newId('live')
  const v = {
    sessionId: sql`${rights.session.id}`,
    impersonationId: sql`${rights.impersonation?.id ?? null}`,
    membershipId: sql`${rights.membership.membershipId}`,
    memberPath: sql`${rights.membership.path}`,
    accountPath: sql`${rights.account.path}`,
  }
  const checks = liveChecks(v, now)
  const result = await db.run(sql`INSERT INTO live_connections (id, session_id, user_id, impersonation_id, membership_id, member_path, account_id, account_path, opened_at, relay)
    SELECT ${id}, ${v.sessionId}, ${rights.userId}, ${v.impersonationId}, ${v.membershipId}, ${v.memberPath}, ${rights.account.id}, ${v.accountPath}, ${now}, ${rights.relay}
    WHERE ${checks.session} AND ${checks.impersonation} AND ${checks.access}`)
  return result.meta.changes === 1 ? id : null
}

/** Forget a registered connection whose socket never opened. */
export async function forgetLiveConnection(db: DB, id: string) {
  await db.delete(liveConnections).where(eq(liveConnections.id, id))
}

/** Which live sockets to close: every field given selects more (OR). */
export interface LiveSelector {
  /** Every socket of a session (sign-out). */
  sessionId?: string
  /** The sockets opened while acting under an impersonation (exit, expiry). */
  impersonationId?: string
  /** Every socket of these logins, on every session (a credential change). */
  userIds?: readonly string[]
  /** The sockets that reach their account through these memberships. */
  membershipIds?: readonly string[]
  /** The sockets of impersonations these logins run (their own rights are the ceiling). */
  impersonatorIds?: readonly string[]
  /** The sockets of people whose membership lies in this subtree (disable, delete). */
  memberTree?: string
  /** Every socket on the logs of this subtree (delete: the subtree is hidden from everyone). */
  accountTree?: string
  /** These connections (a move sorts a log's sockets by who keeps access). */
  connectionIds?: readonly string[]
  /** Never this session's sockets, whatever else selects them (a credential change ends the other sessions). */
  keepSessionId?: string
}

/**
 * Close the live sockets a selector names, with the close code of `kind`,
 * and forget them. The rows go first, in one statement: a log that cannot be
 * reached now closes the socket on its next check (it finds no row). Returns
 * how many connections were closed.
 */
export async function closeLiveConnections(env: Bindings, db: DB, selector: LiveSelector, kind: LiveCloseKind) {
  const lc = liveConnections
  const where: SQL[] = []
  if (selector.sessionId) where.push(sql`${lc.sessionId} = ${selector.sessionId}`)
  if (selector.impersonationId) where.push(sql`${lc.impersonationId} = ${selector.impersonationId}`)
  if (selector.userIds?.length) where.push(inJson(lc.userId, selector.userIds))
  if (selector.membershipIds?.length) where.push(inJson(lc.membershipId, selector.membershipIds))
  if (selector.impersonatorIds?.length) where.push(sql`(${lc.impersonationId} IS NOT NULL AND ${inJson(lc.userId, selector.impersonatorIds)})`)
  if (selector.connectionIds?.length) where.push(inJson(lc.id, selector.connectionIds))
  if (selector.memberTree) where.push(and(gte(lc.memberPath, selector.memberTree), lt(lc.memberPath, `${selector.memberTree}\x7f`))!)
  if (selector.accountTree) {
    where.push(sql`${lc.accountId} IN (SELECT id FROM accounts WHERE path >= ${selector.accountTree} AND path < ${`${selector.accountTree}\x7f`})`)
  }
  if (!where.length) return 0
  const keep = selector.keepSessionId ? sql`${lc.sessionId} != ${selector.keepSessionId}` : undefined
  const rows = await db.delete(lc).where(and(or(...where), keep)).returning({ id: lc.id, accountId: lc.accountId, relay: lc.relay })
  // Each socket is closed by the object that holds it: the log, or one of its relays.
  const byHolder = new Map<string, { accountId: string; relay: number | null; ids: string[] }>()
  for (const row of rows) {
    const key = `${row.accountId} ${row.relay}`
    const holder = byHolder.get(key) ?? { accountId: row.accountId, relay: row.relay, ids: [] }
    holder.ids.push(row.id)
    byHolder.set(key, holder)
  }
  const results = await Promise.allSettled([...byHolder.values()].map((h) => liveHolder(env, h.accountId, h.relay).closeConnections(h.ids, kind)))
  for (const r of results) if (r.status === 'rejected') console.error('a log or relay could not close its live sockets now (its next check will)', r.reason)
  return rows.length
}

/**
 * A member's level, roles or scope changed, or a role they hold did: their
 * sockets reconnect, and the new connection is authorized afresh. So do the
 * impersonations they run (their own rights cap what they do as someone else).
 */
export async function liveRightsChanged(env: Bindings, db: DB, membershipIds: readonly string[]) {
  if (!membershipIds.length) return
  const people = await db.select({ userId: memberships.userId }).from(memberships).where(inJson(memberships.id, membershipIds))
  await closeLiveConnections(env, db, { membershipIds, impersonatorIds: people.map((p) => p.userId) }, 'rightsChanged')
}

/** A member was removed: their sockets through that membership end; impersonations they run reconnect under their new rights. */
export async function liveMemberRemoved(env: Bindings, db: DB, member: { id: string; userId: string }) {
  await closeLiveConnections(env, db, { membershipIds: [member.id] }, 'accessEnded')
  await closeLiveConnections(env, db, { impersonatorIds: [member.userId] }, 'rightsChanged')
}

/**
 * An account was disabled or deleted (rule 8): the sockets of its subtree's
 * people end. People above a disabled account keep watching it; a deleted
 * subtree is hidden from everyone, so every socket on its logs ends too.
 */
export async function liveAccountClosed(env: Bindings, db: DB, account: { path: string }, how: 'disabled' | 'deleted') {
  await closeLiveConnections(env, db, how === 'deleted' ? { memberTree: account.path, accountTree: account.path } : { memberTree: account.path }, 'accessEnded')
}
