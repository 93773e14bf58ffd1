/**
 * Support tickets and the person's notifications through the API, typed by its
 * contract like every other call.
 */
import type { RequestEvent } from '@sveltejs/kit'
import { client, settle } from './api'
import type { BodyOf, QueryOf } from '$lib/types'

export type TicketQuery = QueryOf<'/api/v1/accounts/{id}/tickets', 'get'>

/** Tickets, and the signed-in person's inbox and email choices, bound to one request. */
export function supportApi(event: RequestEvent) {
  const c = client(event)
  const ticket = (id: string, ticketId: string) => ({ params: { path: { id, ticketId } } })
  return {
    tickets: (id: string, query: TicketQuery) => settle('tickets', c.GET('/api/v1/accounts/{id}/tickets', { params: { path: { id }, query } })),
    openTicket: (id: string, body: BodyOf<'/api/v1/accounts/{id}/tickets', 'post'>) =>
      settle('open ticket', c.POST('/api/v1/accounts/{id}/tickets', { params: { path: { id } }, body })),
    ticket: (id: string, ticketId: string) => settle('ticket', c.GET('/api/v1/accounts/{id}/tickets/{ticketId}', ticket(id, ticketId))),
    reply: (id: string, ticketId: string, body: string) =>
      settle('reply', c.POST('/api/v1/accounts/{id}/tickets/{ticketId}/messages', { ...ticket(id, ticketId), body: { body } })),
    changeTicket: (id: string, ticketId: string, body: BodyOf<'/api/v1/accounts/{id}/tickets/{ticketId}', 'patch'>) =>
      settle('change ticket', c.PATCH('/api/v1/accounts/{id}/tickets/{ticketId}', { ...ticket(id, ticketId), body })),

    notices: (query: QueryOf<'/api/v1/me/notifications', 'get'>) => settle('notices', c.GET('/api/v1/me/notifications', { params: { query } })),
    markRead: (ids?: string[]) => settle('mark read', c.POST('/api/v1/me/notifications/read', { body: ids ? { ids } : {} })),
    mySubscriptions: (id: string) => settle('my subscriptions', c.GET('/api/v1/accounts/{id}/notifications/subscriptions', { params: { path: { id } } })),
    setMySubscriptions: (id: string, types: BodyOf<'/api/v1/accounts/{id}/notifications/subscriptions', 'put'>['types']) =>
      settle('set my subscriptions', c.PUT('/api/v1/accounts/{id}/notifications/subscriptions', { params: { path: { id } }, body: { types } })),
  }
}
