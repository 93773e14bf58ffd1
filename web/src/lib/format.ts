import { getLocale } from '$lib/i18n'
import { m } from '$lib/paraglide/messages.js'
import { messageMap } from '$lib/message-map'
import type { AccountKind, AccountStatus, Level, ServiceStatus, ServiceType } from './types'

// Label maps draw their messages when read (messageMap), in the language of the page being drawn.

export const kindLabel: Record<AccountKind, string> = messageMap({
  platform: m.common_kind_platform,
  reseller: m.common_kind_reseller,
  customer: m.common_kind_customer,
})

export const levelLabel: Record<Level, string> = messageMap({
  owner: m.common_level_owner,
  admin: m.common_level_admin,
  user: m.common_level_user,
})

export const statusLabel: Record<AccountStatus, string> = messageMap({
  active: m.common_status_active,
  disabled: m.common_status_disabled,
  deleted: m.common_status_deleted,
})

/** What a kind's children are called. */
export const childrenNoun: Record<AccountKind, { one: string; many: string } | null> = {
  get platform() { return { one: m.common_children_resellers_one(), many: m.common_children_resellers_many() } },
  get reseller() { return { one: m.common_children_customers_one(), many: m.common_children_customers_many() } },
  customer: null,
}

/**
 * One formatter per kind and language, made on first use: Intl formatters are costly to
 * build and the page's language is known only while a request (or the browser) draws it.
 */
function perLocale<F>(make: (locale: string) => F): () => F {
  const made = new Map<string, F>()
  return () => {
    const locale = getLocale()
    let f = made.get(locale)
    if (!f) made.set(locale, (f = make(locale)))
    return f
  }
}

/** Intl's formats in the page's language (dates, numbers, plurals), for pieces format.ts does not cover. */
export const dateFormat = perLocale((l) => new Intl.DateTimeFormat(l, { dateStyle: 'medium' }))
const exactFormat = perLocale((l) => new Intl.DateTimeFormat(l, { dateStyle: 'full', timeStyle: 'short' }))
export const dateTimeFormat = perLocale((l) => new Intl.DateTimeFormat(l, { dateStyle: 'medium', timeStyle: 'short' }))
export const timeFormat = perLocale((l) => new Intl.DateTimeFormat(l, { timeStyle: 'short' }))

/** "12 Mar 2026"-style date ("12 mars 2026" in French). */
export function formatDate(ms: number): string {
  return dateFormat().format(ms)
}

/** The exact time, for tooltips. */
export function formatExact(ms: number): string {
  return exactFormat().format(ms)
}

/** A date with its time of day, in the page's language. */
export function formatDateTime(ms: number): string {
  return dateTimeFormat().format(ms)
}

/** Up to two initials of a name, for avatars. */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean)
  const letters = parts.length > 1 ? [parts[0]![0], parts.at(-1)![0]] : [parts[0]?.[0]]
  return letters.join('').toUpperCase() || '?'
}

export const serviceTypeLabel: Record<ServiceType, string> = messageMap({
  hosting: m.common_service_type_hosting,
  domain: m.common_service_type_domain,
  server: m.common_service_type_server,
  mailbox: m.common_service_type_mailbox,
  dns_zone: m.common_service_type_dns_zone,
  broadband: m.common_service_type_broadband,
})

export const serviceStatusLabel: Record<ServiceStatus, string> = messageMap({
  active: m.common_service_status_active,
  suspended: m.common_service_status_suspended,
  pending: m.common_service_status_pending,
  expired: m.common_service_status_expired,
})

const numberFormat = perLocale((l) => new Intl.NumberFormat(l))

/** 12,345 (12 345 in French). */
export function formatNumber(n: number): string {
  return numberFormat().format(n)
}

/**
 * "3 services", "1 group": a count with an English noun, singular or plural. English only:
 * a page drawn in other languages uses a plural message instead (decision 034).
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`
}

const relativeFormat = perLocale((l) => new Intl.RelativeTimeFormat(l, { numeric: 'auto' }))
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['week', 7 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
]

/** "in 12 days", "2 minutes ago", "just now". */
export function formatRelative(ms: number, now = Date.now()): string {
  const diff = ms - now
  if (Math.abs(diff) < 45_000) return m.common_just_now()
  for (const [unit, size] of UNITS) {
    // Days up to two weeks read better than "2 weeks"; weeks up to two months.
    const threshold = unit === 'week' ? 14 * 24 * 3600_000 : unit === 'month' ? 60 * 24 * 3600_000 : size
    if (Math.abs(diff) >= threshold || unit === 'minute') return relativeFormat().format(Math.round(diff / size), unit)
  }
  return relativeFormat().format(Math.round(diff / 60_000), 'minute')
}

const DAY = 24 * 3600_000

/** Whole days from now until `ms` (negative once past). */
export function daysUntil(ms: number, now = Date.now()): number {
  return Math.floor((ms - now) / DAY)
}

/** A date input's value (YYYY-MM-DD, UTC) for an instant. */
export function dateInputValue(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString().slice(0, 10)
}
