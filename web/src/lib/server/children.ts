import { m } from '$lib/paraglide/messages.js'
import { error, type RequestEvent } from '@sveltejs/kit'
import { api, unwrap } from './api'
import type { Account, ChildrenPage, MenuItem } from '$lib/types'

/** Rows per page on the customers and resellers pages. */
const CHILDREN_PAGE_SIZE = 25

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
  if (!section) error(404, m.common_page_not_found())
  return {
    section,
    page: unwrap(event, page, m.common_account_not_found()),
    continued: Boolean(cursor),
    pageSize: CHILDREN_PAGE_SIZE,
    // A platform's customers belong to its resellers: its Customers page lists the resellers to pick from.
    throughResellers: sectionKey === 'customers' && account.kind === 'platform',
  }
}

