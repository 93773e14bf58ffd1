/** A limit's label as pages say it, in the page's language (the dashboard's usage bars). */
import { getLocale } from '$lib/i18n'
import { m } from '$lib/paraglide/messages.js'
import { serviceTypeLabel } from './format'

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
