import { and, desc, eq, sql } from 'drizzle-orm'
import { newId, randomToken, sha256Hex } from '../crypto/tokens.ts'
import { errorText, type DB } from '../db.ts'
import { schema } from '../db.ts'
import type { Bindings } from '../env.ts'
import { DomainError } from '../errors.ts'
import { activeCustomer, effectiveStatus } from './lifecycle.ts'
import { limitGuard, LimitReached } from './limits.ts'
import { closeLiveConnections } from './live.ts'
import { normalizeEmail } from './users.ts'

/**
 * A reseller brings an existing customer organisation under it when the
 * organisation's owner accepts (docs/decisions/026). The reseller names the
 * owner's email only: the request is stored (and answered) the same whether
 * or not that email owns anything, and the owner chooses which of their
 * organisations moves when they accept. The move is one D1 batch: the
 * reseller's `max_customers` is checked inside it, the organisation and its
 * subtree change path, every service's partner access turns off, and what was
 * pending with the old parent (tickets, visit requests, orders, transfers) is
 * closed.
 */

const { accounts, customerMoves, impersonations, liveConnections, memberships, orders, serviceTransfers, services, sessions, tickets, users, visitRequests } = schema

export const MOVE_TTL_MS = 7 * 24 * 60 * 60 * 1000

/** Why pending business with the old parent was closed (shown on the records). */
export const MOVED_REASON = 'The organisation moved to another partner.'

const inTree = (prefix: string, column: ReturnType<typeof sql>) => sql`(${column} >= ${prefix} AND ${column} < ${`${prefix}\x7f`})`

/**
 * Record (or renew) a request for `email` from the reseller: a pending one for
 * the same email gets a new link and a fresh 7 days (the old link dies).
 * Returns the token for the email.
 */
export async function requestMove(db: DB, input: { resellerId: string; email: string; requestedBy: string | null }, now = Date.now()) {
  const token = randomToken(20)
  const email = normalizeEmail(input.email)
  const [row] = await db.all<{ id: string; expiresAt: number }>(sql`
    INSERT INTO customer_moves (id, reseller_id, email, token_hash, status, requested_by, created_at, expires_at)
    VALUES (${newId('mov')}, ${input.resellerId}, ${email}, ${sha256Hex(token)}, 'pending', ${input.requestedBy}, ${now}, ${now + MOVE_TTL_MS})
    ON CONFLICT (reseller_id, email) WHERE status = 'pending'
    DO UPDATE SET token_hash = excluded.token_hash, expires_at = excluded.expires_at, requested_by = excluded.requested_by, created_at = excluded.created_at
    RETURNING id, expires_at AS expiresAt`)
  return { id: row!.id, token, expiresAt: row!.expiresAt, email }
}

const columns = {
  id: customerMoves.id,
  resellerId: customerMoves.resellerId,
  email: customerMoves.email,
  status: customerMoves.status,
  createdAt: customerMoves.createdAt,
  expiresAt: customerMoves.expiresAt,
  decidedAt: customerMoves.decidedAt,
  customerId: customerMoves.customerId,
  customerName: sql<string | null>`(SELECT a.name FROM accounts a WHERE a.id = ${customerMoves.customerId})`.as('customer_name'),
  requester: sql<string | null>`(SELECT u.email FROM users u WHERE u.id = ${customerMoves.requestedBy})`.as('requester'),
}

type Row = Awaited<ReturnType<ReturnType<typeof selectRows>['all']>>[number]
function selectRows(db: DB) {
  return db.select(columns).from(customerMoves)
}

/**
 * A request as the reseller sees it. Until the owner answers, nothing tells
 * whether the email owns an organisation: a declined request reads the same
 * as one left to expire (`expired` once its time is up, `pending` before).
 */
function present(row: Row, now: number) {
  const open = row.status === 'pending' || row.status === 'declined'
  const status: 'pending' | 'expired' | 'accepted' | 'cancelled' = open ? (row.expiresAt <= now ? 'expired' : 'pending') : (row.status as 'accepted' | 'cancelled')
  return {
    id: row.id,
    email: row.email,
    status,
    requestedBy: row.requester,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    decidedAt: status === 'accepted' || status === 'cancelled' ? row.decidedAt : null,
    customer: status === 'accepted' && row.customerId ? { id: row.customerId, name: row.customerName ?? '' } : null,
  }
}

/** The reseller's requests, newest first. */
export async function listMoves(db: DB, resellerId: string, now = Date.now()) {
  const rows = await selectRows(db).where(eq(customerMoves.resellerId, resellerId)).orderBy(desc(customerMoves.createdAt), desc(customerMoves.id)).limit(100).all()
  return rows.map((r) => present(r, now))
}

/** One request of the reseller, or undefined. */
export async function getMove(db: DB, resellerId: string, moveId: string, now = Date.now()) {
  const row = await selectRows(db).where(and(eq(customerMoves.resellerId, resellerId), eq(customerMoves.id, moveId))).get()
  return row ? present(row, now) : undefined
}

/** Withdraw a request that is still open; false when it was not. */
export async function cancelMove(db: DB, resellerId: string, moveId: string, now = Date.now()) {
  const rows = await db
    .update(customerMoves)
    .set({ status: 'cancelled', decidedAt: now })
    .where(and(eq(customerMoves.resellerId, resellerId), eq(customerMoves.id, moveId), sql`${customerMoves.status} IN ('pending', 'declined')`, sql`${customerMoves.expiresAt} > ${now}`))
    .returning({ id: customerMoves.id })
  return rows.length > 0
}

/** What a link's token opens: the request with its reseller (any status: the caller explains). */
export async function moveByToken(db: DB, token: string) {
  if (!/^[a-z2-7]{16,64}$/.test(token)) return undefined
  return db
    .select({
      id: customerMoves.id,
      email: customerMoves.email,
      status: customerMoves.status,
      expiresAt: customerMoves.expiresAt,
      reseller: { id: accounts.id, name: accounts.name, path: accounts.path, kind: accounts.kind },
      resellerStatus: effectiveStatus(sql`${accounts.path}`).as('reseller_status'),
    })
    .from(customerMoves)
    .innerJoin(accounts, eq(accounts.id, customerMoves.resellerId))
    .where(eq(customerMoves.tokenHash, sha256Hex(token)))
    .get()
}

export type TokenMove = NonNullable<Awaited<ReturnType<typeof moveByToken>>>

/**
 * The organisations a login could bring under `resellerId`: customers it
 * owns itself, active (nothing above them disabled or deleted), not already
 * directly under that reseller.
 */
export async function movableOrganisations(db: DB, userId: string, resellerId: string) {
  return db
    .select({ id: accounts.id, name: accounts.name, path: accounts.path, parentId: accounts.parentId, parentName: sql<string | null>`(SELECT p.name FROM accounts p WHERE p.id = ${accounts.parentId})`.as('parent_name') })
    .from(memberships)
    .innerJoin(accounts, eq(accounts.id, memberships.accountId))
    .where(
      and(
        eq(memberships.userId, userId),
        eq(memberships.level, 'owner'),
        sql`${accounts.parentId} IS NOT ${resellerId}`,
        activeCustomer(),
      ),
    )
    .orderBy(accounts.name)
    .all()
}

/** The login with this email, if it could bring any organisation under the reseller (whether to send the email at all). */
export async function ownerToAsk(db: DB, email: string, resellerId: string) {
  const user = await db.select({ id: users.id, name: users.name }).from(users).where(eq(users.email, normalizeEmail(email))).get()
  if (!user) return null
  return (await movableOrganisations(db, user.id, resellerId)).length ? user : null
}

/** Thrown when the request is no longer open, or the organisation can no longer move with it. */
export class MoveClosed extends DomainError {
  constructor() {
    super('offer_closed', 'This request is no longer open, or the organisation can no longer move with it.')
  }
}

/** The owner says no: the reseller's list keeps reading `pending` until the request expires (it learns nothing). */
export async function declineMove(db: DB, moveId: string, now = Date.now()) {
  const rows = await db
    .update(customerMoves)
    .set({ status: 'declined', decidedAt: now })
    .where(and(eq(customerMoves.id, moveId), eq(customerMoves.status, 'pending'), sql`${customerMoves.expiresAt} > ${now}`))
    .returning({ id: customerMoves.id })
  return rows.length > 0
}

export interface MoveOutcome {
  /** The parent the organisation left. */
  from: { id: string; path: string }
  oldPath: string
  newPath: string
  /** Impersonations of the organisation by people who no longer reach it, ended by the move. */
  endedImpersonations: string[]
}

/**
 * Move the organisation under the reseller, in one atomic batch:
 * 1. claim the request (NULL into the NOT NULL status unless it is pending,
 *    unexpired, this token's, the acceptor still owns the organisation, the
 *    organisation is still active at the path read, and the reseller active);
 * 2. re-parent the organisation, with the reseller's `max_customers` guarding
 *    the NOT NULL `kind` (the last free slot: one move wins, the other 422);
 * 3. move its subtree's paths along; turn every service's partner access off;
 * 4. close what was pending with the old parent (tickets re-pointed to the
 *    new parent, closed; visit requests, orders and transfers cancelled);
 * 5. end impersonations of it run by people who no longer reach it.
 */
export async function acceptMove(
  db: DB,
  token: string,
  move: TokenMove,
  acceptorUserId: string,
  organisation: { id: string; path: string; parentId: string },
  now = Date.now(),
): Promise<MoveOutcome> {
  const oldPath = organisation.path
  const newPath = `${move.reseller.path}${organisation.id}/`
  const fromPath = oldPath.slice(0, oldPath.length - organisation.id.length - 1)
  const cm = customerMoves
  const moved = inTree(newPath, sql`path`)
  const stillReaches = sql`EXISTS (SELECT 1 FROM memberships m JOIN accounts a ON a.id = m.account_id
      WHERE m.user_id = impersonations.impersonator_id AND substr(${newPath}, 1, length(a.path)) = a.path)`
  const ending = sql`impersonations.account_id IN (SELECT id FROM accounts WHERE ${moved}) AND impersonations.ended_at IS NULL AND NOT ${stillReaches}`
  try {
    const results = await db.batch([
      db
        .update(cm)
        .set({
          status: sql`CASE WHEN ${cm.status} = 'pending' AND ${cm.expiresAt} > ${now} AND ${cm.tokenHash} = ${sha256Hex(token)}
            AND EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = ${organisation.id} AND m.user_id = ${acceptorUserId} AND m.level = 'owner')
            AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = ${organisation.id} AND a.path = ${oldPath} AND a.kind = 'customer' AND a.status = 'active')
            AND EXISTS (SELECT 1 FROM accounts r WHERE r.id = ${move.reseller.id} AND r.kind = 'reseller' AND r.status = 'active')
            THEN 'accepted' ELSE NULL END`,
          customerId: organisation.id,
          fromParentId: organisation.parentId,
          decidedAt: now,
        })
        .where(eq(cm.id, move.id)),
      db
        .update(accounts)
        .set({
          // The reseller's max_customers binds (rule 9): NULL here fails the whole batch.
          kind: limitGuard(newPath, 'max_customers', 'customer') as unknown as 'customer',
          parentId: move.reseller.id,
          path: newPath,
          partnerAccessDefault: false,
          disabledBy: null,
          deletedBy: null,
        })
        .where(eq(accounts.id, organisation.id)),
      db
        .update(accounts)
        .set({ path: sql`${newPath} || substr(path, ${oldPath.length + 1})` })
        .where(sql`${inTree(oldPath, sql`path`)} AND path != ${oldPath}`),
      db.update(services).set({ partnerAccess: false }).where(sql`account_id IN (SELECT id FROM accounts WHERE ${moved})`),
      db.update(tickets).set({ status: 'closed', updatedAt: now }).where(sql`${tickets.accountId} = ${organisation.id} AND ${tickets.status} != 'closed'`),
      db.update(tickets).set({ parentId: move.reseller.id, assigneeId: null }).where(eq(tickets.accountId, organisation.id)),
      db
        .update(visitRequests)
        .set({ status: 'cancelled', reason: MOVED_REASON, decidedAt: now })
        .where(and(eq(visitRequests.accountId, organisation.id), eq(visitRequests.status, 'pending'))),
      db
        .update(orders)
        .set({ status: 'cancelled', reason: MOVED_REASON, decidedAt: now })
        .where(and(eq(orders.buyerAccountId, organisation.id), eq(orders.status, 'pending'))),
      db
        .update(serviceTransfers)
        .set({ status: 'cancelled', reason: MOVED_REASON, closedAt: now })
        .where(sql`${serviceTransfers.status} = 'pending' AND (${serviceTransfers.fromAccountId} = ${organisation.id} OR ${serviceTransfers.toAccountId} = ${organisation.id})`),
      db.update(sessions).set({ impersonationId: null }).where(sql`impersonation_id IN (SELECT id FROM impersonations WHERE ${ending})`),
      db
        .update(impersonations)
        .set({ endedAt: sql`MIN(${now}, ${impersonations.expiresAt})`, endReason: 'exit' })
        .where(ending)
        .returning({ id: impersonations.id }),
    ])
    const ended = results[10]
    return { from: { id: organisation.parentId, path: fromPath }, oldPath, newPath, endedImpersonations: ended.map((r) => r.id) }
  } catch (error) {
    const message = errorText(error)
    if (message.includes('NOT NULL constraint failed: customer_moves.status')) throw new MoveClosed()
    if (message.includes('NOT NULL constraint failed: accounts.kind')) throw new LimitReached('max_customers', move.reseller.path)
    throw error
  }
}

/**
 * After a move, the organisation's live sockets (decision 011): impersonations
 * the move ended close as ended; people who no longer reach it (the old
 * parent's staff) close for good; everyone else — its own people, the
 * platform above both parents — reconnects, authorized at the new path.
 */
export async function closeSocketsAfterMove(env: Bindings, db: DB, organisationId: string, outcome: MoveOutcome) {
  for (const impersonationId of outcome.endedImpersonations) await closeLiveConnections(env, db, { impersonationId }, 'impersonationEnded')
  const rows = await db.select({ id: liveConnections.id, memberPath: liveConnections.memberPath }).from(liveConnections).where(eq(liveConnections.accountId, organisationId))
  const reaches = (memberPath: string) => memberPath.startsWith(outcome.oldPath) || outcome.newPath.startsWith(memberPath)
  const lost = rows.filter((r) => !reaches(r.memberPath)).map((r) => r.id)
  const kept = rows.filter((r) => reaches(r.memberPath)).map((r) => r.id)
  if (lost.length) await closeLiveConnections(env, db, { connectionIds: lost }, 'accessEnded')
  if (kept.length) await closeLiveConnections(env, db, { connectionIds: kept }, 'rightsChanged')
}
