import { and, desc, eq, isNull, or, sql, type SQL } from 'drizzle-orm'
import { newId } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import type { Bindings } from '../env.ts'
import { liveHolder } from './live.ts'
import { keyOrderBy, keysetAfter, pageOf, type KeyOrder } from './keyset.ts'

/**
 * Each person's in-app inbox. A notice is written for one membership (the
 * account it concerns is that membership's, and it goes when the membership
 * does); a person reads the notices of every membership they still hold in an
 * active account. Any section tells someone something with `addNotices`; the
 * person's open pages hear of it at once through their live sockets
 * (docs/decisions/018).
 */

const { accounts, liveConnections, notices } = schema

/** A notice for one person, through one of their memberships. */
export interface NoticeInput {
  userId: string
  membershipId: string
  accountId: string
  /** An activity type (subscriptions) or `ticket` (support). */
  type: string
  title: string
  body: string
  /** A portal path: what the notice is about. */
  link: string
}

/** SQL: the account at `path` is not disabled or deleted, nor is any account above it. */
const activePath = (path: SQL) =>
  sql`NOT EXISTS (SELECT 1 FROM accounts anc WHERE anc.status != 'active' AND anc.id IN (SELECT value FROM json_each('["' || replace(trim(${path}, '/'), '/', '","') || '"]')))`

/** SQL: `column` is one of `ids` (one bound JSON array: D1 takes 100 bound values per statement). */
const inJson = (column: SQL | typeof notices.membershipId, ids: readonly string[]) => sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`

/** The notices a person may read: their own, through memberships they still hold (`membershipIds`), in active accounts. */
const readable = (userId: string, membershipIds: readonly string[]) =>
  and(eq(notices.userId, userId), inJson(notices.membershipId, membershipIds), activePath(sql`${accounts.path}`))

/**
 * Put notices in people's inboxes, then tell their open pages. The rows are
 * written before this returns; the live push is best effort (a page that
 * missed it reads the count on its next load).
 */
export async function addNotices(env: Bindings, db: DB, input: readonly NoticeInput[], now = Date.now()) {
  if (!input.length) return 0
  const rows = input.map((n) => ({
    id: newId('ntc'),
    ...n,
    title: n.title.slice(0, 300),
    body: n.body.slice(0, 2000),
    link: n.link.slice(0, 500),
    createdAt: now,
  }))
  // One statement per row: D1 allows 100 bound values per statement.
  const [first, ...rest] = rows.map((r) => db.insert(notices).values(r))
  await db.batch([first!, ...rest])
  try {
    const latest = new Map(rows.map((r) => [r.userId, { title: r.title, link: r.link }]))
    await pushInbox(env, db, [...latest.keys()], latest)
  } catch (error) {
    console.error('inbox: could not tell open pages', error)
  }
  return rows.length
}

/**
 * Tell the open pages of these people their unread count (and the newest
 * notice, when one just arrived): their own sockets, found in D1's register of
 * live connections (never sockets of someone acting as them).
 */
export async function pushInbox(env: Bindings, db: DB, userIds: readonly string[], latest = new Map<string, { title: string; link: string }>()) {
  if (!userIds.length) return
  const sockets = await db
    .select({ id: liveConnections.id, accountId: liveConnections.accountId, relay: liveConnections.relay, userId: liveConnections.userId })
    .from(liveConnections)
    .where(and(inJson(sql`${liveConnections.userId}`, userIds), isNull(liveConnections.impersonationId)))
  if (!sockets.length) return
  const counts = await unreadCounts(db, [...new Set(sockets.map((s) => s.userId))])
  // By the object that holds each socket: the account's log or one of its relays.
  const byHolder = new Map<string, { accountId: string; relay: number | null; people: Map<string, string[]> }>()
  for (const s of sockets) {
    const key = `${s.accountId} ${s.relay}`
    const holder = byHolder.get(key) ?? { accountId: s.accountId, relay: s.relay, people: new Map<string, string[]>() }
    holder.people.set(s.userId, [...(holder.people.get(s.userId) ?? []), s.id])
    byHolder.set(key, holder)
  }
  const results = await Promise.allSettled(
    [...byHolder.values()].map((h) =>
      liveHolder(env, h.accountId, h.relay).inboxChanged([...h.people].map(([userId, ids]) => ({ ids, unread: counts.get(userId) ?? 0, latest: latest.get(userId) ?? null }))),
    ),
  )
  for (const r of results) if (r.status === 'rejected') console.error('inbox: a log could not tell its sockets', r.reason)
}

/** Unread notices per person, over every membership they hold in an active account. */
async function unreadCounts(db: DB, userIds: readonly string[]) {
  const rows = await db.all<{ userId: string; n: number }>(sql`
    SELECT n.user_id AS userId, count(*) AS n FROM notices n
    JOIN memberships m ON m.id = n.membership_id JOIN accounts a ON a.id = n.account_id
    WHERE n.user_id IN (SELECT value FROM json_each(${JSON.stringify(userIds)})) AND n.read_at IS NULL AND ${activePath(sql`a.path`)}
    GROUP BY n.user_id`)
  return new Map(rows.map((r) => [r.userId, r.n]))
}

/** How many of the person's readable notices are unread. */
export async function unreadCount(db: DB, userId: string, membershipIds: readonly string[]) {
  if (!membershipIds.length) return 0
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(notices)
    .innerJoin(accounts, eq(accounts.id, notices.accountId))
    .where(and(readable(userId, membershipIds), isNull(notices.readAt)))
    .get()
  return row?.n ?? 0
}

export interface NoticeCursor {
  createdAt: number
  id: string
}

/** Notices newest first. */
const newestFirst: KeyOrder = { key: notices.createdAt, id: notices.id, keyDir: 'desc', idDir: 'desc' }
/** One page of a person's notices, newest first. */
export async function listNotices(
  db: DB,
  userId: string,
  membershipIds: readonly string[],
  opts: { unreadOnly: boolean; accountId?: string; limit: number; after?: NoticeCursor },
) {
  if (!membershipIds.length) return { items: [], next: null }
  const { after } = opts
  const rows = await db
    .select({
      id: notices.id,
      type: notices.type,
      title: notices.title,
      body: notices.body,
      link: notices.link,
      createdAt: notices.createdAt,
      readAt: notices.readAt,
      accountId: notices.accountId,
      accountName: accounts.name,
    })
    .from(notices)
    .innerJoin(accounts, eq(accounts.id, notices.accountId))
    .where(
      and(
        readable(userId, membershipIds),
        opts.unreadOnly ? isNull(notices.readAt) : undefined,
        opts.accountId ? eq(notices.accountId, opts.accountId) : undefined,
        after ? keysetAfter(newestFirst, after.createdAt, after.id) : undefined,
      ),
    )
    .orderBy(...keyOrderBy(newestFirst))
    .limit(opts.limit + 1)
  return pageOf(rows, opts.limit, (last) => ({ createdAt: last.createdAt, id: last.id }))
}

/** Mark some (or, without ids, all) of a person's readable notices read. Returns how many changed. */
export async function markNoticesRead(db: DB, userId: string, membershipIds: readonly string[], ids: readonly string[] | null, now = Date.now()) {
  if (!membershipIds.length) return 0
  const rows = await db
    .update(notices)
    .set({ readAt: now })
    .where(
      and(
        eq(notices.userId, userId),
        inJson(notices.membershipId, membershipIds),
        isNull(notices.readAt),
        ids ? inJson(sql`${notices.id}`, ids) : undefined,
        sql`EXISTS (SELECT 1 FROM accounts a WHERE a.id = ${notices.accountId} AND ${activePath(sql`a.path`)})`,
      ),
    )
    .returning({ id: notices.id })
  return rows.length
}
