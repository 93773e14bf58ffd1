import { nextPage } from '$lib/server/api'
import { visitFiltersFrom, visitsApi } from '$lib/server/visits'
import type { RequestHandler } from './$types'

/** The next page of the visits list (same filters as the page), for "Load more". */
export const GET: RequestHandler = async (event) => {
  const result = await visitsApi(event).list(event.params.accountId, visitFiltersFrom(event.url), event.url.searchParams.get('cursor'))
  return nextPage(result)
}
