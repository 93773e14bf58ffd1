import type { MembershipLevel } from '../../../db/schema/memberships.ts'
import { can, type MembershipGrant, type TargetAccount } from './decide.ts'
import { reachingMembership } from './tenancy.ts'

const rank: Record<MembershipLevel, number> = { owner: 3, admin: 2, user: 1 }

export type ImpersonationDecision =
  | { ok: true; via: MembershipGrant }
  | { ok: false; status: 403 | 404; detail: string; via: MembershipGrant | null }

/**
 * Rule 7 — may this person act as `target` in `account`? Only downwards:
 * - in the same account: `staff.impersonate`, and the target at a lower level;
 * - in an account below: `customers.impersonate` (a customer) or
 *   `resellers.impersonate` (a reseller), held in the impersonator's own account.
 * Never sideways (not reachable → 404), never upwards, never oneself.
 */
export function canImpersonate(
  grants: readonly MembershipGrant[],
  self: { id: string },
  account: TargetAccount,
  target: { userId: string; level: MembershipLevel },
): ImpersonationDecision {
  const via = reachingMembership(grants, account.path)
  if (!via) return { ok: false, status: 404, detail: 'No account with that id.', via: null }
  if (target.userId === self.id) return { ok: false, status: 403, detail: 'You cannot impersonate yourself.', via }
  const own: TargetAccount = { id: via.accountId, path: via.path, kind: via.kind }
  if (via.accountId === account.id) {
    if (!can(grants, 'staff.impersonate', account).ok) return { ok: false, status: 403, detail: 'You need the staff.impersonate permission.', via }
    if (via.level === 'owner' ? target.level === 'owner' : rank[target.level] >= rank[via.level]) {
      return { ok: false, status: 403, detail: 'You can only impersonate people at a lower level than yours.', via }
    }
    return { ok: true, via }
  }
  const permission = account.kind === 'reseller' ? 'resellers.impersonate' : 'customers.impersonate'
  if (!can(grants, permission, own).ok) return { ok: false, status: 403, detail: `You need the ${permission} permission.`, via }
  return { ok: true, via }
}

/**
 * Webhooks and log streams send the account's activity out of the portal and
 * their signing secrets are shown once: someone acting as a member may look at
 * them, never add, change, test, resend, rotate or delete one.
 */
export function mayChangeIntegrations(impersonating: boolean): { ok: true } | { ok: false; detail: string } {
  return impersonating ? { ok: false, detail: 'Integrations cannot be changed while acting on someone else’s behalf.' } : { ok: true }
}
