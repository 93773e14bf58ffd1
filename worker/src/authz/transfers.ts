import type { MembershipLevel } from '../../../db/schema/memberships.ts'

/** The two customers of a transfer, its parent, and who proposed it. */
export interface TransferParties {
  parentId: string
  fromAccountId: string
  toAccountId: string
  proposedFromId: string
}

/** The caller as a transfer rule sees it: the route's account, the membership it reaches it through, and whether it acts for someone. */
export interface TransferCaller {
  accountId: string
  via: { accountId: string; level: MembershipLevel }
  impersonating: boolean
}

export type SideDecision = { ok: true; side: 'from' | 'to' } | { ok: false; code: 'forbidden' | 'impersonation_restricted'; detail: string }

/**
 * Who may confirm or decline a transfer for one of its customers: that
 * customer's owner, in their own account and in person. A partner reaching
 * the customer from above, an admin, or anyone acting as the owner cannot give
 * the customer's consent to lose or receive a service.
 */
export function ownerSide(caller: TransferCaller, t: TransferParties): SideDecision {
  const side = caller.accountId === t.fromAccountId ? 'from' : caller.accountId === t.toAccountId ? 'to' : null
  if (!side) return { ok: false, code: 'forbidden', detail: 'Only the owners of the two customers confirm or decline a transfer.' }
  if (caller.via.accountId !== caller.accountId || caller.via.level !== 'owner') {
    return { ok: false, code: 'forbidden', detail: 'Only the owner of this customer may confirm or decline the transfer.' }
  }
  if (caller.impersonating) return { ok: false, code: 'impersonation_restricted', detail: 'A transfer is confirmed by the customer’s owner in person, not by someone acting as them.' }
  return { ok: true, side }
}

/**
 * Who may propose a transfer from a customer account itself: its owner in
 * person (from the parent, `transfers.manage` there is enough).
 */
export function customerMayPropose(caller: TransferCaller): SideDecision {
  return ownerSide(caller, { parentId: '', fromAccountId: caller.accountId, toAccountId: '', proposedFromId: caller.accountId })
}

/**
 * Who may cancel a pending transfer: the parent (with `transfers.manage`,
 * which the route's guard checked), or the owner of the customer that
 * proposed it.
 */
export function mayCancel(caller: TransferCaller, t: TransferParties, parentManages: boolean): { ok: true } | { ok: false; code: 'forbidden' | 'impersonation_restricted'; detail: string } {
  if (caller.accountId === t.parentId) return parentManages ? { ok: true } : { ok: false, code: 'forbidden', detail: 'You need the transfers.manage permission.' }
  if (caller.accountId !== t.proposedFromId) return { ok: false, code: 'forbidden', detail: 'Only whoever proposed the transfer may cancel it; decline it instead.' }
  const owner = ownerSide(caller, t)
  return owner.ok ? { ok: true } : owner
}
