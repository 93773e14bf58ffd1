import { error, type RequestEvent } from '@sveltejs/kit'
import { api, unwrap } from './api'
import type { Account, ChildrenPage, MenuItem } from '$lib/types'
import type { ChildRow, ManagedAccount } from '$lib/resellers'

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
 * A page of children with each row's owner and disable reason, taken from the
 * lifecycle list (`/customers`, which has them but is not paged). Rows it does
 * not know keep what the children list says.
 */
export function withDetails(page: ChildrenPage, managed: Pick<ManagedAccount, 'id' | 'owner' | 'statusReason'>[]): { items: ChildRow[]; nextCursor: string | null } {
  const byId = new Map(managed.map((a) => [a.id, a]))
  return {
    ...page,
    items: page.items.map((account) => {
      const known = byId.get(account.id)
      return known ? { ...account, owner: known.owner, statusReason: known.statusReason } : account
    }),
  }
}
