import { and, desc, eq, sql } from 'drizzle-orm'
import type { InvitationKind } from '../../../db/schema/invitations.ts'
import type { Scope } from '../authz/decide.ts'
import { newId, randomToken, sha256Hex } from '../crypto/tokens.ts'
import { errorText, isUniqueViolation, type DB } from '../db.ts'
import { DomainError } from '../errors.ts'
import { schema } from '../db.ts'
import { limitGuard, LimitReached, withinLimit, type LimitName } from './limits.ts'
import { cappedLevel, isAdminCapFailure } from './members.ts'
import { joinStatements, type DomainOwner } from './email-domains.ts'
import { parseScope } from './scope.ts'
import { normalizeEmail } from './users.ts'

const { accounts, invitations, memberships, membershipRoles, users } = schema

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000

/** Thrown when a pending invitation for the same email and kind already exists. */
export class AlreadyInvited extends DomainError {
  constructor() {
    super('already_invited', 'This email already has a pending invitation; resend it instead.', 'email')
  }
}

/** Thrown when an accept loses a race or the invitation is no longer pending. */
export class InvitationGone extends DomainError {
  constructor() {
    super('invitation_used', 'This invitation has already been used.')
  }
}

export interface NewInvitation {
  accountId: string
  kind: InvitationKind
  email: string
  level: 'owner' | 'admin' | 'user' | null
  roleIds: string[]
  scope: Scope
  suggestedName: string | null
  invitedBy: string | null
  /** When the access it grants ends (member invitations); null: it lasts. */
  accessEndsAt?: number | null
}

/** The link's secret: 160 bits; only its SHA-256 is stored. */
function newToken() {
  const token = randomToken(20)
  return { token, tokenHash: sha256Hex(token) }
}

/** Create a pending invitation; returns its id and the token for the email (never stored). */
export async function createInvitation(db: DB, input: NewInvitation, now = Date.now()) {
  const id = newId('inv')
  const { token, tokenHash } = newToken()
  try {
    await db.insert(invitations).values({
      id,
      accountId: input.accountId,
      kind: input.kind,
      email: normalizeEmail(input.email),
      level: input.level,
      roleIds: JSON.stringify(input.roleIds),
      scope: JSON.stringify(input.scope),
      suggestedName: input.suggestedName,
      tokenHash,
      invitedBy: input.invitedBy,
      status: 'pending',
      expiresAt: now + INVITATION_TTL_MS,
      createdAt: now,
      accessEndsAt: input.kind === 'member' ? (input.accessEndsAt ?? null) : null,
    })
  } catch (error) {
    if (isUniqueViolation(error, 'invitations.account_id')) throw new AlreadyInvited()
    throw error
  }
  return { id, token }
}

const inviters = sql`(SELECT json_object('id', u.id, 'email', u.email, 'name', u.name) FROM users u WHERE u.id = ${invitations.invitedBy})`

const columns = {
  id: invitations.id,
  accountId: invitations.accountId,
  kind: invitations.kind,
  email: invitations.email,
  level: invitations.level,
  roleIds: invitations.roleIds,
  scope: invitations.scope,
  suggestedName: invitations.suggestedName,
  status: invitations.status,
  expiresAt: invitations.expiresAt,
  createdAt: invitations.createdAt,
  acceptedAt: invitations.acceptedAt,
  createdAccountId: invitations.createdAccountId,
  accessEndsAt: invitations.accessEndsAt,
  invitedBy: invitations.invitedBy,
  inviter: sql<string | null>`${inviters}`.as('inviter'),
}


/** Shape a stored row: parsed JSON, and `expired` for pending invitations past their time. */
function present(row: Awaited<ReturnType<typeof selectRows>>[number], now: number) {
  const status = row.status === 'pending' && row.expiresAt <= now ? ('expired' as const) : row.status
  return {
    ...row,
    status,
    roleIds: JSON.parse(row.roleIds) as string[],
    scope: parseScope(row.scope),
    inviter: row.inviter ? (JSON.parse(row.inviter) as { id: string; email: string; name: string }) : null,
  }
}

function selectRows(db: DB, where: ReturnType<typeof and>) {
  return db.select(columns).from(invitations).where(where).orderBy(desc(invitations.createdAt), desc(invitations.id))
}

export type InvitationView = ReturnType<typeof present>

/** The invitations of an account, newest first, optionally of some kinds only. */
export async function listInvitations(db: DB, accountId: string, kinds: readonly InvitationKind[], pendingOnly: boolean, now = Date.now()) {
  const rows = await selectRows(
    db,
    and(
      eq(invitations.accountId, accountId),
      kinds.length === 1 ? eq(invitations.kind, kinds[0]!) : undefined,
      pendingOnly ? and(eq(invitations.status, 'pending'), sql`${invitations.expiresAt} > ${now}`) : undefined,
    ),
  ).limit(200)
  return rows.map((r) => present(r, now))
}

/** One invitation of the account, or undefined. */
export async function getInvitation(db: DB, accountId: string, id: string, now = Date.now()) {
  const [row] = await selectRows(db, and(eq(invitations.accountId, accountId), eq(invitations.id, id)))
  return row ? present(row, now) : undefined
}

/** New token and a fresh 7 days for a pending (or expired) invitation; the old link dies. */
export async function resendInvitation(db: DB, id: string, now = Date.now()) {
  const { token, tokenHash } = newToken()
  const updated = await db
    .update(invitations)
    .set({ tokenHash, expiresAt: now + INVITATION_TTL_MS })
    .where(and(eq(invitations.id, id), eq(invitations.status, 'pending')))
    .returning({ id: invitations.id })
  return updated.length ? token : null
}

/** Revoke a pending invitation; false when it was no longer pending. */
export async function revokeInvitation(db: DB, id: string) {
  const updated = await db
    .update(invitations)
    .set({ status: 'revoked' })
    .where(and(eq(invitations.id, id), eq(invitations.status, 'pending')))
    .returning({ id: invitations.id })
  return updated.length > 0
}

/** What a token opens: the invitation with its account (any status; the caller explains). */
export async function findByToken(db: DB, token: string, now = Date.now()) {
  if (!/^[a-z2-7]{16,64}$/.test(token)) return undefined
  const [row] = await db
    .select({ ...columns, accountName: accounts.name, accountPath: accounts.path, accountKind: accounts.kind, accountStatus: accounts.status })
    .from(invitations)
    .innerJoin(accounts, eq(accounts.id, invitations.accountId))
    .where(eq(invitations.tokenHash, sha256Hex(token)))
  if (!row) return undefined
  const { accountName, accountPath, accountKind, accountStatus, ...rest } = row
  return { ...present(rest, now), account: { id: rest.accountId, name: accountName, path: accountPath, kind: accountKind, status: accountStatus } }
}

export type TokenInvitation = NonNullable<Awaited<ReturnType<typeof findByToken>>>

/**
 * The guard that makes an accept single-use: the first statement of the
 * batch marks the invitation accepted, or writes NULL into the NOT NULL
 * status (failing the whole batch) when it is not pending, expired, or its
 * token changed. Two racing accepts: one batch wins, the other rolls back.
 */
function claim(db: DB, inv: TokenInvitation, tokenHash: string, userId: string, createdAccountId: string | null, now: number) {
  return db
    .update(invitations)
    .set({
      status: sql`CASE WHEN ${invitations.status} = 'pending' AND ${invitations.expiresAt} > ${now} AND ${invitations.tokenHash} = ${tokenHash} THEN 'accepted' ELSE NULL END`,
      acceptedAt: now,
      acceptedBy: userId,
      createdAccountId,
    })
    .where(eq(invitations.id, inv.id))
}

function rethrowClaim(error: unknown, accountPath: string): never {
  const message = errorText(error)
  if (message.includes('NOT NULL constraint failed: invitations.status')) throw new InvitationGone()
  // The same person already joined (a second tab won the race): one membership.
  if (isUniqueViolation(error, 'memberships.user_id') || isUniqueViolation(error, 'users.email')) throw new InvitationGone()
  if (message.includes('NOT NULL constraint failed: accounts.kind')) throw new LimitReached('max_customers', accountPath)
  if (message.includes('NOT NULL constraint failed: memberships.scope')) throw new LimitReached('max_staff', accountPath)
  // The level the invitation offers is no longer free: the inviter must offer another.
  if (isAdminCapFailure(error)) throw new DomainError('limit_reached', 'This account already has its maximum number of admins; ask the inviter to change your level.')
  throw error
}

export interface Acceptor {
  /** An existing login, or a new one to create. */
  existingUserId: string | null
  newUser?: { name: string; passwordHash: string }
  /** For customer invitations: the new organisation's name. */
  organisationName?: string
  /** For customer invitations whose email's domain a customer of the tree verified: join it instead (as its owner chose). */
  join?: { owner: DomainOwner; roleIds: string[] }
}

/**
 * Accept in one atomic batch: claim the invitation, create the login if new,
 * and either add the membership (member invitation) or create the customer
 * organisation under the inviting reseller with the prospect as its owner.
 */
export async function acceptInvitation(db: DB, token: string, inv: TokenInvitation, who: Acceptor, now = Date.now()) {
  const userId = who.existingUserId ?? newId('usr')
  const membershipId = newId('mem')
  const tokenHash = sha256Hex(token)
  const statements = []
  let accountId = inv.accountId
  let createdAccountId: string | null = null
  const join = inv.kind === 'customer' && who.join ? joinStatements(db, who.join.owner, userId, who.join.roleIds, now) : null
  if (join) accountId = who.join!.owner.account.id
  else if (inv.kind === 'customer') {
    createdAccountId = accountId = newId('acc')
  }
  if (!who.existingUserId) {
    if (!who.newUser) throw new Error('a new acceptor needs name and password')
    // The link reached this address: the login starts verified.
    statements.push(db.insert(users).values({ id: userId, email: inv.email, name: who.newUser.name, passwordHash: who.newUser.passwordHash, lastAccountId: join?.held ? null : accountId, emailVerifiedAt: now }))
  } else {
    statements.push(db.update(users).set({ ...(join?.held ? {} : { lastAccountId: accountId }), emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${now})` }).where(eq(users.id, userId)))
  }
  if (join) {
    statements.push(...join.statements(join.id))
  } else if (inv.kind === 'customer') {
    statements.push(
      db.insert(accounts).values({
        id: accountId,
        parentId: inv.account.id,
        // The reseller's max_customers binds (rule 9): NULL here fails the whole batch.
        kind: limitGuard(`${inv.account.path}${accountId}/`, 'max_customers', 'customer') as unknown as 'customer',
        name: who.organisationName!,
        path: `${inv.account.path}${accountId}/`,
        partnerAccessDefault: false,
        createdAt: now,
      }),
      db.insert(memberships).values({ id: membershipId, userId, accountId, level: 'owner', scope: '{"mode":"all"}', createdAt: now }),
    )
  } else {
    statements.push(
      // A membership of this person here that has ended (and not yet been swept away) gives way to the new one.
      db.delete(memberships).where(and(eq(memberships.userId, userId), eq(memberships.accountId, accountId), sql`${memberships.endsAt} <= ${now}`)),
      db.insert(memberships).values({
        id: membershipId,
        userId,
        accountId,
        level: cappedLevel(accountId, inv.level ?? 'user', null, inv.account.path),
        scope: limitGuard(inv.account.path, 'max_staff', JSON.stringify(inv.scope)),
        createdAt: now,
        // The access the invitation granted ends when it said; its sender is told before.
        endsAt: inv.accessEndsAt,
        endsSetBy: inv.accessEndsAt === null ? null : inv.invitedBy,
      }),
      ...inv.roleIds.map((roleId) => db.insert(membershipRoles).values({ membershipId, roleId })),
    )
  }
  // Last, so the rows it points at exist; the batch is one transaction either way.
  statements.push(claim(db, inv, tokenHash, userId, createdAccountId, now))
  try {
    await db.batch(statements as unknown as Parameters<DB['batch']>[0])
  } catch (error) {
    rethrowClaim(error, join ? who.join!.owner.account.path : inv.account.path)
  }
  return { accountId, userId, membershipId: join ? join.id : membershipId, joined: join ? { held: join.held } : null }
}

/** True when the login with this email is a member of the account (a membership that has ended does not count). */
export async function isMember(db: DB, accountId: string, email: string, now = Date.now()) {
  const row = await db
    .select({ id: memberships.id })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.accountId, accountId), eq(users.email, normalizeEmail(email)), sql`(${memberships.endsAt} IS NULL OR ${memberships.endsAt} > ${now})`))
    .get()
  return Boolean(row)
}

/** Whether one more of `name` still fits where the invitation would land (checked again, atomically, on accept). */
export async function roomFor(db: DB, accountPath: string, name: LimitName) {
  const row = await db.get<{ ok: number }>(sql`SELECT ${withinLimit(accountPath, name)} AS ok`)
  return Boolean(row?.ok)
}
