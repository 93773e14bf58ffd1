/** Ownership moves: an owner's offer to an admin, and a reseller's request to bring an organisation in (typed by the API's contract). */
import type { RequestEvent } from '@sveltejs/kit'
import type { components } from '$lib/api/openapi'
import { client, settle } from './api'

export type Ownership = components['schemas']['Ownership']
export type MoveRequest = components['schemas']['CustomerMoveRequest']

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
