import { api, nextPage } from '$lib/server/api'
import { ACTIVITY_PAGE_SIZE, activityFiltersFrom, activityQueryOf } from '$lib/server/activity'
import type { RequestHandler } from './$types'

/** The next page of the activity list (same filters as the page), for "Load more". */
export const GET: RequestHandler = async (event) => {
  const cursor = event.url.searchParams.get('cursor')
  const query = activityQueryOf(activityFiltersFrom(event.url))
  const result = await api(event).activity(event.params.accountId, query, { limit: ACTIVITY_PAGE_SIZE, cursor })
  return nextPage(result, [401, 403, 404])
}
