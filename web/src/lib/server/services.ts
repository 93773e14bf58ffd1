import type { ServiceFilters, ServiceStatus, ServiceType } from '$lib/types'
import { list, text } from './forms'

/** Rows per page on the services page. */
export const SERVICES_PAGE_SIZE = 50

const TYPES: readonly ServiceType[] = ['hosting', 'domain', 'server', 'mailbox', 'dns_zone', 'broadband']
const STATUSES: readonly ServiceStatus[] = ['active', 'suspended', 'pending', 'expired']

/** The list's filters from the page's query string (`?q=&type=&status=&group=&tag=&expiring=30`); junk is ignored. */
export function filtersFrom(url: URL): ServiceFilters {
  const get = (name: string) => url.searchParams.get(name)?.trim() || undefined
  const type = get('type')
  const status = get('status')
  const expiring = Number(get('expiring'))
  return {
    q: get('q')?.slice(0, 100),
    type: TYPES.includes(type as ServiceType) ? (type as ServiceType) : undefined,
    status: STATUSES.includes(status as ServiceStatus) ? (status as ServiceStatus) : undefined,
    group: get('group')?.slice(0, 64),
    tag: get('tag')?.toLowerCase().slice(0, 40),
    expiring_within: Number.isInteger(expiring) && expiring >= 1 && expiring <= 3650 ? expiring : undefined,
  }
}

/** True when any filter narrows the list. */
export function filtered(filters: ServiceFilters): boolean {
  return Object.values(filters).some((v) => v !== undefined)
}

/** A date input's YYYY-MM-DD as epoch ms (noon UTC, so no time zone moves it to another day); '' is none. */
export function dateFrom(value: string): number | null | 'invalid' {
  if (!value) return null
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!match) return 'invalid'
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 12)
  return Number.isNaN(ms) ? 'invalid' : ms
}

/** The fields of the new/edit service dialog, as the API wants them. */
export function serviceFieldsFrom(form: FormData) {
  const type = text(form, 'type')
  const status = text(form, 'status')
  return {
    type: TYPES.includes(type as ServiceType) ? (type as ServiceType) : null,
    name: text(form, 'name'),
    status: STATUSES.includes(status as ServiceStatus) ? (status as ServiceStatus) : undefined,
    expiresAt: dateFrom(text(form, 'expiresAt')),
    groupId: text(form, 'group') || null,
    tags: list(form, 'tags').map((t) => t.toLowerCase()),
    partnerAccess: form.get('partnerAccess') === 'on',
  }
}

/** The dialog's field names; the API's `groupId` shows under `group`. */
export const SERVICE_FIELDS = ['type', 'name', 'status', 'expiresAt', 'group', 'tags', 'partnerAccess'] as const
export const SERVICE_FIELD_RENAMES = { groupId: 'group' }
