/** Reseller management as the pages show it: the lists the forms offer, from the API's contract. */
import { accessValues, serviceTypeValues } from './api/openapi'
import type { Limits } from './types'

/** Every service type, in the API's order (limits per type). */
export const SERVICE_TYPES = serviceTypeValues

const accessLabels: Record<(typeof accessValues)[number], string> = {
  services: 'Services',
  customers: 'Customers',
  staff: 'Staff',
  roles: 'Roles',
  activity: 'Activity',
  billing: 'Billing',
  purchasing: 'Purchasing',
  support: 'Support',
  visitation: 'Visitation',
  security: 'Security',
  branding: 'Branding',
  settings: 'Settings',
  notifications: 'Notifications',
  transfers: 'Transfers',
  backups: 'Backups',
}

/** Sections a reseller's tree may be given (the dashboard always stays), as [key, label]. */
export const ACCESS_SECTIONS = accessValues.map((key) => [key, accessLabels[key]] as const)

/** True for a section key the API accepts in an access list. */
export function isAccessSection(key: string): key is (typeof accessValues)[number] {
  return (accessValues as readonly string[]).includes(key)
}

/** "3 customers · 5 servers", or "No limits". */
export function limitsSummary(l: Limits): string {
  const parts = [
    l.max_customers !== null && `${l.max_customers} customers`,
    l.max_staff !== null && `${l.max_staff} staff`,
    l.max_admins !== null && `${l.max_admins} admins`,
    ...Object.entries(l.max_services).flatMap(([t, n]) => (n === null || n === undefined ? [] : [`${n} ${t.replace('_', ' ')}`])),
  ].filter(Boolean)
  return parts.length ? parts.join(' · ') : 'No limits'
}
