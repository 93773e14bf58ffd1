import { nextPage } from '$lib/server/api'
import { transferFiltersFrom, transfersApi } from '$lib/server/transfers'
import type { RequestHandler } from './$types'

/** The next page of the transfers list (same filters as the page), for "Load more". */
export const GET: RequestHandler = async (event) => {
  const result = await transfersApi(event).list(event.params.accountId, transferFiltersFrom(event.url), event.url.searchParams.get('cursor'))
  return nextPage(result)
}
