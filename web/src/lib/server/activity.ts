import { ACTION_TYPES } from '$lib/activity'
import type { ActivityFilters, ActivityType } from '$lib/types'
import type { ActivityQuery } from './api'

/** Events per page on the Activity page. */
export const ACTIVITY_PAGE_SIZE = 50

const HOUR = 3600_000
const DAY = 24 * HOUR
/** The longest range the histogram answers. */
const CHART_MAX = 93 * DAY

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** A date input's YYYY-MM-DD as the epoch ms of that day's start (UTC), or undefined. */
function dayStart(value: string | undefined): number | undefined {
  const match = value ? DATE.exec(value) : null
  if (!match) return undefined
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
  return Number.isNaN(ms) ? undefined : ms
}

/**
 * The list's filters from the page's query string
 * (`?q=&actor=&type=login&type=logout&views=1&from=2026-11-01&to=2026-11-25`); junk is ignored.
 */
export function activityFiltersFrom(url: URL): ActivityFilters {
  const get = (name: string) => url.searchParams.get(name)?.trim() || undefined
  const known = new Set<string>(ACTION_TYPES)
  // Repeated `type` fields (the form's checkboxes) or one comma-separated value (a shared link).
  const types = [...new Set(url.searchParams.getAll('type').flatMap((v) => v.split(',')).map((t) => t.trim()))].filter((t): t is ActivityType =>
    known.has(t),
  )
  const from = get('from')
  const to = get('to')
  return {
    q: get('q')?.slice(0, 200),
    actor: get('actor')?.toLowerCase().slice(0, 254),
    types,
    views: get('views') === '1',
    from: dayStart(from) !== undefined ? from : undefined,
    to: dayStart(to) !== undefined ? to : undefined,
  }
}

/** True when any filter narrows the list (page views only widen it). */
export function activityFiltered(filters: ActivityFilters): boolean {
  return Boolean(filters.q || filters.actor || filters.types.length || filters.from || filters.to)
}

/**
 * The filters as the API takes them. Dates are whole days in UTC, the `to` day
 * included; a range given backwards is read the right way round.
 */
export function activityQueryOf(filters: ActivityFilters): ActivityQuery {
  let from = dayStart(filters.from)
  let to = dayStart(filters.to)
  if (from !== undefined && to !== undefined && to < from) [from, to] = [to, from]
  return {
    q: filters.q,
    actor: filters.actor,
    types: filters.types,
    views: filters.views,
    from,
    to: to === undefined ? undefined : to + DAY,
  }
}

/**
 * The range the chart covers: the filter's dates (at most 93 days, the latest
 * part of a longer range), else the last 24 hours. Open ends stop at now.
 */
export function chartRange(query: ActivityQuery, now = Date.now()): { from: number; to: number; clipped: boolean } {
  const to = Math.min(query.to ?? now, now)
  const from = query.from ?? to - DAY
  if (to - from > CHART_MAX) return { from: to - CHART_MAX, to, clipped: true }
  return { from: Math.min(from, to - HOUR), to, clipped: false }
}
