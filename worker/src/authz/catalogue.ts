import type { AccountKind } from '../../../db/schema/accounts.ts'

/**
 * The menu is the permission catalogue: each section names its route, icon,
 * category and the account kinds (tiers) where it exists. The menu endpoint
 * and the guards both read this table.
 */
export const sections = [
  { key: 'dashboard', label: 'Dashboard', icon: 'layout-dashboard', path: '', category: 'technical', tiers: ['platform', 'reseller', 'customer'] },
  { key: 'resellers', label: 'Resellers', icon: 'building-2', path: 'resellers', category: 'user-rights', tiers: ['platform'] },
  { key: 'customers', label: 'Customers', icon: 'users', path: 'customers', category: 'user-rights', tiers: ['platform', 'reseller'] },
] as const satisfies readonly {
  key: string
  label: string
  icon: string
  path: string
  category: 'financial' | 'security' | 'user-rights' | 'technical'
  tiers: readonly AccountKind[]
}[]

export type Section = (typeof sections)[number]
export type SectionKey = Section['key']
