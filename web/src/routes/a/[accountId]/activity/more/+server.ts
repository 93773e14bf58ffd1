import { error, json } from '@sveltejs/kit'
import { api } from '$lib/server/api'
import { ACTIVITY_PAGE_SIZE, activityFiltersFrom, activityQueryOf } from '$lib/server/activity'
import type { RequestHandler } from './$types'
import { problemMessage } from '$lib/problem'

/** The next page of the activity list (same filters as the page), for "Load more". */
export const GET: RequestHandler = async (event) => {
  const cursor = event.url.searchParams.get('cursor')
  const query = activityQueryOf(activityFiltersFrom(event.url))
  const result = await api(event).activity(event.params.accountId, query, { limit: ACTIVITY_PAGE_SIZE, cursor })
  if (!result.ok) error(result.status === 401 || result.status === 403 || result.status === 404 ? result.status : 502, problemMessage(result.problem))
  return json(result.data, { headers: { 'cache-control': 'private, no-store' } })
}
