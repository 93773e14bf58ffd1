import { api, unwrap } from '$lib/server/api'
import { resellerApi } from '$lib/server/resellers'
import type { ChildrenPage } from '$lib/types'
import type { PageServerLoad } from './$types'

/** How many children the dashboard previews; the section page lists them all. */
const PREVIEW = 8

export const load: PageServerLoad = async (event) => {
  // Fetched alongside the layout's data rather than after it; used only if the menu offers the section.
  const [{ account, menu }, page, usage] = await Promise.all([
    event.parent(),
    api(event).children(event.params.accountId, { limit: PREVIEW }),
    // Usage bars against the reseller's limits (on the reseller's own dashboard).
    resellerApi(event).usage(event.params.accountId),
  ])
  const section = menu.find((item) => item.key === (account.kind === 'platform' ? 'resellers' : 'customers')) ?? null
  const children: ChildrenPage | null =
    section && account.kind !== 'customer' ? unwrap(event, page, 'Account not found') : null
  return { children, childrenSection: section, usage: account.kind === 'reseller' && usage.ok ? usage.data : null }
}
