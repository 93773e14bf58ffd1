import { fieldError } from '../errors.ts'
import type { Context } from 'hono'
import { canGrantActing, type Grant } from '../authz/grants.ts'
import { adminCapacity } from '../domain/members.ts'
import { resolveRoles } from '../domain/roles.ts'
import type { AppEnv } from '../env.ts'
import { LimitReached } from '../domain/limits.ts'
import type { Access } from './access.ts'

/**
 * Check a proposed grant (a new member, an invitation, a change of level,
 * roles or scope) with the decision module: the roles must exist in this
 * account, and the grant must pass for the caller — and, while impersonating,
 * for the impersonator too. Throws the problem that names the field.
 */
export async function assertGrant<E extends AppEnv>(
  c: Context<E>,
  access: Access,
  target: { self: boolean; current: Grant | null },
  proposed: Omit<Grant, 'permissions'> & { roleIds: string[] },
) {
  const { permissions, unknown } = await resolveRoles(c.var.db, access.account.id, proposed.roleIds)
  if (unknown.length) throw fieldError('validation_failed', 'roles', `Unknown role: ${unknown.join(', ')}.`)
  const decision = canGrantActing(
    access.grants,
    access.ceiling,
    access.account,
    target,
    { level: proposed.level, permissions, scope: proposed.scope },
    await adminCapacity(c.var.db, access.account.id),
  )
  if (!decision.ok && decision.code === 'limit_reached') throw new LimitReached('max_admins', access.account.path, decision.field)
  if (!decision.ok) throw fieldError(decision.code, decision.field, decision.detail)
}
