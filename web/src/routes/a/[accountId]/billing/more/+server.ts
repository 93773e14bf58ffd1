import { error, json } from '@sveltejs/kit'
import { commerce, invoiceStatusFrom } from '$lib/server/commerce'
import type { RequestHandler } from './$types'
import { problemMessage } from '$lib/problem'

const PAGE = 25

/** The next page of the Billing page's list (the same tab and filter), for "Load more". */
export const GET: RequestHandler = async (event) => {
  const params = event.url.searchParams
  const cursor = params.get('cursor')
  const view = params.get('view')
  const api = commerce(event)
  const result =
    view === 'expiring' || view === 'expired'
      ? await api.dueServices(event.params.accountId, view, { limit: PAGE, cursor })
      : await api.invoices(event.params.accountId, invoiceStatusFrom(params.get('status')), { limit: PAGE, cursor })
  if (!result.ok) error(result.status === 401 || result.status === 404 ? result.status : 502, problemMessage(result.problem))
  return json(result.data, { headers: { 'cache-control': 'private, no-store' } })
}
