import { error, json } from '@sveltejs/kit'
import { commerce, ORDERS_PAGE_SIZE, statusOf } from '$lib/server/commerce'
import type { RequestHandler } from './$types'
import { problemMessage } from '$lib/problem'

/** The next page of an orders tab (the same filter), for "Load more". */
export const GET: RequestHandler = async (event) => {
  const tab = event.url.searchParams.get('tab') === 'received' ? 'received' : 'orders'
  const page = { limit: ORDERS_PAGE_SIZE, cursor: event.url.searchParams.get('cursor') }
  const status = statusOf(event.url, tab)
  const api = commerce(event)
  const result = tab === 'received' ? await api.receivedOrders(event.params.accountId, status, page) : await api.orders(event.params.accountId, status, page)
  if (!result.ok) error(result.status === 401 || result.status === 404 ? result.status : 502, problemMessage(result.problem))
  return json(result.data, { headers: { 'cache-control': 'private, no-store' } })
}
