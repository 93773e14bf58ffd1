/** Ownership moves: an owner's offer to an admin, and a reseller's request to bring an organisation in (typed by the API's contract). */
import { error, redirect, type RequestEvent } from '@sveltejs/kit'
import { m } from '$lib/paraglide/messages.js'
import type { components } from '$lib/api/openapi'
import { client, hasSession, loginUrl, settle, type ApiResult } from './api'

export type Ownership = components['schemas']['Ownership']
export type MoveRequest = components['schemas']['CustomerMoveRequest']

/** What a link page says when its offer opens nothing: expired, closed (answered or withdrawn), not valid, or the API not answering. */
interface ClosedOfferWords {
  expired: () => string
  closed: () => string
  invalid: () => string
  cannotOpen: () => string
}

/**
 * What an emailed offer's link shows (an ownership offer, a move request), for someone signed in: to
 * sign in first otherwise; a link that opens nothing is an error page saying why.
 */
async function openOffer<T>(event: RequestEvent, preview: () => Promise<ApiResult<T>>, words: ClosedOfferWords): Promise<T> {
  if (!hasSession(event)) redirect(303, loginUrl(event))
  const answer = await preview()
  if (answer.ok) return answer.data
  if (answer.status === 401) redirect(303, loginUrl(event))
  if (answer.status >= 500) error(502, words.cannotOpen())
  if (answer.problem.code === 'offer_expired') error(410, words.expired())
  if (answer.problem.code === 'offer_closed') error(410, words.closed())
  error(404, words.invalid())
}

/** An owner's offer of the account, as its link opens it. */
export function openOwnershipOffer(event: RequestEvent, token: string) {
  return openOffer(event, () => ownershipApi(event).preview(token), {
    expired: m.signedout_offer_expired,
    closed: m.signedout_offer_closed,
    invalid: m.signedout_offer_invalid,
    cannotOpen: m.signedout_offer_cannot_open,
  })
}

/** A partner's request to bring an organisation under it, as its link opens it. */
export function openMoveRequest(event: RequestEvent, token: string) {
  return openOffer(event, () => ownershipApi(event).previewMove(token), {
    expired: m.signedout_move_expired,
    closed: m.signedout_move_closed,
    invalid: m.signedout_move_invalid,
    cannotOpen: m.signedout_move_cannot_open,
  })
}

export function ownershipApi(event: RequestEvent) {
  const c = client(event)
  const account = (id: string) => ({ params: { path: { id } } })
  const token = (t: string) => ({ params: { path: { token: t } } })
  return {
    get: (id: string) => settle('ownership', c.GET('/api/v1/accounts/{id}/ownership', account(id))),
    offer: (id: string, body: { memberId: string; password: string }) => settle('offer ownership', c.POST('/api/v1/accounts/{id}/ownership/offer', { ...account(id), body })),
    cancel: (id: string) => settle('cancel ownership offer', c.DELETE('/api/v1/accounts/{id}/ownership/offer', account(id))),
    acceptInApp: (id: string) => settle('accept ownership', c.POST('/api/v1/accounts/{id}/ownership/offer/accept', account(id))),
    declineInApp: (id: string) => settle('decline ownership', c.POST('/api/v1/accounts/{id}/ownership/offer/decline', account(id))),
    preview: (t: string) => settle('ownership offer', c.GET('/api/v1/ownership-offers/{token}', token(t))),
    accept: (t: string) => settle('accept ownership', c.POST('/api/v1/ownership-offers/{token}/accept', token(t))),
    decline: (t: string) => settle('decline ownership', c.POST('/api/v1/ownership-offers/{token}/decline', token(t))),
    requestMove: (id: string, email: string) => settle('request move', c.POST('/api/v1/accounts/{id}/customer-moves', { ...account(id), body: { email } })),
    moves: (id: string) => settle('moves', c.GET('/api/v1/accounts/{id}/customer-moves', account(id))),
    cancelMove: (id: string, moveId: string) => settle('withdraw move', c.DELETE('/api/v1/accounts/{id}/customer-moves/{moveId}', { params: { path: { id, moveId } } })),
    previewMove: (t: string) => settle('move request', c.GET('/api/v1/customer-moves/{token}', token(t))),
    acceptMove: (t: string, organisationId: string) => settle('accept move', c.POST('/api/v1/customer-moves/{token}/accept', { ...token(t), body: { organisationId } })),
    declineMove: (t: string) => settle('decline move', c.POST('/api/v1/customer-moves/{token}/decline', token(t))),
  }
}
