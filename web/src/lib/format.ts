import type { AccountKind, AccountStatus, Level } from './types'

export const kindLabel: Record<AccountKind, string> = {
  platform: 'Platform',
  reseller: 'Reseller',
  customer: 'Customer',
}

export const levelLabel: Record<Level, string> = {
  owner: 'Owner',
  admin: 'Admin',
  user: 'User',
}

export const statusLabel: Record<AccountStatus, string> = {
  active: 'Active',
  disabled: 'Disabled',
  deleted: 'Deleted',
}

/** What a kind's children are called. */
export const childrenNoun: Record<AccountKind, { one: string; many: string } | null> = {
  platform: { one: 'reseller', many: 'resellers' },
  reseller: { one: 'customer', many: 'customers' },
  customer: null,
}

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium' })
const exactFormat = new Intl.DateTimeFormat('en', { dateStyle: 'full', timeStyle: 'short' })

/** "12 Mar 2026"-style date. */
export function formatDate(ms: number): string {
  return dateFormat.format(ms)
}

/** The exact time, for tooltips. */
export function formatExact(ms: number): string {
  return exactFormat.format(ms)
}

/** Up to two initials of a name, for avatars. */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean)
  const letters = parts.length > 1 ? [parts[0]![0], parts.at(-1)![0]] : [parts[0]?.[0]]
  return letters.join('').toUpperCase() || '?'
}
