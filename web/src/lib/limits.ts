/** Limits as pages say them: a limit's label and a template's limits in one line, in the page's language. */
import { getLocale } from '$lib/i18n'
import { m } from '$lib/paraglide/messages.js'
import { serviceTypeLabel } from './format'
import type { Limits } from './types'

/**
 * A limit's label in the page's language. The API labels limits in English: English pages keep its
 * label (it may say more, "Staff in this account"); other languages draw theirs from the limit's key.
 */
export function limitLabel(limit: string, fallback: string): string {
  if (getLocale() === 'en') return fallback
  if (limit === 'max_customers') return m.common_limit_customers()
  if (limit === 'max_staff') return m.common_limit_staff()
  if (limit === 'max_admins') return m.common_limit_admins()
  const type = limit.startsWith('max_services.') ? limit.slice('max_services.'.length) : null
  if (type && type in serviceTypeLabel) return m.common_limit_services({ type: serviceTypeLabel[type as keyof typeof serviceTypeLabel].toLowerCase() })
  return fallback
}

/** "3 customers · 5 servers", or "No limits". */
export function limitsSummary(l: Limits): string {
  const parts = [
    l.max_customers !== null && m.common_limits_customers({ count: l.max_customers }),
    l.max_staff !== null && m.common_limits_staff({ count: l.max_staff }),
    l.max_admins !== null && m.common_limits_admins({ count: l.max_admins }),
    ...Object.entries(l.max_services).flatMap(([t, n]) =>
      n === null || n === undefined ? [] : [`${n} ${(serviceTypeLabel[t as keyof typeof serviceTypeLabel] ?? t.replace('_', ' ')).toLowerCase()}`],
    ),
  ].filter(Boolean)
  return parts.length ? parts.join(' · ') : m.common_limits_none()
}
