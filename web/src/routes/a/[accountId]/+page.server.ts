import { m } from '$lib/paraglide/messages.js'
import { api, unwrap } from '$lib/server/api'
import { resellerApi } from '$lib/server/resellers'
import { commerce } from '$lib/server/commerce'
import type { ChildrenPage } from '$lib/types'
import type { PageServerLoad } from './$types'

/** How many children the dashboard previews; the section page lists them all. */
const PREVIEW = 6
/** How many recent events the dashboard shows; the activity page has the rest. */
const RECENT = 6

/** What needs attention here: the API's counts for the tree the person may see, usage, children and the latest events. */
export const load: PageServerLoad = async (event) => {
  const id = event.params.accountId
  const client = api(event)
  // Fetched alongside the layout's data rather than after it; each part is shown only where the menu offers its section.
  const [{ account, menu }, dashboard, page, usage, recent] = await Promise.all([
    event.parent(),
    client.dashboard(id),
    client.children(id, { limit: PREVIEW }),
    resellerApi(event).usage(id),
    client.activity(id, {}, { limit: RECENT }),
  ])
  // Orders: a customer's own pending ones; a parent's, those waiting for its approval.
  const purchasing = menu.find((item) => item.key === 'purchasing')
  const receiving = account.kind !== 'customer'
  const orders = purchasing ? await (receiving ? commerce(event).receivedOrders(id, 'pending', { limit: 5 }) : commerce(event).orders(id, 'pending', { limit: 5 })) : null
  const section = (key: string) => menu.find((item) => item.key === key) ?? null
  const childrenSection = section(account.kind === 'platform' ? 'resellers' : 'customers')
  const children: ChildrenPage | null = childrenSection && account.kind !== 'customer' && page.ok ? page.data : null
  return {
    dashboard: unwrap(event, dashboard, m.common_account_not_found()),
    children,
    childrenSection,
    usage: account.kind === 'reseller' && usage.ok ? usage.data : null,
    recent: section('activity') && recent.ok ? recent.data.items : null,
    orders: orders?.ok ? { page: orders.data, receiving, href: `/a/${id}/purchasing${receiving ? '' : '?tab=orders'}` } : null,
    paths: {
      services: section('services')?.path ?? null,
      customers: section('customers')?.path ?? null,
      resellers: section('resellers')?.path ?? null,
      staff: section('staff')?.path ?? null,
      activity: section('activity')?.path ?? null,
      branding: section('branding')?.path ?? null,
      support: section('support')?.path ?? null,
    },
  }
}
