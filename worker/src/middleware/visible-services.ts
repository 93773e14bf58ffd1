import type { AccountKind } from '../../../db/schema/accounts.ts'
import { reachingMembership } from '../authz/tenancy.ts'
import { decide, type Access } from './access.ts'

/** Which kinds below this account the caller may read services of: asked of the decision function itself. */
export function readableKinds(ctx: Access): AccountKind[] {
  return (['reseller', 'customer'] as AccountKind[]).filter((kind) => decide(ctx, 'services.view', { id: '', path: `${ctx.account.path}~/`, kind }).ok)
}

/** While impersonating, the impersonator's own scope narrows what is visible too (never more than they could see). */
export function ceilingScope(ctx: Access) {
  if (!ctx.ceiling) return null
  const via = reachingMembership(ctx.ceiling, ctx.account.path)
  return !via || via.level === 'owner' ? null : via.scope
}

/** The caller's own scope in the route's account (owners see everything). */
export function ownScope(ctx: Access) {
  return ctx.via.level === 'owner' ? null : ctx.via.scope
}
