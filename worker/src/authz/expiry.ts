import type { Permission } from './catalogue.ts'
import type { Actor, MembershipGrant, Scope, TargetAccount, TimedRole } from './decide.ts'
import { canGrantActing, scopeWithin, type Grant, type GrantDecision, type GrantDenial } from './grants.ts'

/**
 * Access that ends by itself (docs/decisions/023). A membership and each role
 * a member holds may carry an end; from that moment on it grants nothing.
 * Pure: no I/O. The loaders already drop what has ended (SQL, on every
 * request); these functions answer the questions about the future that a
 * grant with an end raises.
 */

/** How many days before an end the person and whoever set it are told. */
export const END_REMINDER_DAYS = 3

const ended = (endsAt: number | null | undefined, t: number) => endsAt !== null && endsAt !== undefined && endsAt <= t

/**
 * The grants as they will stand at time `t`: memberships ended by then are
 * gone, and a membership's permissions keep only what roles still held at
 * `t` give. Never more than now, and less as `t` grows (access only ends;
 * it never starts later).
 */
export function grantsAt<M extends MembershipGrant>(grants: readonly M[], t: number): M[] {
  const out: M[] = []
  for (const g of grants) {
    if (ended(g.endsAt, t)) continue
    const roles = g.roleGrants
    if (!roles || !roles.some((r) => ended(r.endsAt, t))) {
      out.push(g)
      continue
    }
    const live = roles.filter((r) => !ended(r.endsAt, t))
    out.push({ ...g, roleGrants: live, permissions: unionOf(live) })
  }
  return out
}

/** The actor as their grants will stand at time `t` (the impersonator's too). */
export function actorAt(actor: Actor, t: number): Actor {
  return { grants: grantsAt(actor.grants, t), ceiling: actor.ceiling && grantsAt(actor.ceiling, t) }
}

function unionOf(roles: readonly Pick<TimedRole, 'permissions'>[]): Permission[] {
  const set = new Set<Permission>()
  for (const r of roles) for (const p of r.permissions) set.add(p)
  return [...set]
}

/** What a member holds, or would hold, in one account, with the ends of the membership and of each role. */
export interface TimedGrant {
  level: Grant['level']
  scope: Scope
  endsAt: number | null
  roles: readonly TimedRole[]
}

/** A timed grant at time `t`: null once the membership has ended; otherwise the roles still held. */
export function grantAt(g: TimedGrant, t: number): Grant | null {
  if (ended(g.endsAt, t)) return null
  return { level: g.level, scope: g.scope, permissions: unionOf(g.roles.filter((r) => !ended(r.endsAt, t))) }
}

/** Whether anything about when the grant ends differs from `current` (a new member: whether it ends at all). */
export function endsChanged(current: TimedGrant | null, proposed: TimedGrant): boolean {
  if (!current) return proposed.endsAt !== null || proposed.roles.some((r) => r.endsAt !== null)
  if (current.endsAt !== proposed.endsAt) return true
  const before = new Map(current.roles.map((r) => [r.id, r.endsAt]))
  return proposed.roles.some((r) => before.has(r.id) && before.get(r.id) !== r.endsAt)
}

/**
 * The moments at which something relevant changes before the proposed
 * access ends: now, and every end (of the grantor's, the impersonator's,
 * the current and the proposed grants) between now and that end. Between two
 * of them nothing changes, so checking each is checking every moment.
 */
function checkpoints(now: number, until: number | null, grants: readonly (readonly MembershipGrant[] | null)[], timed: readonly (TimedGrant | null)[]) {
  const points = new Set<number>([now])
  const add = (at: number | null | undefined) => {
    if (at !== null && at !== undefined && at > now && (until === null || at < until)) points.add(at)
  }
  for (const list of grants) for (const g of list ?? []) {
    add(g.endsAt)
    for (const r of g.roleGrants ?? []) add(r.endsAt)
  }
  for (const g of timed) {
    if (!g) continue
    add(g.endsAt)
    for (const r of g.roles) add(r.endsAt)
  }
  return [...points].sort((a, b) => a - b)
}

const never = { count: 0, cap: Number.POSITIVE_INFINITY }

const day = (t: number) => new Date(t).toISOString().slice(0, 10)

/**
 * May the principal give `proposed` (a new member, an invitation, or a change
 * of a member whose grant is `target.current`) with its ends? Rule 6 over
 * time: what the change adds must be within the grantor's reach **at every
 * moment it lasts** — nobody hands out access that outlives their own right
 * to grant it (while impersonating, the impersonator's too). Setting or
 * moving an end is a grant of the whole access it concerns: only someone who
 * could grant that access may decide when it ends (never one's own). Owners
 * never end. Today's rules (levels, admin cap, scope) are `canGrantActing`'s.
 */
export function canGrantTimed(
  actor: Actor,
  account: TargetAccount,
  target: { self: boolean; current: TimedGrant | null },
  proposed: TimedGrant,
  admins: { count: number; cap: number },
  now: number,
): GrantDecision {
  const { current } = target
  const at = grantAt(proposed, now)
  if (!at) return deny(422, 'level_restriction', 'endsAt', 'The end date must be in the future.')
  const expired = proposed.roles.find((r) => ended(r.endsAt, now))
  if (expired) return deny(422, 'level_restriction', 'endsAt', `The end of role ${expired.id} must be in the future.`)
  const today = canGrantActing(actorAt(actor, now), account, { self: target.self, current: current && grantAt(current, now) }, at, admins)
  if (!today.ok) return today
  const moved = endsChanged(current, proposed)
  if (moved && target.self) return deny(403, 'self_change', 'endsAt', 'You cannot set when your own access ends.')
  if (moved && proposed.level === 'owner') return deny(422, 'level_restriction', 'endsAt', 'An owner’s membership does not end by itself.')
  const wholeMoved = !current || current.endsAt !== proposed.endsAt
  const keptRoles = new Map((current?.roles ?? []).map((r) => [r.id, r.endsAt]))
  for (const t of checkpoints(now, proposed.endsAt, [actor.grants, actor.ceiling], [current, proposed])) {
    const next = grantAt(proposed, t)
    if (!next) continue
    // What the member would hold at `t` without this change, as far as the change leaves it alone.
    let base: Grant | null = null
    if (!wholeMoved && current && !ended(current.endsAt, t)) {
      const untouched = proposed.roles.filter((r) => keptRoles.has(r.id) && keptRoles.get(r.id) === r.endsAt && !ended(r.endsAt, t))
      base = { level: current.level, scope: current.scope, permissions: unionOf(untouched) }
    }
    // Nothing added at `t` (the change leaves that moment as it was): nothing to be allowed.
    if (base && !adds(base, next)) continue
    const decision = canGrantActing(actorAt(actor, t), account, { self: false, current: base }, next, never)
    if (!decision.ok) {
      return deny(
        403,
        'escalation',
        'endsAt',
        t === now
          ? `Only someone who could grant this access may set when it ends: ${decision.detail}`
          : `You can grant this access only until ${day(t)} (when your own right to grant it ends); choose an end date no later than that.`,
      )
    }
  }
  return { ok: true }
}

/** Whether `next` holds anything `base` does not: a level, a permission or a service. */
function adds(base: Grant, next: Grant) {
  const had = new Set(base.permissions)
  return next.level !== base.level || next.permissions.some((p) => !had.has(p)) || !scopeWithin(next.scope, base.scope)
}

const deny = (status: 403 | 422, code: GrantDenial['code'], field: GrantDenial['field'], detail: string): GrantDenial => ({ ok: false, status, code, field, detail })
