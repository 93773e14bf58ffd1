import { nextPage } from '$lib/server/api'
import { commerce, ORDERS_PAGE_SIZE, statusOf } from '$lib/server/commerce'
import type { RequestHandler } from './$types'

/** The next page of an orders tab (the same filter), for "Load more". */
export const GET: RequestHandler = async (event) => {
  const tab = event.url.searchParams.get('tab') === 'received' ? 'received' : 'orders'
  const page = { limit: ORDERS_PAGE_SIZE, cursor: event.url.searchParams.get('cursor') }
  const status = statusOf(event.url, tab)
  const api = commerce(event)
  const result = tab === 'received' ? await api.receivedOrders(event.params.accountId, status, page) : await api.orders(event.params.accountId, status, page)
  return nextPage(result)
}
