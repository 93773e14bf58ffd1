import { canActing, eachLayer, inScope, type Actor, type Decision, type Denial, type TargetAccount, type TargetService } from './decide.ts'
import { reachingMembership } from './tenancy.ts'

export type PlacementDecision =
  | { ok: true; partnerAccess: boolean }
  | { ok: false; status: 403 | 404; code: Denial['code']; field: 'partnerAccess' | 'tags' | null; detail: string }

/**
 * May the caller create a service with these facts in `account`? They need
 * `services.manage` there; the new service must lie inside their scope (and,
 * while impersonating, inside the impersonator's too), so nobody creates what
 * they could not see afterwards; and partner access (consent) can only be
 * turned on by the owning account's own members, never by a partner or an
 * impersonator. Omitted partner access follows the customer's own default
 * when the caller belongs to it, else starts off.
 */
export function canCreateService(
  actor: Actor,
  account: TargetAccount & { partnerAccessDefault: boolean },
  facts: { groupId: string | null; tags: readonly string[]; partnerAccess?: boolean | undefined },
): PlacementDecision {
  const decision = canActing(actor, 'services.manage', account)
  if (!decision.ok) return { ...decision, field: null }
  const own = decision.via.accountId === account.id
  if (facts.partnerAccess && (!own || actor.ceiling)) {
    return { ok: false, status: 403, code: 'forbidden', field: 'partnerAccess', detail: 'Only the customer can grant partner access.' }
  }
  const partnerAccess = facts.partnerAccess ?? (own && account.partnerAccessDefault)
  if (!withinScope(actor, account, { id: '', groupId: facts.groupId, tags: facts.tags, partnerAccess })) {
    return { ok: false, status: 403, code: 'forbidden', field: 'tags', detail: 'The new service would be outside your scope; give it a tag or group you may reach.' }
  }
  return { ok: true, partnerAccess }
}

/**
 * Does a service with these facts lie inside the caller's scope in `account`
 * (and, while impersonating, inside the impersonator's)? Owners reach every
 * service. A change that moves a service must keep it here.
 */
export function withinScope(actor: Actor, account: { path: string }, service: TargetService): boolean {
  return eachLayer(actor).every((grants) => {
    const via = reachingMembership(grants, account.path)
    return !!via && (via.level === 'owner' || inScope(via.scope, service))
  })
}

/**
 * May the caller change a service's partner access (the customer's consent)?
 * Only with `services.manage` held in the owning account itself, and never on
 * someone else's behalf.
 */
export function canChangeConsent(actor: Actor, owner: TargetAccount, service: TargetService): Decision {
  if (actor.ceiling) return { ok: false, status: 403, code: 'impersonation_restricted', detail: 'Consent is the customer’s own decision; it cannot be changed on their behalf.' }
  const decision = canActing(actor, 'services.manage', owner, { ...service, partnerAccess: true })
  if (!decision.ok || decision.via.accountId !== owner.id) return { ok: false, status: 403, code: 'forbidden', detail: 'Only the customer who owns the service can change partner access.' }
  return decision
}

/**
 * May the caller create, rename or delete the service groups of `account`?
 * Groups are part of other members' scopes (a scope may select groups), so
 * shaping them needs `services.manage` and a reach over every service of the
 * account (owner, or scope `all`) — for the impersonator too while impersonating.
 * Putting a service into a group is a change of that service instead
 * (`services.manage` on it, and it must stay inside the caller's scope).
 */
export function canShapeGroups(actor: Actor, account: TargetAccount): Decision {
  const decision = canActing(actor, 'services.manage', account)
  if (!decision.ok) return decision
  const unscoped = eachLayer(actor).every((grants) => {
    const via = reachingMembership(grants, account.path)
    return !!via && (via.level === 'owner' || via.scope.mode === 'all')
  })
  if (!unscoped) return { ok: false, status: 403, code: 'forbidden', detail: 'Service groups shape other members’ access; changing them needs access to every service of the account.' }
  return decision
}
