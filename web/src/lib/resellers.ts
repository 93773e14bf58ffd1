/** Reseller management as the pages show it: the lists the forms offer, from the API's contract. */
import { accessValues, serviceTypeValues } from './api/openapi'
import { m } from '$lib/paraglide/messages.js'
import { serviceTypeLabel } from './format'
import { menuLabel } from './menu-label'
import type { Limits } from './types'

/** Every service type, in the API's order (limits per type). */
export const SERVICE_TYPES = serviceTypeValues

/** Sections a reseller's tree may be given (the dashboard always stays), as [key, label]; a function: labels follow the page's language. */
export function accessSections() {
  return accessValues.map((key) => [key, menuLabel(key, key)] as const)
}

/** True for a section key the API accepts in an access list. */
export function isAccessSection(key: string): key is (typeof accessValues)[number] {
  return (accessValues as readonly string[]).includes(key)
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
