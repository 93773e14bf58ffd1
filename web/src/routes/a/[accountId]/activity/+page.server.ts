import { api, activityQuery, unwrap } from '$lib/server/api'
import { ACTIVITY_PAGE_SIZE, activityFiltered, activityFiltersFrom, activityQueryOf, chartRange } from '$lib/server/activity'
import { problemFailure, requireSection, text } from '$lib/server/forms'
import { holds } from '$lib/permissions'
import { m } from '$lib/paraglide/messages.js'
import type { Actions, PageServerLoad } from './$types'

/**
 * One page of the account's activity (and its descendants'), filtered by the
 * query string, with the chart of the same filter, the names of the accounts
 * and people it mentions, and what the caller may do here (export, switch
 * page-view logging).
 */
export const load: PageServerLoad = async (event) => {
  const client = api(event)
  const id = event.params.accountId
  const filters = activityFiltersFrom(event.url)
  const query = activityQueryOf(filters)
  const cursor = event.url.searchParams.get('cursor')
  const range = chartRange(query)
  // Started before the parent's answer, so they run alongside the shell's calls.
  const pageCall = client.activity(id, query, { limit: ACTIVITY_PAGE_SIZE, cursor })
  const chartCall = client.activityHistogram(id, { ...query, from: range.from, to: range.to })
  const membersCall = client.members(id)
  const childrenCall = client.children(id, { limit: 200 })
  const { account, menu, memberships } = await event.parent()
  const section = requireSection(menu, account, 'activity')
  const [page, chart, members, children] = await Promise.all([pageCall, chartCall, membersCall, childrenCall])

  // Events of the accounts below carry their id: name them where we can (the caller's own accounts, the children).
  const accountNames: Record<string, string> = { [account.id]: account.name }
  for (const a of memberships) accountNames[a.id] ??= a.name
  if (children.ok) for (const c of children.data.items) accountNames[c.id] ??= c.name
  // Names of the account's people (staff.view), for the actor column and the Login filter's suggestions.
  const people = members.ok ? members.data.items.map((member) => ({ email: member.user.email, name: member.user.name })) : []
  // …and of the people of the accounts below that this page's events name ("Sarah Chen as Dana Whitfield").
  const activity = unwrap(event, page, m.activity_account_not_found())
  const known = new Set(people.map((p) => p.email))
  const below = [
    ...new Set(
      activity.items
        .filter((e) => e.accountId !== account.id && [e.actor, e.subject, e.impersonator].some((p) => p && !known.has(p.email)))
        .map((e) => e.accountId),
    ),
  ].slice(0, 10)
  const others = (await Promise.all(below.map((accountId) => client.members(accountId)))).flatMap((r) =>
    r.ok ? r.data.items.map((member) => ({ email: member.user.email, name: member.user.name })) : [],
  )

  const pageViewDefault = account.kind !== 'customer'
  return {
    section,
    canExport: section.actions.includes('export'),
    canSwitchPageViews: holds(menu, 'settings', 'manage'),
    pageViewLogging: account.pageViewLogging ?? pageViewDefault,
    filters,
    filtered: activityFiltered(filters),
    /** The API's query string for these filters: the export links and the live socket use it. */
    apiQuery: activityQuery(query).toString(),
    page: activity,
    continued: Boolean(cursor),
    pageSize: ACTIVITY_PAGE_SIZE,
    // Live adds the newest events: not on older pages, nor for a range that has ended.
    liveAllowed: !cursor && (query.to === undefined || query.to > Date.now()),
    // The list works without the chart: a failed histogram leaves its space empty.
    chart: chart.ok ? { ...chart.data, clipped: range.clipped, openEnded: query.to === undefined } : null,
    accountNames,
    people,
    /** Names of people of the accounts below whom the events mention (not offered as Login suggestions). */
    otherPeople: others,
  }
}

export const actions: Actions = {
  verify: async (event) => {
    const result = await api(event).verifyActivity(event.params.accountId)
    if (!result.ok) return problemFailure(event, result, [])
    return { verification: result.data }
  },

  pageViews: async (event) => {
    const enabled = text(await event.request.formData(), 'enabled') === 'true'
    const result = await api(event).updateAccount(event.params.accountId, { pageViewLogging: enabled })
    if (!result.ok) return problemFailure(event, result, [])
    return { pageViewLogging: result.data.account.pageViewLogging ?? enabled }
  },
}
