import { nextPage } from '$lib/server/api'
import { LIST_PAGE_SIZE } from '$lib/server/list-filters'
import { commerce, invoiceStatusFrom } from '$lib/server/commerce'
import type { RequestHandler } from './$types'

/** The next page of the Billing page's list (the same tab and filter), for "Load more". */
export const GET: RequestHandler = async (event) => {
  const params = event.url.searchParams
  const cursor = params.get('cursor')
  const view = params.get('view')
  const api = commerce(event)
  const result =
    view === 'expiring' || view === 'expired'
      ? await api.dueServices(event.params.accountId, view, { limit: LIST_PAGE_SIZE, cursor })
      : await api.invoices(event.params.accountId, invoiceStatusFrom(params.get('status')), { limit: LIST_PAGE_SIZE, cursor })
  return nextPage(result)
}
