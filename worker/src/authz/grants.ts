import type { MembershipLevel } from '../../../db/schema/memberships.ts'
import { sectionOf, type Permission } from './catalogue.ts'
import { effectivePermissions, type MembershipGrant, type Scope } from './decide.ts'

const rank: Record<MembershipLevel, number> = { owner: 3, admin: 2, user: 1 }

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
  field: 'level' | 'roles' | 'scope' | 'member'
}
export type GrantDecision = { ok: true } | GrantDenial

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
 * May `grantor` (a direct member of the account) give `proposed` to a member
 * whose current grant is `current` (null for a new member)? Rule 3 and rule 6:
 * nobody grants a level, permission or scope beyond their own, nobody changes
 * their own level or roles, users hold technical permissions only, and the
 * admin cap holds on every path.
 */
export function canGrant(
  grantor: MembershipGrant,
  target: { self: boolean; current: Grant | null },
  proposed: Grant,
  admins: { count: number; cap: number },
): GrantDecision {
  const { current } = target
  if (target.self && current) {
    const sameRoles = [...current.permissions].sort().join() === [...proposed.permissions].sort().join()
    if (current.level !== proposed.level || !sameRoles) return deny(403, 'self_change', 'member', 'You cannot change your own level or roles.')
  }
  if (current && rank[current.level] > rank[grantor.level]) {
    return deny(403, 'escalation', 'member', 'You cannot change a member above your own level.')
  }
  if (proposed.level === 'owner' && grantor.level !== 'owner') {
    return deny(403, 'escalation', 'level', 'Only the owner can hand over ownership.')
  }
  if (rank[proposed.level] > rank[grantor.level]) {
    return deny(403, 'escalation', 'level', `You cannot grant the ${proposed.level} level.`)
  }
  if (proposed.level === 'user') {
    // support.contact is technical but simply not conferred on users (effectivePermissions drops it).
    const bad = proposed.permissions.filter((p) => sectionOf(p).category !== 'technical')
    if (bad.length) {
      return deny(422, 'level_restriction', 'roles', `User-level members hold technical permissions only; remove ${bad.join(', ')}.`)
    }
  }
  const held = effectivePermissions(grantor)
  const beyond = proposed.permissions.filter((p) => !held.has(p))
  if (beyond.length) return deny(403, 'escalation', 'roles', `You cannot grant permissions you do not hold: ${beyond.join(', ')}.`)
  if (grantor.level !== 'owner' && !scopeWithin(proposed.scope, grantor.scope)) {
    return deny(403, 'escalation', 'scope', 'You cannot grant a scope wider than your own.')
  }
  if (proposed.level === 'admin' && current?.level !== 'admin' && admins.count >= admins.cap) {
    return deny(422, 'limit_reached', 'level', `This account already has its maximum of ${admins.cap} admins.`)
  }
  return { ok: true }
}
