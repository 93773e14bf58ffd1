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
        endsAt: memberships.endsAt,
      })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.accountId, accountId), memberId ? eq(memberships.id, memberId) : undefined))
      .orderBy(sql`CASE ${memberships.level} WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END`, asc(users.name)),
    db
      .select({ membershipId: membershipRoles.membershipId, roleId: membershipRoles.roleId, endsAt: membershipRoles.endsAt })
      .from(membershipRoles)
      .innerJoin(memberships, eq(memberships.id, membershipRoles.membershipId))
      .where(and(eq(memberships.accountId, accountId), memberId ? eq(memberships.id, memberId) : undefined)),
  ])
  return rows.map((r) => {
    const mine = roleRows.filter((x) => x.membershipId === r.id)
    return {
      id: r.id,
      user: { id: r.userId, email: r.email, name: r.name },
      level: r.level,
      scope: parseScope(r.scope),
      roleIds: mine.map((x) => x.roleId),
      /** When each role stops being held (null: it lasts). */
      roleEnds: Object.fromEntries(mine.map((x) => [x.roleId, x.endsAt])) as Record<string, number | null>,
      createdAt: r.createdAt,
      /** When the membership ends by itself; it may be past, until the daily run removes it. */
      endsAt: r.endsAt,
    }
  })
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

/**
 * Change a member's level, roles, scope and ends in one atomic batch. An end
 * that moves records who moved it (`by`, told before it comes) and may be
 * reminded of again; an end left alone keeps its setter and reminder.
 */
export async function updateMember(
  db: DB,
  account: { id: string; path: string },
  membershipId: string,
  input: { level: MembershipLevel; roleIds: string[]; scope: Scope; endsAt: number | null; roleEnds: Record<string, number | null> },
  before: { endsAt: number | null; roleEnds: Record<string, number | null> },
  by: string | null,
) {
  const moved = input.endsAt !== before.endsAt
  const kept = (roleId: string) => roleId in before.roleEnds && before.roleEnds[roleId] === input.roleEnds[roleId]
  try {
    await db.batch([
      db
        .update(memberships)
        .set({
          level: cappedLevel(account.id, input.level, membershipId, account.path),
          scope: JSON.stringify(input.scope),
          ...(moved ? { endsAt: input.endsAt, endsSetBy: input.endsAt === null ? null : by, endRemindedAt: null } : {}),
        })
        .where(and(eq(memberships.id, membershipId), eq(memberships.accountId, account.id))),
      // Roles dropped, and roles whose end moved (re-inserted below); the others stay as they are.
      db
        .delete(membershipRoles)
        .where(
          and(
            eq(membershipRoles.membershipId, membershipId),
            sql`${membershipRoles.roleId} NOT IN (SELECT value FROM json_each(${JSON.stringify(input.roleIds.filter(kept))}))`,
          ),
        ),
      ...input.roleIds
        .filter((roleId) => !kept(roleId))
        .map((roleId) => {
          const endsAt = input.roleEnds[roleId] ?? null
          return db.insert(membershipRoles).values({ membershipId, roleId, endsAt, endsSetBy: endsAt === null ? null : by })
        }),
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
