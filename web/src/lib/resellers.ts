/** Reseller management as the pages show it: types of the API's answers and the fixed lists the forms offer. */

import type { Account } from './types'

export const SERVICE_TYPES = ['hosting', 'domain', 'server', 'mailbox', 'dns_zone', 'broadband'] as const

/** Sections a reseller's tree may be given (the dashboard always stays). */
export const ACCESS_SECTIONS = [
  ['services', 'Services'], ['customers', 'Customers'], ['staff', 'Staff'], ['roles', 'Roles'], ['activity', 'Activity'],
  ['billing', 'Billing'], ['purchasing', 'Purchasing'], ['support', 'Support'], ['visitation', 'Visitation'], ['security', 'Security'],
  ['branding', 'Branding'], ['settings', 'Settings'], ['notifications', 'Notifications'], ['transfers', 'Transfers'], ['backups', 'Backups'],
] as const

export interface Limits {
  max_customers: number | null
  max_staff: number | null
  max_admins: number | null
  max_services: Record<string, number | null | undefined>
}

export interface ManagedAccount {
  id: string
  name: string
  kind: 'reseller' | 'customer'
  status: 'active' | 'disabled' | 'deleted'
  createdAt: number
  limits: Limits
  access: string[] | null
  templateId: string | null
  templateName: string | null
  statusReason: string | null
  showReason: boolean
  purgeAfter: number | null
  /** Null until someone accepts the owner invitation. */
  owner: { id: string; email: string; name: string } | null
  /** False when an account above the caller's suspended or deleted it: then only that account may enable or restore it. */
  canUndo: boolean
}

/**
 * A row of the paged children table (Customers page): the account as the
 * children list sends it, with the owner and the disable reason, and — for
 * disabled rows of those who manage them — whether they may enable it (the
 * lifecycle list's `canUndo`).
 */
export type ChildRow = Account & { owner?: ManagedAccount['owner']; statusReason?: string | null; canUndo?: boolean }

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
