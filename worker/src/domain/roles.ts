import { and, count, eq, inArray, sql } from 'drizzle-orm'
import type { Permission } from '../authz/catalogue.ts'
import { builtinPermissions, builtinRoles } from '../authz/roles.ts'
import { newId } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import { DomainError } from '../errors.ts'
import { parsePermissions } from './grants.ts'

const { roles, membershipRoles, memberships } = schema

export interface RoleView {
  id: string
  name: string
  description: string
  permissions: Permission[]
  builtin: boolean
  members: number
  /** Whether user-level members hold it (then it may not gain non-technical permissions). */
  heldByUsers: boolean
}

/** Member counts per role id in one account. */
async function memberCounts(db: DB, accountId: string) {
  const rows = await db
    .select({ roleId: membershipRoles.roleId, n: count(), users: sql<number>`sum(${memberships.level} = 'user')` })
    .from(membershipRoles)
    .innerJoin(memberships, eq(memberships.id, membershipRoles.membershipId))
    .where(eq(memberships.accountId, accountId))
    .groupBy(membershipRoles.roleId)
  return new Map(rows.map((r) => [r.roleId, { members: r.n, heldByUsers: Number(r.users) > 0 }]))
}

const usage = (counts: Map<string, { members: number; heldByUsers: boolean }>, id: string) => counts.get(id) ?? { members: 0, heldByUsers: false }

/** Built-in roles first, then the account's custom roles by name. */
export async function listRoles(db: DB, accountId: string): Promise<RoleView[]> {
  const [custom, counts] = await Promise.all([
    db.select().from(roles).where(eq(roles.accountId, accountId)).orderBy(roles.name),
    memberCounts(db, accountId),
  ])
  return [
    ...builtinRoles.map((r) => ({ id: r.key, name: r.name, description: r.description, permissions: [...r.permissions], builtin: true, ...usage(counts, r.key) })),
    ...custom.map((r) => ({ id: r.id, name: r.name, description: r.description, permissions: parsePermissions(r.permissions), builtin: false, ...usage(counts, r.id) })),
  ]
}

/** One custom role of the account, or undefined. */
export function getCustomRole(db: DB, accountId: string, roleId: string) {
  return db.select().from(roles).where(and(eq(roles.id, roleId), eq(roles.accountId, accountId))).get()
}

/** True when a custom role of that name exists in the account (other than `exceptId`). */
export async function roleNameTaken(db: DB, accountId: string, name: string, exceptId?: string) {
  const row = await db.select({ id: roles.id }).from(roles).where(and(eq(roles.accountId, accountId), eq(roles.name, name))).get()
  return !!row && row.id !== exceptId
}

export async function createRole(db: DB, accountId: string, input: { name: string; description: string; permissions: Permission[] }) {
  const id = newId('rol')
  await db.insert(roles).values({ id, accountId, name: input.name, description: input.description, permissions: JSON.stringify(input.permissions) })
  return id
}

export async function updateRole(db: DB, roleId: string, input: { name?: string; description?: string; permissions?: Permission[] }) {
  await db
    .update(roles)
    .set({
      ...(input.name !== undefined && { name: input.name }),
      ...(input.description !== undefined && { description: input.description }),
      ...(input.permissions !== undefined && { permissions: JSON.stringify(input.permissions) }),
      updatedAt: Date.now(),
    })
    .where(eq(roles.id, roleId))
}

/** Delete a custom role; members holding it lose it in the same batch. */
export async function deleteRole(db: DB, roleId: string) {
  await db.batch([db.delete(membershipRoles).where(eq(membershipRoles.roleId, roleId)), db.delete(roles).where(eq(roles.id, roleId))])
}

/** The memberships of an account that hold a role, with their level. */
export async function holdersOfRole(db: DB, accountId: string, roleId: string) {
  return db
    .select({ id: memberships.id, level: memberships.level })
    .from(membershipRoles)
    .innerJoin(memberships, eq(memberships.id, membershipRoles.membershipId))
    .where(and(eq(membershipRoles.roleId, roleId), eq(memberships.accountId, accountId)))
}

/**
 * A custom role of the account, or the refusal: built-in roles are read-only
 * (`forbidden`, saying why with `builtinDetail`), other ids are not found.
 */
export async function customRoleOrRefusal(db: DB, accountId: string, roleId: string, builtinDetail: string) {
  const existing = await getCustomRole(db, accountId, roleId)
  if (existing) return existing
  const builtin = (await listRoles(db, accountId)).some((r) => r.builtin && r.id === roleId)
  throw builtin ? new DomainError('forbidden', builtinDetail) : new DomainError('not_found', 'No role with that id.')
}

/**
 * Resolve role ids for a membership of `accountId`: built-in keys or custom
 * roles of that same account. Unknown ids come back in `unknown`.
 */
export async function resolveRoles(db: DB, accountId: string, roleIds: readonly string[]) {
  const customIds = roleIds.filter((id) => !builtinPermissions.has(id))
  const custom = customIds.length
    ? await db.select().from(roles).where(and(eq(roles.accountId, accountId), inArray(roles.id, customIds)))
    : []
  const customById = new Map(custom.map((r) => [r.id, parsePermissions(r.permissions)]))
  const unknown = customIds.filter((id) => !customById.has(id))
  const permissions = new Set<Permission>()
  const byRole = new Map<string, readonly Permission[]>()
  for (const id of roleIds) {
    const held = builtinPermissions.get(id) ?? customById.get(id) ?? []
    byRole.set(id, held)
    for (const p of held) permissions.add(p)
  }
  return { permissions: [...permissions], unknown, byRole }
}
