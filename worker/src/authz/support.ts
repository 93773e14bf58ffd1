import type { MembershipGrant, TargetAccount } from './decide.ts'

/**
 * Support tickets, pure rules (docs/decisions/018). A ticket sits between two
 * accounts: the one that asked (the customer's side) and its parent, whose
 * staff answer it from their queue. Who may do what is `support.view` /
 * `support.contact` in the account of the route (decided by `can`: only owners
 * and admins hold `support.contact`); these rules add which side a route's
 * account is and what each side may change.
 */

export type TicketSide = 'customer' | 'staff'

/** The side of the ticket the route's account is on, or null when the ticket is not this account's (answered as not found). */
export function sideOf(ticket: { accountId: string; parentId: string }, accountId: string): TicketSide | null {
  if (ticket.accountId === accountId) return 'customer'
  if (ticket.parentId === accountId) return 'staff'
  return null
}

export type SupportDenial = { ok: false; code: 'forbidden' | 'not_found'; detail: string }
export type SupportDecision = { ok: true } | SupportDenial

/**
 * Writing as the customer (opening a ticket, replying, closing it from the
 * customer's side) is for the customer's own people — someone acting as one
 * of them included — never for staff reaching the account from above: they
 * answer from their own queue, so every message says truthfully which side wrote it.
 */
export function mayWriteAsCustomer(via: Pick<MembershipGrant, 'accountId'>, account: Pick<TargetAccount, 'id' | 'kind'>): SupportDecision {
  if (account.kind === 'platform') return { ok: false, code: 'not_found', detail: 'The platform has no parent account to ask for support.' }
  if (via.accountId !== account.id) {
    return { ok: false, code: 'forbidden', detail: 'Tickets are opened and answered on the customer’s side by its own people; answer it from your support queue.' }
  }
  return { ok: true }
}

/** The changes a side may make to a ticket besides replying. */
export interface TicketChange {
  status?: 'open' | 'waiting' | 'closed'
  priority?: string
  assigneeId?: string | null
}

/**
 * What each side may change: the customer may close or reopen its ticket;
 * the staff may also mark it waiting for the customer, change its priority
 * and assign it. Returns the first field that is not theirs to change.
 */
export function mayChangeTicket(side: TicketSide, change: TicketChange): SupportDecision & { field?: string } {
  if (side === 'staff') return { ok: true }
  if (change.status === 'waiting') return { ok: false, code: 'forbidden', detail: 'Only the support staff mark a ticket as waiting for the customer.', field: 'status' }
  if (change.priority !== undefined) return { ok: false, code: 'forbidden', detail: 'The support staff set the priority once a ticket is open.', field: 'priority' }
  if (change.assigneeId !== undefined) return { ok: false, code: 'forbidden', detail: 'Only the support staff assign tickets.', field: 'assigneeId' }
  return { ok: true }
}

/** The status a reply leaves the ticket in: a customer's reply wants an answer, the staff's waits for the customer. */
export function statusAfterReply(side: TicketSide): 'open' | 'waiting' {
  return side === 'customer' ? 'open' : 'waiting'
}
