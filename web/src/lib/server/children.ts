import { error, type RequestEvent } from '@sveltejs/kit'
import { api, unwrap } from './api'
import { resellerApi } from './resellers'
import type { ChildRow } from '$lib/resellers'
import type { Account, ChildrenPage, MenuItem } from '$lib/types'

/** Rows per page on the customers and resellers pages. */
export const CHILDREN_PAGE_SIZE = 25

/**
 * One page of an account's children for a section page (customers, resellers).
 * The section must be in the account's menu, the same answer the sidebar shows;
 * otherwise the page does not exist here.
 */
export async function loadChildrenSection(
  event: RequestEvent<{ accountId: string }>,
  parent: () => Promise<{ account: Account; menu: MenuItem[] }>,
  sectionKey: 'customers' | 'resellers',
) {
  const cursor = event.url.searchParams.get('cursor')
  const [{ account, menu }, page] = await Promise.all([
    parent(),
    api(event).children(event.params.accountId, { limit: CHILDREN_PAGE_SIZE, cursor }),
  ])
  const section = menu.find((item) => item.key === sectionKey)
  if (!section) error(404, 'Page not found')
  return {
    section,
    page: unwrap(event, page, 'Account not found'),
    continued: Boolean(cursor),
    pageSize: CHILDREN_PAGE_SIZE,
    // A platform's customers belong to its resellers: its Customers page lists the resellers to pick from.
    throughResellers: sectionKey === 'customers' && account.kind === 'platform',
  }
}


/**
 * A reseller's page of customers with `canUndo` on its disabled rows, from the
 * lifecycle list (the paged children list does not carry it): false where an
 * account above suspended the customer, so Enable is not offered. Unchanged
 * when nothing is disabled or the lifecycle list cannot be read (the API still decides).
 */
export async function withUndo<P extends { items: ChildRow[] }>(event: RequestEvent, resellerId: string, page: P): Promise<P> {
  if (!page.items.some((a) => a.kind === 'customer' && a.status === 'disabled')) return page
  const disabled = await resellerApi(event).list(resellerId, 'customer', 'disabled')
  if (!disabled.ok) return page
  const undo = new Map(disabled.data.items.map((a) => [a.id, a.canUndo]))
  return { ...page, items: page.items.map((a) => (a.status === 'disabled' && undo.has(a.id) ? { ...a, canUndo: undo.get(a.id) } : a)) }
}
