import { and, eq, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import { newId, randomToken, sha256Hex } from '../crypto/tokens.ts'
import { errorText, isUniqueViolation, type DB } from '../db.ts'
import { schema, withAccount } from '../db.ts'
import { DomainError } from '../errors.ts'

/**
 * An owner hands the account to one of its admins (docs/decisions/026): the
 * owner offers (one pending offer per account, 7 days, a single-use link of
 * which only the SHA-256 is stored), the admin accepts, and one D1 batch
 * makes the admin the owner and the old owner an admin.
 */

const { accounts, membershipRoles, memberships, ownershipHandoffs, users } = schema

export const HANDOFF_TTL_MS = 7 * 24 * 60 * 60 * 1000

/** The built-in role the old owner keeps as an admin: everything an admin may hold. */
export const FORMER_OWNER_ROLE = 'account-owner'

const fromMember = alias(memberships, 'from_member')
const toMember = alias(memberships, 'to_member')
const fromUser = alias(users, 'from_user')
const toUser = alias(users, 'to_user')

const columns = {
  id: ownershipHandoffs.id,
  accountId: ownershipHandoffs.accountId,
  status: ownershipHandoffs.status,
  createdAt: ownershipHandoffs.createdAt,
  expiresAt: ownershipHandoffs.expiresAt,
  decidedAt: ownershipHandoffs.decidedAt,
  fromMembershipId: ownershipHandoffs.fromMembershipId,
  toMembershipId: ownershipHandoffs.toMembershipId,
  fromUserId: sql<string>`${fromUser.id}`.as('from_user_id'),
  fromEmail: sql<string>`${fromUser.email}`.as('from_email'),
  fromName: sql<string>`${fromUser.name}`.as('from_name'),
  toUserId: sql<string>`${toUser.id}`.as('to_user_id'),
  toEmail: sql<string>`${toUser.email}`.as('to_email'),
  toName: sql<string>`${toUser.name}`.as('to_name'),
  accountName: accounts.name,
  accountPath: accounts.path,
}

function select(db: DB) {
  return withAccount(db, ownershipHandoffs, columns)
    .innerJoin(fromMember, eq(fromMember.id, ownershipHandoffs.fromMembershipId))
    .innerJoin(fromUser, eq(fromUser.id, fromMember.userId))
    .innerJoin(toMember, eq(toMember.id, ownershipHandoffs.toMembershipId))
    .innerJoin(toUser, eq(toUser.id, toMember.userId))
}

type Row = Awaited<ReturnType<ReturnType<typeof select>['all']>>[number]

/** A stored handoff as the API shows it: a pending one past its time reads `expired`. */
function present(row: Row, now: number) {
  return {
    id: row.id,
    accountId: row.accountId,
    account: { id: row.accountId, name: row.accountName, path: row.accountPath },
    status: row.status === 'pending' && row.expiresAt <= now ? ('expired' as const) : row.status,
    from: { membershipId: row.fromMembershipId, userId: row.fromUserId, email: row.fromEmail, name: row.fromName },
    to: { membershipId: row.toMembershipId, userId: row.toUserId, email: row.toEmail, name: row.toName },
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    decidedAt: row.decidedAt,
  }
}

export type Handoff = ReturnType<typeof present>

/** The account's open offer (pending and not expired), or null. */
export async function openHandoff(db: DB, accountId: string, now = Date.now()): Promise<Handoff | null> {
  const row = await select(db)
    .where(and(eq(ownershipHandoffs.accountId, accountId), eq(ownershipHandoffs.status, 'pending'), sql`${ownershipHandoffs.expiresAt} > ${now}`))
    .get()
  return row ? present(row, now) : null
}

/** What a link's token opens (any status: the caller explains), or undefined. */
export async function handoffByToken(db: DB, token: string, now = Date.now()): Promise<Handoff | undefined> {
  if (!/^[a-z2-7]{16,64}$/.test(token)) return undefined
  const row = await select(db).where(eq(ownershipHandoffs.tokenHash, sha256Hex(token))).get()
  return row ? present(row, now) : undefined
}

/** Thrown when the account already has an open offer. */
export class OfferPending extends DomainError {
  constructor() {
    super('conflict', 'An offer of ownership is already waiting for an answer; cancel it first.')
  }
}

/**
 * Offer the account to an admin. An earlier offer past its time is marked
 * expired in the same batch; an open one refuses the new offer (the unique
 * pending index decides between two racing offers).
 */
export async function offerOwnership(db: DB, input: { accountId: string; fromMembershipId: string; toMembershipId: string }, now = Date.now()) {
  const id = newId('own')
  const token = randomToken(20)
  const expiresAt = now + HANDOFF_TTL_MS
  try {
    await db.batch([
      db
        .update(ownershipHandoffs)
        .set({ status: 'expired' })
        .where(and(eq(ownershipHandoffs.accountId, input.accountId), eq(ownershipHandoffs.status, 'pending'), sql`${ownershipHandoffs.expiresAt} <= ${now}`)),
      db.insert(ownershipHandoffs).values({ id, ...input, tokenHash: sha256Hex(token), status: 'pending', createdAt: now, expiresAt }),
    ])
  } catch (error) {
    if (isUniqueViolation(error, 'ownership_handoffs.account_id')) throw new OfferPending()
    throw error
  }
  return { id, token, expiresAt }
}

/** Close the open offer (`cancelled` by the owner, `declined` by the admin); null when there was none. */
export async function closeHandoff(db: DB, handoffId: string, status: 'cancelled' | 'declined', now = Date.now()) {
  const rows = await db
    .update(ownershipHandoffs)
    .set({ status, decidedAt: now })
    .where(and(eq(ownershipHandoffs.id, handoffId), eq(ownershipHandoffs.status, 'pending'), sql`${ownershipHandoffs.expiresAt} > ${now}`))
    .returning({ id: ownershipHandoffs.id })
  return rows.length > 0
}

/** Thrown when an accept lost a race or the offer is no longer open. */
export class OfferClosed extends DomainError {
  constructor() {
    super('offer_closed', 'This offer is no longer open: it was answered, withdrawn, or the people changed.')
  }
}

/**
 * Accept in one atomic batch. The first statement claims the offer: it
 * writes NULL into the NOT NULL status (failing the whole batch) unless the
 * offer is still pending and unexpired, the acceptor still is the admin it
 * names and the offerer still the owner. Then the admin becomes owner and the
 * owner an admin keeping every admin permission (the Account Owner role).
 * Two racing accepts, or an accept racing a cancel: one outcome.
 */
export async function acceptHandoff(db: DB, h: Handoff, acceptorUserId: string, now = Date.now()) {
  const oh = ownershipHandoffs
  try {
    await db.batch([
      db
        .update(oh)
        .set({
          status: sql`CASE WHEN ${oh.status} = 'pending' AND ${oh.expiresAt} > ${now}
            AND EXISTS (SELECT 1 FROM memberships m WHERE m.id = ${oh.toMembershipId} AND m.account_id = ${oh.accountId} AND m.user_id = ${acceptorUserId} AND m.level = 'admin'
              AND (m.ends_at IS NULL OR m.ends_at > ${now}))
            AND EXISTS (SELECT 1 FROM memberships m WHERE m.id = ${oh.fromMembershipId} AND m.account_id = ${oh.accountId} AND m.level = 'owner')
            THEN 'accepted' ELSE NULL END`,
          decidedAt: now,
        })
        .where(eq(oh.id, h.id)),
      db.update(memberships).set({ level: 'admin', scope: '{"mode":"all"}' }).where(and(eq(memberships.id, h.from.membershipId), eq(memberships.level, 'owner'))),
      db.insert(membershipRoles).values({ membershipId: h.from.membershipId, roleId: FORMER_OWNER_ROLE }).onConflictDoNothing(),
      // An owner's access never ends (decision 023): an end date the admin had goes with the handover.
      db.update(memberships).set({ level: 'owner', scope: '{"mode":"all"}', endsAt: null, endsSetBy: null, endRemindedAt: null }).where(and(eq(memberships.id, h.to.membershipId), eq(memberships.level, 'admin'))),
      // An owner holds everything: the role that stood in for it goes (a handover and back leaves the roles as they were).
      db.delete(membershipRoles).where(and(eq(membershipRoles.membershipId, h.to.membershipId), eq(membershipRoles.roleId, FORMER_OWNER_ROLE))),
    ])
  } catch (error) {
    if (errorText(error).includes('NOT NULL constraint failed: ownership_handoffs.status')) throw new OfferClosed()
    throw error
  }
}
