import { error, json } from '@sveltejs/kit'
import { api } from '$lib/server/api'
import { filtersFrom, SERVICES_PAGE_SIZE } from '$lib/server/services'
import type { RequestHandler } from './$types'
import { problemMessage } from '$lib/problem'

/** The next page of the services list (same filters as the page), for "Load more". */
export const GET: RequestHandler = async (event) => {
  const cursor = event.url.searchParams.get('cursor')
  const result = await api(event).services(event.params.accountId, filtersFrom(event.url), { limit: SERVICES_PAGE_SIZE, cursor })
  if (!result.ok) error(result.status === 401 || result.status === 404 ? result.status : 502, problemMessage(result.problem))
  return json(result.data, { headers: { 'cache-control': 'private, no-store' } })
}
