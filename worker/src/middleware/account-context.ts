import type { Context } from 'hono'
import { reachingMembership } from '../authz/tenancy.ts'
import { getAccount, listMembershipsOfUser } from '../domain/accounts.ts'
import type { AppEnv } from '../env.ts'
import { AppError } from '../errors.ts'
import { requirePrincipal } from './session.ts'

/**
 * Load an account the caller may reach and the membership that reaches it.
 * Anything outside the caller's trees answers 404, exactly like an id that
 * does not exist, so other tenants' ids cannot be probed.
 */
export async function loadAccountContext(c: Context<AppEnv>, accountId: string) {
  const principal = requirePrincipal(c)
  const [account, memberships] = await Promise.all([
    getAccount(c.var.db, accountId),
    listMembershipsOfUser(c.var.db, principal.user.id),
  ])
  const via = account ? reachingMembership(memberships, account.path) : null
  if (!account || !via) throw new AppError(404, 'not_found', 'No account with that id.')
  return { principal, account, via }
}
