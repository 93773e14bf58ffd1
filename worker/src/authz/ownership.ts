import type { MembershipLevel } from '../../../db/schema/memberships.ts'

/**
 * Who may move ownership (docs/decisions/026). Both moves are the consent of
 * an account's owner, in person: someone reaching the account from above, an
 * admin, or anyone acting as the owner cannot give it.
 */

/** The caller as these rules see it: the route's account, the membership it reaches it through, and whether it acts for someone. */
export interface OwnerCaller {
  accountId: string
  via: { accountId: string; level: MembershipLevel }
  impersonating: boolean
}

export type OwnerDecision = { ok: true } | { ok: false; code: 'forbidden' | 'impersonation_restricted'; detail: string }

/** The account's own owner, in person. */
export function isOwnerInPerson(caller: OwnerCaller, what: string): OwnerDecision {
  if (caller.via.accountId !== caller.accountId || caller.via.level !== 'owner') return { ok: false, code: 'forbidden', detail: `Only the owner of this account may ${what}.` }
  if (caller.impersonating) return { ok: false, code: 'impersonation_restricted', detail: `Only the owner in person may ${what}, not someone acting as them.` }
  return { ok: true }
}

/** May the caller offer the account to `target` (one of its members)? Only to an admin, never to themselves. */
export function mayOfferOwnership(caller: OwnerCaller, target: { level: MembershipLevel; self: boolean }): OwnerDecision | { ok: false; code: 'validation_failed'; detail: string } {
  const owner = isOwnerInPerson(caller, 'hand over ownership')
  if (!owner.ok) return owner
  if (target.self) return { ok: false, code: 'validation_failed', detail: 'You already own this account; choose one of its admins.' }
  if (target.level !== 'admin') return { ok: false, code: 'validation_failed', detail: 'Ownership goes to an admin of the account; make them an admin first.' }
  return { ok: true }
}

/** May a signed-in person answer an offer made to `toUserId`? The person it names, in person. */
export function mayAnswerOffer(person: { userId: string; impersonating: boolean }, toUserId: string): OwnerDecision {
  if (person.impersonating) return { ok: false, code: 'impersonation_restricted', detail: 'Only the person it was offered to may answer, not someone acting as them.' }
  if (person.userId !== toUserId) return { ok: false, code: 'forbidden', detail: 'This offer was made to someone else.' }
  return { ok: true }
}
