/**
 * The Visitation section's calls to the API (sites, visit requests), typed by
 * the API's contract like every call of `$lib/server/api`.
 */
import type { RequestEvent } from '@sveltejs/kit'
import type { components } from '$lib/api/openapi'
import type { BodyOf } from '$lib/types'
import { client, settle } from './api'
import { LIST_PAGE_SIZE, searchAndStatus, type SearchAndStatus } from './list-filters'

export type Visit = components['schemas']['Visit']
export type Site = components['schemas']['Site']
export type VisitStatus = Visit['status']

/** The list filters as the page's query string holds them. */
export interface VisitFilters extends SearchAndStatus<VisitStatus> {
  upcoming?: boolean
}

const STATUSES: readonly VisitStatus[] = ['pending', 'approved', 'declined', 'cancelled']

export function visitFiltersFrom(url: URL): VisitFilters {
  return {
    ...searchAndStatus(url, STATUSES),
    ...(url.searchParams.get('upcoming') === 'true' ? { upcoming: true } : {}),
  }
}

export function visitsApi(event: RequestEvent) {
  const c = client(event)
  const account = (id: string) => ({ params: { path: { id } } })
  return {
    list: (id: string, filters: VisitFilters, cursor?: string | null) =>
      settle(
        'visits',
        c.GET('/api/v1/accounts/{id}/visits', {
          params: {
            path: { id },
            query: { ...(filters.q ? { q: filters.q } : {}), ...(filters.status ? { status: filters.status } : {}), ...(filters.upcoming ? { upcoming: 'true' as const } : {}), limit: LIST_PAGE_SIZE, ...(cursor ? { cursor } : {}) },
          },
        }),
      ),
    get: (id: string, vid: string) => settle('visit', c.GET('/api/v1/accounts/{id}/visits/{vid}', { params: { path: { id, vid } } })),
    request: (id: string, body: BodyOf<'/api/v1/accounts/{id}/visits', 'post'>) =>
      settle('request visit', c.POST('/api/v1/accounts/{id}/visits', { ...account(id), body })),
    approve: (id: string, vid: string) => settle('approve visit', c.POST('/api/v1/accounts/{id}/visits/{vid}/approve', { params: { path: { id, vid } } })),
    decline: (id: string, vid: string, reason: string) =>
      settle('decline visit', c.POST('/api/v1/accounts/{id}/visits/{vid}/decline', { params: { path: { id, vid } }, body: { reason } })),
    cancel: (id: string, vid: string) => settle('cancel visit', c.POST('/api/v1/accounts/{id}/visits/{vid}/cancel', { params: { path: { id, vid } } })),
    sites: (id: string) => settle('sites', c.GET('/api/v1/accounts/{id}/sites', account(id))),
    visitSites: (id: string) => settle('visit sites', c.GET('/api/v1/accounts/{id}/visit-sites', account(id))),
    createSite: (id: string, body: { name: string; address: string }) => settle('create site', c.POST('/api/v1/accounts/{id}/sites', { ...account(id), body })),
    updateSite: (id: string, siteId: string, body: { name?: string; address?: string }) =>
      settle('update site', c.PATCH('/api/v1/accounts/{id}/sites/{siteId}', { params: { path: { id, siteId } }, body })),
    deleteSite: (id: string, siteId: string) => settle('delete site', c.DELETE('/api/v1/accounts/{id}/sites/{siteId}', { params: { path: { id, siteId } } })),
  }
}
