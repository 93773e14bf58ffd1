import { api, unwrap } from '$lib/server/api'
import { requireSection } from '$lib/server/forms'
import { supportApi, type TicketQuery } from '$lib/server/support'
import { m } from '$lib/paraglide/messages.js'
import type { PageServerLoad } from './$types'

const STATUSES = ['active', 'open', 'waiting', 'closed'] as const
const SORTS = ['updated', 'created', 'priority'] as const

const pick = <T extends string>(value: string | null, allowed: readonly T[], fallback: T): T => (allowed.includes(value as T) ? (value as T) : fallback)

/**
 * Support: the tickets this account opened to its parent (`mine`) and, for a
 * parent, its customers' tickets (`queue`), filtered from the query string.
 */
export const load: PageServerLoad = async (event) => {
  const { account, menu, access } = await event.parent()
  const section = requireSection(menu, account, 'support')
  const views = account.kind === 'platform' ? (['queue'] as const) : account.kind === 'reseller' ? (['queue', 'mine'] as const) : (['mine'] as const)
  const params = event.url.searchParams
  const view = pick(params.get('view'), views, views[0])
  const query: TicketQuery = {
    view,
    status: pick(params.get('status'), STATUSES, 'active'),
    sort: pick(params.get('sort'), SORTS, 'updated'),
    limit: 25,
    ...(params.get('q') ? { q: params.get('q')!.slice(0, 100) } : {}),
    ...(view === 'queue' && params.get('customer') ? { customer: params.get('customer')! } : {}),
    ...(view === 'queue' && params.get('assignee') ? { assignee: params.get('assignee')! } : {}),
    ...(params.get('cursor') ? { cursor: params.get('cursor')! } : {}),
  }
  const page = unwrap(event, await supportApi(event).tickets(account.id, query), m.commerce_account_not_found())
  // Assignees to filter by: the members of this account (the queue's staff).
  const members = view === 'queue' && section.actions.includes('contact') ? await api(event).members(account.id) : null
  return {
    section,
    views,
    view,
    query,
    page,
    assignees: members?.ok ? members.data.items.map((member) => ({ id: member.id, name: member.user.name })) : [],
    canOpen: view === 'mine' && section.actions.includes('contact') && !access.inherited,
  }
}
