import type { Context } from 'hono'
import type { Permission } from '../authz/catalogue.ts'
import { can, type TargetAccount, type TargetService } from '../authz/decide.ts'
import { reachingMembership } from '../authz/tenancy.ts'
import { getAccount } from '../domain/accounts.ts'
import type { AppEnv } from '../env.ts'
import { AppError } from '../errors.ts'
import { requirePrincipal } from './session.ts'

export type AccountContext = Awaited<ReturnType<typeof loadAccountContext>>

/**
 * Load an account the caller may reach, with the caller's grants. Anything
 * outside the caller's trees answers 404, exactly like an id that does not
 * exist, so other tenants' ids cannot be probed.
 */
export async function loadAccountContext(c: Context<AppEnv>, accountId: string) {
  const principal = requirePrincipal(c)
  const grants = principal.memberships
  const account = await getAccount(c.var.db, accountId)
  const via = account ? reachingMembership(grants, account.path) : null
  if (!account || !via) throw new AppError(404, 'not_found', 'No account with that id.')
  return { principal, account, grants, via }
}

/**
 * The one guard every route uses: ask the decision function and turn a
 * refusal into its problem. Returns the membership that allowed it.
 */
export function authorize(ctx: AccountContext, permission: Permission, service?: TargetService, account: TargetAccount = ctx.account) {
  const decision = can(ctx.grants, permission, account, service)
  if (!decision.ok) throw new AppError(decision.status, decision.code, decision.detail)
  return decision.via
}

/** Load the account and require one permission in it. */
export async function requirePermission(c: Context<AppEnv>, accountId: string, permission: Permission) {
  const ctx = await loadAccountContext(c, accountId)
  authorize(ctx, permission)
  return ctx
}
