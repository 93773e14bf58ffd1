import { and, asc, eq, ne, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import { isPermission, type Permission } from '../authz/catalogue.ts'
import type { MembershipGrant, TimedRole } from '../authz/decide.ts'
import { builtinPermissions, builtinRoleNames } from '../authz/roles.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import { effectiveStatus, underDeleted } from './lifecycle.ts'
import { parseScope } from './scope.ts'

const { accounts, impersonations, memberships, membershipRoles, roles, sessions } = schema

/** Read a stored permission list, keeping only catalogue permissions. */
export function parsePermissions(json: string): Permission[] {
  try {
    const value: unknown = JSON.parse(json)
    return Array.isArray(value) ? value.filter((p): p is Permission => typeof p === 'string' && isPermission(p)) : []
  } catch {
    return []
  }
}

export interface LoadedGrant extends MembershipGrant {
  membershipId: string
  endsAt: number | null
  roleGrants: TimedRole[]
  roleIds: string[]
  /** The names of those roles (built-in or custom), in the same order. */
  roleNames: string[]
  accountName: string
  status: 'active' | 'disabled' | 'deleted'
  parent: { id: string; name: string } | null
}

/** An account's parent, joined as `parents` beside `accounts` (`grantColumns` names it). */
export const parents = alias(accounts, 'parents')

/**
 * A membership with its account facts, as decisions need them; selected from `memberships`
 * joined to `accounts` and left-joined to `parents`. No two columns share a name: D1 batches
 * return rows as objects.
 */
export const grantColumns = {
  membershipId: memberships.id,
  accountId: memberships.accountId,
  accountName: accounts.name,
  // Inherited: an account under a disabled reseller reads as disabled (rule 8).
  status: effectiveStatus(sql`${accounts.path}`).as('status'),
  path: accounts.path,
  kind: accounts.kind,
  level: memberships.level,
  scope: memberships.scope,
  endsAt: memberships.endsAt,
  parentId: accounts.parentId,
  parentName: sql<string | null>`${parents.name}`.as('parent_name'),
}

/** The roles a membership holds, with their stored permissions (null for built-in roles); from `membershipRoles` left-joined to `roles`. */
export const roleColumns = {
  membershipId: membershipRoles.membershipId,
  roleId: membershipRoles.roleId,
  permissions: roles.permissions,
  roleName: sql<string | null>`${roles.name}`.as('role_name'),
  roleEndsAt: sql<number | null>`${membershipRoles.endsAt}`.as('role_ends_at'),
}

/** SQL: the membership has not ended by `now` (docs/decisions/023: an ended one grants nothing, before any cron). */
export const membershipLive = (now: number) => sql`(${memberships.endsAt} IS NULL OR ${memberships.endsAt} > ${now})`
/** SQL: the role is still held at `now`. */
export const roleLive = (now: number) => sql`(${membershipRoles.endsAt} IS NULL OR ${membershipRoles.endsAt} > ${now})`

/**
 * The two reads behind a principal's grants, for the user who owns session
 * `sessionId`: memberships with their account facts, and the roles they hold.
 * Returned as statements so the caller sends them in the same batch as the
 * session lookup — one D1 round trip per authenticated request.
 */
export function grantQueries(db: DB, sessionId: string, whose: 'session' | 'impersonated' = 'session', now = Date.now()) {
  const owner =
    whose === 'session'
      ? sql`(SELECT ${sessions.userId} FROM ${sessions} WHERE ${sessions.id} = ${sessionId})`
      : // The person a session acts for while impersonating (no rows otherwise).
        sql`(SELECT ${impersonations.targetUserId} FROM ${impersonations} INNER JOIN ${sessions} ON ${sessions.impersonationId} = ${impersonations.id} WHERE ${sessions.id} = ${sessionId})`
  return [
    db
      .select(grantColumns)
      .from(memberships)
      .innerJoin(accounts, eq(accounts.id, memberships.accountId))
      .leftJoin(parents, eq(parents.id, accounts.parentId))
      .where(and(eq(memberships.userId, owner), membershipLive(now), ne(accounts.status, 'deleted'), sql`NOT ${underDeleted(sql`${accounts.path}`)}`))
      .orderBy(asc(accounts.path)),
    db
      .select(roleColumns)
      .from(membershipRoles)
      .innerJoin(memberships, eq(memberships.id, membershipRoles.membershipId))
      .leftJoin(roles, eq(roles.id, membershipRoles.roleId))
      .where(and(eq(memberships.userId, owner), roleLive(now))),
  ] as const
}

/**
 * The grants of some members of one account, by membership id: for decisions
 * about people other than the caller (what a member may be notified of).
 */
export async function grantsOfMembers(db: DB, accountId: string, membershipIds: readonly string[], now = Date.now()) {
  if (!membershipIds.length) return new Map<string, LoadedGrant>()
  const ids = sql`(SELECT value FROM json_each(${JSON.stringify(membershipIds)}))`
  const [rows, roleRows] = await db.batch([
    db
      .select(grantColumns)
      .from(memberships)
      .innerJoin(accounts, eq(accounts.id, memberships.accountId))
      .leftJoin(parents, eq(parents.id, accounts.parentId))
      .where(and(eq(memberships.accountId, accountId), sql`${memberships.id} IN ${ids}`, membershipLive(now))),
    db
      .select(roleColumns)
      .from(membershipRoles)
      .leftJoin(roles, eq(roles.id, membershipRoles.roleId))
      .where(and(sql`${membershipRoles.membershipId} IN ${ids}`, roleLive(now))),
  ])
  return new Map(buildGrants([rows, roleRows]).map((g) => [g.membershipId, g]))
}

type Queries = ReturnType<typeof grantQueries>
type GrantRows = readonly [Awaited<Queries[0]>, Awaited<Queries[1]>]

/** Fold the rows of `grantQueries` into grants: roles resolved to permissions, scopes parsed. */
export function buildGrants([rows, roleRows]: GrantRows): LoadedGrant[] {
  return rows.map((m) => {
    const mine = roleRows.filter((r) => r.membershipId === m.membershipId)
    const perms = new Set<Permission>()
    const roleGrants = mine.map((r) => ({ id: r.roleId, permissions: r.permissions ? parsePermissions(r.permissions) : (builtinPermissions.get(r.roleId) ?? []), endsAt: r.roleEndsAt }))
    for (const r of roleGrants) for (const p of r.permissions) perms.add(p)
    return {
      membershipId: m.membershipId,
      accountId: m.accountId,
      accountName: m.accountName,
      status: m.status,
      path: m.path,
      kind: m.kind,
      level: m.level,
      permissions: [...perms],
      scope: parseScope(m.scope),
      endsAt: m.endsAt,
      roleGrants,
      roleIds: mine.map((r) => r.roleId),
      roleNames: mine.flatMap((r) => {
        const name = r.roleName ?? builtinRoleNames.get(r.roleId)
        return name ? [name] : []
      }),
      parent: m.parentId && m.parentName ? { id: m.parentId, name: m.parentName } : null,
    }
  })
}
