import type { MembershipLevel } from '../../../db/schema/memberships.ts'
import type { AccountKind } from '../../../db/schema/accounts.ts'
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
  const held = effectivePermissions(grantor)
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
