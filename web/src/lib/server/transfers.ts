/** The Transfers section's calls to the API, typed by the API's contract. */
import type { RequestEvent } from '@sveltejs/kit'
import type { components } from '$lib/api/openapi'
import { client, settle } from './api'
import { LIST_PAGE_SIZE, searchAndStatus, type SearchAndStatus } from './list-filters'

export type Transfer = components['schemas']['Transfer']
export type TransferStatus = Transfer['status']

export type TransferFilters = SearchAndStatus<TransferStatus>

const STATUSES: readonly TransferStatus[] = ['pending', 'completed', 'declined', 'cancelled']

export function transferFiltersFrom(url: URL): TransferFilters {
  return searchAndStatus(url, STATUSES)
}

export function transfersApi(event: RequestEvent) {
  const c = client(event)
  const path = (id: string, tid: string) => ({ params: { path: { id, tid } } })
  return {
    list: (id: string, filters: TransferFilters, cursor?: string | null) =>
      settle('transfers', c.GET('/api/v1/accounts/{id}/transfers', { params: { path: { id }, query: { ...filters, limit: LIST_PAGE_SIZE, ...(cursor ? { cursor } : {}) } } })),
    propose: (id: string, body: { serviceId: string; toAccountId: string; note?: string }) =>
      settle('propose transfer', c.POST('/api/v1/accounts/{id}/transfers', { params: { path: { id } }, body })),
    confirm: (id: string, tid: string) => settle('confirm transfer', c.POST('/api/v1/accounts/{id}/transfers/{tid}/confirm', path(id, tid))),
    decline: (id: string, tid: string, reason: string) =>
      settle('decline transfer', c.POST('/api/v1/accounts/{id}/transfers/{tid}/decline', { ...path(id, tid), body: reason ? { reason } : {} })),
    cancel: (id: string, tid: string) => settle('cancel transfer', c.POST('/api/v1/accounts/{id}/transfers/{tid}/cancel', { ...path(id, tid), body: {} })),
  }
}
