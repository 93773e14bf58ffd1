import { and, eq, ne } from 'drizzle-orm'
import { isPermission, type Permission } from '../authz/catalogue.ts'
import type { MembershipGrant } from '../authz/decide.ts'
import { builtinRoles } from '../authz/roles.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import { parseScope } from './scope.ts'

const { accounts, memberships, membershipRoles, roles } = schema

const builtinByKey = new Map<string, readonly Permission[]>(builtinRoles.map((r) => [r.key, r.permissions]))

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
  roleIds: string[]
}

/**
 * Every membership of a user with the facts the decision needs: account path
 * and kind, level, the union of its roles' permissions, and its scope. One
 * round trip (a batch of two reads).
 */
export async function loadGrants(db: DB, userId: string): Promise<LoadedGrant[]> {
  const [rows, roleRows] = await db.batch([
    db
      .select({
        // No two selected columns may share a name: D1 batches return rows as objects.
        membershipId: memberships.id,
        accountId: memberships.accountId,
        path: accounts.path,
        kind: accounts.kind,
        level: memberships.level,
        scope: memberships.scope,
      })
      .from(memberships)
      .innerJoin(accounts, eq(accounts.id, memberships.accountId))
      .where(and(eq(memberships.userId, userId), ne(accounts.status, 'deleted'))),
    db
      .select({ membershipId: membershipRoles.membershipId, roleId: membershipRoles.roleId, permissions: roles.permissions })
      .from(membershipRoles)
      .innerJoin(memberships, eq(memberships.id, membershipRoles.membershipId))
      .leftJoin(roles, eq(roles.id, membershipRoles.roleId))
      .where(eq(memberships.userId, userId)),
  ])
  return rows.map((m) => {
    const mine = roleRows.filter((r) => r.membershipId === m.membershipId)
    const perms = new Set<Permission>()
    for (const r of mine) for (const p of r.permissions ? parsePermissions(r.permissions) : (builtinByKey.get(r.roleId) ?? [])) perms.add(p)
    return {
      membershipId: m.membershipId,
      accountId: m.accountId,
      path: m.path,
      kind: m.kind,
      level: m.level,
      permissions: [...perms],
      scope: parseScope(m.scope),
      roleIds: mine.map((r) => r.roleId),
    }
  })
}
