import { unwrap } from '$lib/server/api'
import { commerce, invoiceStatusFrom } from '$lib/server/commerce'
import { problemFailure, requireSection } from '$lib/server/forms'
import { LIST_PAGE_SIZE } from '$lib/server/list-filters'
import { m } from '$lib/paraglide/messages.js'
import type { Actions, PageServerLoad } from './$types'

export type BillingView = 'invoices' | 'expiring' | 'expired'
const VIEWS: readonly BillingView[] = ['invoices', 'expiring', 'expired']

/** The totals, and one page of the list the tab shows: invoices (optionally one status), or services expiring soon or expired. */
export const load: PageServerLoad = async (event) => {
  const id = event.params.accountId
  const api = commerce(event)
  const params = event.url.searchParams
  const view = VIEWS.includes(params.get('view') as BillingView) ? (params.get('view') as BillingView) : 'invoices'
  const status = invoiceStatusFrom(params.get('status'))
  const cursor = params.get('cursor')
  const summaryCall = api.billingSummary(id)
  const invoicesCall = view === 'invoices' ? api.invoices(id, status, { limit: LIST_PAGE_SIZE, cursor }) : null
  const servicesCall = view !== 'invoices' ? api.dueServices(id, view, { limit: LIST_PAGE_SIZE, cursor }) : null
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'billing')
  const summary = unwrap(event, await summaryCall, m.commerce_account_not_found())
  return {
    section,
    canManage: section.actions.includes('manage'),
    summary,
    view,
    status: status ?? null,
    continued: Boolean(cursor),
    invoices: invoicesCall ? unwrap(event, await invoicesCall, m.commerce_account_not_found()) : null,
    services: servicesCall ? unwrap(event, await servicesCall, m.commerce_account_not_found()) : null,
  }
}

export const actions: Actions = {
  sync: async (event) => {
    const result = await commerce(event).syncInvoices(event.params.accountId)
    if (!result.ok) return problemFailure(event, result, [])
    return { sync: result.data }
  },
}
