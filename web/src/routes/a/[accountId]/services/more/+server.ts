import { api, nextPage } from '$lib/server/api'
import { filtersFrom, SERVICES_PAGE_SIZE } from '$lib/server/services'
import type { RequestHandler } from './$types'

/** The next page of the services list (same filters as the page), for "Load more". */
export const GET: RequestHandler = async (event) => {
  const cursor = event.url.searchParams.get('cursor')
  const result = await api(event).services(event.params.accountId, filtersFrom(event.url), { limit: SERVICES_PAGE_SIZE, cursor })
  return nextPage(result)
}
