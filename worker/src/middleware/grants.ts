import { fieldError } from '../errors.ts'
import type { Context } from 'hono'
import { canGrantTimed, type TimedGrant } from '../authz/expiry.ts'
import type { Grant } from '../authz/grants.ts'
import { adminCapacity } from '../domain/members.ts'
import { resolveRoles } from '../domain/roles.ts'
import type { AppEnv } from '../env.ts'
import { LimitReached } from '../domain/limits.ts'
import type { Access } from './access.ts'

/** A grant as a request proposes it: roles by id, and optional ends (ms) of the membership and of single roles. */
export interface ProposedGrant extends Omit<Grant, 'permissions'> {
  roleIds: string[]
  endsAt?: number | null
  roleEnds?: Readonly<Record<string, number | null>>
}

/** A member's grant as it stands, with its ends (null for a new member or an invitation). */
export interface CurrentGrant extends Omit<Grant, 'permissions'> {
  roleIds: string[]
  endsAt: number | null
  roleEnds: Readonly<Record<string, number | null>>
}

/**
 * Check a proposed grant (a new member, an invitation, a change of level,
 * roles, scope or of when any of it ends) with the decision module: the roles
 * must exist in this account, an end must lie ahead, and the grant must pass
 * for the caller at every moment it lasts — and, while impersonating, for the
 * impersonator too (authz/expiry.ts). Throws the problem that names the field.
 */
export async function assertGrant<E extends AppEnv>(
  c: Context<E>,
  access: Access,
  target: { self: boolean; current: CurrentGrant | null },
  proposed: ProposedGrant,
  now = Date.now(),
) {
  const { current } = target
  const ids = [...new Set([...proposed.roleIds, ...(current?.roleIds ?? [])])]
  const { unknown, byRole } = await resolveRoles(c.var.db, access.account.id, ids)
  const missing = unknown.filter((id) => proposed.roleIds.includes(id))
  if (missing.length) throw fieldError('validation_failed', 'roles', `Unknown role: ${missing.join(', ')}.`)
  const stray = Object.keys(proposed.roleEnds ?? {}).filter((id) => !proposed.roleIds.includes(id))
  if (stray.length) throw fieldError('validation_failed', 'roleEnds', `An end date is given for a role the member would not hold: ${stray.join(', ')}.`)
  if (proposed.endsAt != null && proposed.endsAt <= now) throw fieldError('validation_failed', 'endsAt', 'The end date must be in the future.')
  for (const [id, at] of Object.entries(proposed.roleEnds ?? {})) {
    if (at != null && at <= now) throw fieldError('validation_failed', 'roleEnds', `The end date of role ${id} must be in the future.`)
  }
  const timed = (g: { level: Grant['level']; scope: Grant['scope']; roleIds: string[]; endsAt: number | null; roleEnds: Readonly<Record<string, number | null>> }): TimedGrant => ({
    level: g.level,
    scope: g.scope,
    endsAt: g.endsAt,
    roles: g.roleIds.map((id) => ({ id, permissions: byRole.get(id) ?? [], endsAt: g.roleEnds[id] ?? null })),
  })
  const next = timed({
    ...proposed,
    endsAt: proposed.endsAt === undefined ? (current?.endsAt ?? null) : proposed.endsAt,
    // A role kept without a new end keeps the one it had; a role given anew lasts unless told otherwise.
    roleEnds: Object.fromEntries(proposed.roleIds.map((id) => [id, proposed.roleEnds && id in proposed.roleEnds ? proposed.roleEnds[id]! : (current?.roleEnds[id] ?? null)])),
  })
  const decision = canGrantTimed(
    access,
    access.account,
    { self: target.self, current: current && timed(current) },
    next,
    await adminCapacity(c.var.db, access.account.id),
    now,
  )
  if (!decision.ok && decision.code === 'limit_reached') throw new LimitReached('max_admins', access.account.path, decision.field)
  if (!decision.ok) throw fieldError(decision.code, decision.field, decision.detail)
  return { endsAt: next.endsAt, roleEnds: Object.fromEntries(next.roles.map((r) => [r.id, r.endsAt])) }
}
