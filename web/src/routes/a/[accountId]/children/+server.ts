import { api, nextPage } from '$lib/server/api'
import type { RequestHandler } from './$types'

/** The next page of an account's children (each with its owner or pending owner invitation, disable reason and `canUndo`), for "Load more" on the section pages. */
export const GET: RequestHandler = async (event) => {
  const limit = Math.min(Math.max(Number(event.url.searchParams.get('limit')) || 25, 1), 200)
  const cursor = event.url.searchParams.get('cursor')
  const result = await api(event).children(event.params.accountId, { limit, cursor })
  return nextPage(result)
}
