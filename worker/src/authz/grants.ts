import type { MembershipLevel } from '../../../db/schema/memberships.ts'
import type { AccountKind } from '../../../db/schema/accounts.ts'
import { permissions as allPermissions, sectionOf, type Permission } from './catalogue.ts'
import { can, canActing, eachLayer, effectivePermissions, type Actor, type MembershipGrant, type Scope, type TargetAccount } from './decide.ts'
import { canImpersonate } from './impersonation.ts'
import { reachingMembership } from './tenancy.ts'

/** Levels from highest to lowest: nobody acts on a member above their own level. */
export const rank: Record<MembershipLevel, number> = { owner: 3, admin: 2, user: 1 }

/** What a grant gives a member of one account. */
export interface Grant {
  level: MembershipLevel
  permissions: readonly Permission[]
  scope: Scope
}

export type GrantDenial = {
  ok: false
  status: 403 | 422
  code: 'escalation' | 'self_change' | 'level_restriction' | 'limit_reached'
  detail: string
  field: 'level' | 'roles' | 'scope' | 'member' | 'permissions' | 'endsAt'
}
export type GrantDecision = { ok: true } | GrantDenial

/** A member acted on: their level, and whether they are the actor themselves. */
export interface MemberTarget {
  level: MembershipLevel
  self: boolean
}

const deny = (status: 403 | 422, code: GrantDenial['code'], field: GrantDenial['field'], detail: string): GrantDenial => ({
  ok: false,
  status,
  code,
  field,
  detail,
})

/** True when scope `inner` reaches nothing that `outer` does not. */
export function scopeWithin(inner: Scope, outer: Scope): boolean {
  if (inner.mode === 'none' || outer.mode === 'all') return true
  if (outer.mode === 'none' || inner.mode === 'all') return false
  if (inner.mode === 'selected' && outer.mode === 'selected') {
    return inner.services.every((s) => outer.services.includes(s)) && inner.groups.every((g) => outer.groups.includes(g))
  }
  if (inner.mode === 'tagged' && outer.mode === 'tagged') return inner.tags.every((t) => outer.tags.includes(t))
  return false
}

/**
 * May `grantor` give `proposed` to a member of an account of kind `target.kind`
 * whose current grant is `target.current` (null for a new member)? Rule 3 and
 * rule 6: nobody grants a level, permission or scope beyond their own, nobody
 * changes their own level or roles, users hold technical permissions only, and
 * the admin cap holds on every path. Only what a change *adds* must be within
 * the grantor's own reach: narrowing someone, or leaving untouched what they
 * already hold, is never an escalation. Permissions of sections that do not
 * exist for the account's kind are ignored (they confer nothing there).
 */
export function canGrant(
  grantor: MembershipGrant,
  target: { self: boolean; current: Grant | null; kind: AccountKind },
  proposed: Grant,
  admins: { count: number; cap: number },
  held: ReadonlySet<Permission> = effectivePermissions(grantor),
): GrantDecision {
  const { current } = target
  const inTier = (list: readonly Permission[]) => list.filter((p) => (sectionOf(p).tiers as readonly AccountKind[]).includes(target.kind))
  const next = inTier(proposed.permissions)
  const before = new Set(current ? inTier(current.permissions) : [])
  if (target.self && current) {
    const sameRoles = next.length === before.size && next.every((p) => before.has(p))
    if (current.level !== proposed.level || !sameRoles) return deny(403, 'self_change', 'member', 'You cannot change your own level or roles.')
  }
  if (current && rank[current.level] > rank[grantor.level]) {
    return deny(403, 'escalation', 'member', 'You cannot change a member above your own level.')
  }
  if (proposed.level === 'owner' && grantor.level !== 'owner') {
    return deny(403, 'escalation', 'level', 'Only the owner can hand over ownership.')
  }
  if (proposed.level !== current?.level && rank[proposed.level] > rank[grantor.level]) {
    return deny(403, 'escalation', 'level', `You cannot grant the ${proposed.level} level.`)
  }
  if (proposed.level === 'user') {
    // support.contact is technical but simply not conferred on users (effectivePermissions drops it).
    const bad = next.filter((p) => sectionOf(p).category !== 'technical')
    if (bad.length) {
      return deny(422, 'level_restriction', 'roles', `User-level members hold technical permissions only; remove ${bad.join(', ')}.`)
    }
  }
  const beyond = next.filter((p) => !before.has(p) && !held.has(p))
  if (beyond.length) return deny(403, 'escalation', 'roles', `You cannot grant permissions you do not hold: ${beyond.join(', ')}.`)
  const widens = !current || !scopeWithin(proposed.scope, current.scope)
  if (grantor.level !== 'owner' && widens && !scopeWithin(proposed.scope, grantor.scope)) {
    return deny(403, 'escalation', 'scope', 'You cannot grant a scope wider than your own.')
  }
  if (proposed.level === 'admin' && current?.level !== 'admin' && admins.count >= admins.cap) {
    return deny(422, 'limit_reached', 'level', `This account already has its maximum of ${admins.cap} admins.`)
  }
  return { ok: true }
}

/** Every permission the decision function lets these grants exercise in `account` (inheritance, tiers and the tree's access included). */
export function heldIn(memberships: readonly MembershipGrant[], account: TargetAccount): Set<Permission> {
  return new Set(allPermissions.filter((p) => can(memberships, p, account).ok))
}

/**
 * `canGrant` for a principal in `account`: the membership that reaches it
 * decides; while impersonating (`ceiling` = the impersonator's own grants),
 * the impersonator's own reach there must allow the same grant, so nothing
 * created on someone's behalf — a member, an invitation, a role — ever goes
 * beyond what the impersonator could have given themselves (rule 7).
 */
export function canGrantActing(
  { grants, ceiling }: Actor,
  account: TargetAccount,
  target: { self: boolean; current: Grant | null },
  proposed: Grant,
  admins: { count: number; cap: number },
): GrantDecision {
  const via = reachingMembership(grants, account.path)
  if (!via) return deny(403, 'escalation', 'member', 'You cannot grant anything in this account.')
  const decision = canGrant(via, { ...target, kind: account.kind }, proposed, admins)
  if (!decision.ok || !ceiling) return decision
  const limit = reachingMembership(ceiling, account.path)
  if (!limit) return deny(403, 'escalation', 'member', 'You cannot grant anything in this account.')
  return canGrant(limit, { ...target, kind: account.kind }, proposed, admins, heldIn(ceiling, account))
}

/**
 * The permissions a principal may put into a role of `account`: those of the
 * membership that reaches it, and while impersonating only those the
 * impersonator may exercise there too.
 */
export function grantablePermissions({ grants, ceiling }: Actor, account: TargetAccount): Set<Permission> {
  const via = reachingMembership(grants, account.path)
  const own = via ? effectivePermissions(via) : new Set<Permission>()
  if (!ceiling) return own
  const limit = heldIn(ceiling, account)
  return new Set([...own].filter((p) => limit.has(p)))
}

/** Of these permissions, those a user-level member may hold: technical ones only (the rule canGrant enforces). */
export function forUsers(permissions: Iterable<Permission>): Permission[] {
  return [...permissions].filter((p) => sectionOf(p).category === 'technical')
}

/**
 * May a role of `account` hold `proposed` after an edit (rule 6 and rule 3)?
 * Only what the edit adds must be grantable by the editor; a role held by
 * user-level members never gains non-technical permissions.
 */
export function canWriteRole(actor: Actor, account: TargetAccount, role: { had: readonly Permission[]; proposed: readonly Permission[]; heldByUsers: boolean }): GrantDecision {
  const had = new Set(role.had)
  const grantable = grantablePermissions(actor, account)
  const beyond = role.proposed.filter((p) => !had.has(p) && !grantable.has(p))
  if (beyond.length) return deny(403, 'escalation', 'permissions', `You cannot grant permissions you do not hold: ${beyond.join(', ')}.`)
  const nonTechnical = role.proposed.filter((p) => sectionOf(p).category !== 'technical')
  if (role.heldByUsers && nonTechnical.length) {
    return deny(422, 'level_restriction', 'permissions', `User-level members hold this role; they cannot have ${nonTechnical.join(', ')}.`)
  }
  return { ok: true }
}

/**
 * May a principal remove member `target` of `account`? Never the owner,
 * never oneself, never someone above one's own level — nor above the
 * impersonator's, while impersonating.
 */
export function canRemoveMember(actor: Actor, account: { path: string }, target: MemberTarget): GrantDecision {
  if (target.level === 'owner') return deny(403, 'escalation', 'member', 'The owner of an account cannot be removed.')
  if (target.self) return deny(403, 'self_change', 'member', 'You cannot remove yourself.')
  for (const grants of eachLayer(actor)) {
    const via = reachingMembership(grants, account.path)
    if (!via || rank[target.level] > rank[via.level]) return deny(403, 'escalation', 'member', 'You cannot remove a member above your own level.')
  }
  return { ok: true }
}

/** What the caller may do to one member row: the staff page shows exactly these actions. */
export interface MemberActions {
  edit: boolean
  remove: boolean
  impersonate: boolean
  notifications: boolean
  /** End every session of the member's login (security.manage, only below oneself). */
  signOut: boolean
}

/**
 * The actions a principal may take on member `target` of `account`. Asked of
 * the same rules the routes enforce: `staff.manage` and never above one's own
 * level (nor the impersonator's) to edit or remove; rule 7 to impersonate
 * (never while already impersonating); one's own notification settings, or
 * anyone's with `staff.manage`.
 */
export function memberActions(actor: Actor, account: TargetAccount, self: { id: string }, target: { userId: string; level: MembershipLevel }): MemberActions {
  const manage = canActing(actor, 'staff.manage', account).ok
  const member: MemberTarget = { level: target.level, self: target.userId === self.id }
  const reachAbove = eachLayer(actor).every((grants) => {
    const via = reachingMembership(grants, account.path)
    return !!via && rank[target.level] <= rank[via.level]
  })
  return {
    edit: manage && target.level !== 'owner' && reachAbove,
    remove: manage && canRemoveMember(actor, account, member).ok,
    impersonate: !actor.ceiling && canImpersonate(actor.grants, self, account, target).ok,
    notifications: (member.self && !actor.ceiling) || manage,
    signOut: canActing(actor, 'security.manage', account).ok && canEndSessionsOf(actor, account, member).ok,
  }
}

/**
 * May a principal end the sessions of member `target` of `account`? Only of
 * people below them in their tree: in their own account a lower level, in an
 * account beneath theirs anyone — and, while impersonating, below the
 * impersonator too. Never their own (their profile does that). The
 * permission (`security.manage`) is the route's guard.
 */
export function canEndSessionsOf(actor: Actor, account: { path: string }, target: MemberTarget): GrantDecision {
  if (target.self) return deny(403, 'self_change', 'member', 'End your own sessions from your profile.')
  for (const grants of eachLayer(actor)) {
    const via = reachingMembership(grants, account.path)
    if (!via) return deny(403, 'escalation', 'member', 'You cannot sign out members of this account.')
    if (via.path === account.path && rank[target.level] >= rank[via.level]) {
      return deny(403, 'escalation', 'member', 'You can sign out only members below your own level.')
    }
  }
  return { ok: true }
}
