import { and, asc, count, eq, sql } from 'drizzle-orm'
import type { MembershipLevel } from '../../../db/schema/memberships.ts'
import type { Scope } from '../authz/decide.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import { effectiveLimit, LimitReached, resellerOf } from './limits.ts'
import { parseScope } from './scope.ts'

const { accounts, memberships, membershipRoles, users } = schema

/** The members of one account (or just `memberId` among them) with their user, level, roles and scope. */
export async function listMembers(db: DB, accountId: string, memberId?: string) {
  const [rows, roleRows] = await db.batch([
    db
      .select({
        id: memberships.id,
        userId: memberships.userId,
        email: users.email,
        name: users.name,
        level: memberships.level,
        scope: memberships.scope,
        createdAt: memberships.createdAt,
      })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.accountId, accountId), memberId ? eq(memberships.id, memberId) : undefined))
      .orderBy(sql`CASE ${memberships.level} WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END`, asc(users.name)),
    db
      .select({ membershipId: membershipRoles.membershipId, roleId: membershipRoles.roleId })
      .from(membershipRoles)
      .innerJoin(memberships, eq(memberships.id, membershipRoles.membershipId))
      .where(and(eq(memberships.accountId, accountId), memberId ? eq(memberships.id, memberId) : undefined)),
  ])
  return rows.map((r) => ({
    id: r.id,
    user: { id: r.userId, email: r.email, name: r.name },
    level: r.level,
    scope: parseScope(r.scope),
    roleIds: roleRows.filter((x) => x.membershipId === r.id).map((x) => x.roleId),
    createdAt: r.createdAt,
  }))
}

export type Member = Awaited<ReturnType<typeof listMembers>>[number]

/** One member of the account, or undefined (members of other accounts are not found). */
export async function getMember(db: DB, accountId: string, memberId: string) {
  return (await listMembers(db, accountId, memberId))[0]
}

/** The membership of the login `userId` in the account, or undefined. */
export async function getMemberByUser(db: DB, accountId: string, userId: string) {
  const row = await db
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)))
    .get()
  return row ? getMember(db, accountId, row.id) : undefined
}

/** How many admins the account has and may have. */
export async function adminCapacity(db: DB, accountId: string) {
  const [admins, account] = await db.batch([
    db.select({ n: count() }).from(memberships).where(and(eq(memberships.accountId, accountId), eq(memberships.level, 'admin'))),
    db.select({ cap: accounts.adminCap, path: accounts.path }).from(accounts).where(eq(accounts.id, accountId)),
  ])
  const cap = account[0] ? ((await effectiveLimit(db, account[0].path, 'max_admins')) ?? account[0].cap) : 0
  return { count: admins[0]?.n ?? 0, cap }
}

/**
 * The level to write, or NULL when it would make one admin too many. Writing
 * NULL into the NOT NULL column fails the statement and rolls back its whole
 * batch, so the cap holds even when requests race (D1 has no interactive
 * transactions; the check and the write are one statement).
 */
export function cappedLevel(accountId: string, level: MembershipLevel, membershipId: string | null, accountPath: string | null) {
  if (level !== 'admin') return sql`${level}`
  // An UPDATE of someone who already is an admin never counts against the cap.
  const already = membershipId ? sql`level = 'admin'` : sql`0`
  // The reseller's max_admins (domain/limits.ts) bounds the account's own cap.
  const reseller = accountPath ? resellerOf(accountPath) : null
  const cap = reseller
    ? sql`min((SELECT admin_cap FROM accounts WHERE id = ${accountId}), coalesce((SELECT json_extract(limits, '$.max_admins') FROM accounts WHERE id = ${reseller.id}), (SELECT admin_cap FROM accounts WHERE id = ${accountId})))`
    : sql`(SELECT admin_cap FROM accounts WHERE id = ${accountId})`
  return sql`CASE WHEN ${already} THEN 'admin' WHEN (SELECT count(*) FROM memberships WHERE account_id = ${accountId} AND level = 'admin' AND id IS NOT ${membershipId})
    >= ${cap} THEN NULL ELSE 'admin' END`
}

/** Whether a write failed on the admin cap (`cappedLevel` wrote NULL into the level). */
export function isAdminCapFailure(error: unknown) {
  return String((error as Error)?.message ?? error).includes('NOT NULL constraint failed: memberships.level')
}

/** Change a member's level, roles and scope in one atomic batch. */
export async function updateMember(db: DB, account: { id: string; path: string }, membershipId: string, input: { level: MembershipLevel; roleIds: string[]; scope: Scope }) {
  try {
    await db.batch([
      db
        .update(memberships)
        .set({ level: cappedLevel(account.id, input.level, membershipId, account.path), scope: JSON.stringify(input.scope) })
        .where(and(eq(memberships.id, membershipId), eq(memberships.accountId, account.id))),
      db.delete(membershipRoles).where(eq(membershipRoles.membershipId, membershipId)),
      ...input.roleIds.map((roleId) => db.insert(membershipRoles).values({ membershipId, roleId })),
    ])
  } catch (error) {
    // The admin cap refuses the new level (the reseller's max_admins, or the account's own cap).
    if (isAdminCapFailure(error)) throw new LimitReached('max_admins', account.path, 'level')
    throw error
  }
}

/** Remove a membership (the login stays; it may belong to other accounts). Its sessions keep no access here. */
export async function deleteMember(db: DB, accountId: string, membershipId: string) {
  await db.delete(memberships).where(and(eq(memberships.id, membershipId), eq(memberships.accountId, accountId)))
}
