import type { MembershipLevel } from '../../../db/schema/memberships.ts'
import type { Permission } from './catalogue.ts'
import { canActing, type Actor, type MembershipGrant, type TargetAccount, type TargetService } from './decide.ts'
import { canGrantActing, canRemoveMember, heldIn, type Grant } from './grants.ts'
import { canChangeConsent } from './services.ts'

/** The kinds of line an access review lists. */
export type ReviewLineKind = 'member' | 'role' | 'api_key' | 'inherited' | 'partner_access'

/** What removing a line would change, as the decision functions need it. */
export type ReviewLineFacts =
  | { kind: 'member'; userId: string; level: MembershipLevel }
  | { kind: 'role'; userId: string; current: Grant; without: Grant }
  | { kind: 'api_key' }
  | { kind: 'inherited'; from: string }
  | { kind: 'partner_access'; owner: TargetAccount; service: TargetService }

/** The reviewer: their grants, the impersonator's while impersonating, and their login. */
export interface Reviewer extends Actor {
  self: { id: string }
}

export type Removal = { ok: true } | { ok: false; reason: string }

const no = (reason: string): Removal => ({ ok: false, reason })

/**
 * May the reviewer remove this line of `account` in a review? Exactly what
 * removing it directly needs, asked of the same functions the direct routes
 * use: removing a member (`staff.manage` and `canRemoveMember`), taking a role
 * away (`staff.manage` and `canGrantActing` for the narrowed grant), revoking
 * a key (`security.manage`), turning partner access off (`canChangeConsent`,
 * the customer's own decision). Inherited access is changed where it is
 * granted, never from below. A review is applied by the reviewer in person:
 * nothing is removable while impersonating.
 */
export function reviewRemoval(reviewer: Reviewer, account: TargetAccount, line: ReviewLineFacts): Removal {
  if (reviewer.ceiling) return no('A review is applied by the reviewer in person, not while acting as someone else.')
  switch (line.kind) {
    case 'inherited':
      return no(`Granted in ${line.from}; review that account to change it.`)
    case 'member': {
      const manage = canActing(reviewer, 'staff.manage', account)
      if (!manage.ok) return no(manage.detail)
      const removal = canRemoveMember(reviewer, account, { level: line.level, self: line.userId === reviewer.self.id })
      return removal.ok ? removal : no(removal.detail)
    }
    case 'role': {
      const manage = canActing(reviewer, 'staff.manage', account)
      if (!manage.ok) return no(manage.detail)
      const self = line.userId === reviewer.self.id
      if (line.current.level === 'owner') return no('The owner holds everything; roles do not limit them.')
      const change = canGrantActing(reviewer, account, { self, current: line.current }, line.without, { count: 0, cap: Number.POSITIVE_INFINITY })
      return change.ok ? change : no(change.detail)
    }
    case 'api_key': {
      const manage = canActing(reviewer, 'security.manage', account)
      return manage.ok ? { ok: true } : no(manage.detail)
    }
    case 'partner_access': {
      const consent = canChangeConsent(reviewer, line.owner, line.service)
      return consent.ok ? { ok: true } : no(consent.detail)
    }
  }
}

/** May the reviewer see lines of this kind in `account` (and, for partner access, this service)? The rights of the pages that show them. */
export function reviewVisible(reviewer: Reviewer, account: TargetAccount, kind: ReviewLineKind, service?: TargetService): boolean {
  const permission: Permission = kind === 'api_key' ? 'security.view' : kind === 'partner_access' ? 'services.view' : 'staff.view'
  return canActing(reviewer, permission, account, kind === 'partner_access' ? service : undefined).ok
}

/**
 * What a principal (a person's memberships, or a key's one grant) may do in
 * `account`: every permission the decision function allows it there, through
 * the membership that reaches the account (its own, or an ancestor's with
 * `customers.*` / `resellers.*`). Empty = it cannot act there at all.
 */
export function reachIn(grants: readonly MembershipGrant[], account: TargetAccount): Permission[] {
  return [...heldIn(grants, account)]
}
