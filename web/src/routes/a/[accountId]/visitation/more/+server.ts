import { error, json } from '@sveltejs/kit'
import { visitFiltersFrom, visitsApi } from '$lib/server/visits'
import type { RequestHandler } from './$types'
import { problemMessage } from '$lib/problem'

/** The next page of the visits list (same filters as the page), for "Load more". */
export const GET: RequestHandler = async (event) => {
  const result = await visitsApi(event).list(event.params.accountId, visitFiltersFrom(event.url), event.url.searchParams.get('cursor'))
  if (!result.ok) error(result.status === 401 || result.status === 404 ? result.status : 502, problemMessage(result.problem))
  return json(result.data, { headers: { 'cache-control': 'private, no-store' } })
}
