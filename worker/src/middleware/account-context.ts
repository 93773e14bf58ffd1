import type { Context } from 'hono'
import type { Permission } from '../authz/catalogue.ts'
import { canActing, type TargetAccount, type TargetService } from '../authz/decide.ts'
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
  // Rule 8: a disabled account shuts out the people of its own subtree (those above it still reach it).
  if (account.blocked && via.path.startsWith(account.blocked.path)) throw suspended(account.blocked)
  return { principal, account, grants, via }
}

/** The problem people of a disabled tree get; the reason only where the platform chose to show it. */
export function suspended(block: { name: string; reason: string | null; showReason: boolean }) {
  const why = block.showReason && block.reason ? ` Reason: ${block.reason}` : ''
  return new AppError(403, 'account_suspended', `${block.name} is suspended.${why}`, {
    reason: block.showReason ? block.reason : null,
  })
}

/**
 * The one guard every route uses: ask the decision function and turn a
 * refusal into its problem. Returns the membership that allowed it.
 */
export function authorize(ctx: AccountContext, permission: Permission, service?: TargetService, account: TargetAccount = ctx.account) {
  // An account below the context shares its tree's access (the reseller's).
  const target = account.allowedSections || !ctx.account.allowedSections ? account : { ...account, allowedSections: ctx.account.allowedSections }
  const decision = decide(ctx, permission, target, service)
  if (!decision.ok) throw new AppError(decision.status, decision.code, decision.detail)
  return decision.via
}

/**
 * The decision for this caller. While impersonating, the target's grants
 * decide and the impersonator's own grants are a ceiling: both must allow it.
 */
export function decide(ctx: Pick<AccountContext, 'grants' | 'principal'>, permission: Permission, account: TargetAccount, service?: TargetService) {
  return canActing(ctx.grants, ctx.principal.impersonation?.ceiling ?? null, permission, account, service)
}

/** Load the account and require one permission in it. */
export async function requirePermission(c: Context<AppEnv>, accountId: string, permission: Permission) {
  const ctx = await loadAccountContext(c, accountId)
  authorize(ctx, permission)
  return ctx
}
