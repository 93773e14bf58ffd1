/**
 * The permission catalogue as the role editor lays it out: a copy of
 * worker/src/authz/catalogue.ts (sections in menu order, with label, icon,
 * category, tiers and actions). The API has no endpoint listing it yet; when
 * it has, this file goes and the editor reads the endpoint instead.
 */
import type { AccountKind } from './types'

export type Category = 'technical' | 'financial' | 'security' | 'user-rights'

export interface CatalogueSection {
  key: string
  label: string
  icon: string
  category: Category
  tiers: readonly AccountKind[]
  actions: readonly string[]
}

const ALL: readonly AccountKind[] = ['platform', 'reseller', 'customer']
const PARENTS: readonly AccountKind[] = ['platform', 'reseller']

export const sections: readonly CatalogueSection[] = [
  { key: 'dashboard', label: 'Dashboard', icon: 'layout-dashboard', category: 'technical', tiers: ALL, actions: ['view'] },
  { key: 'services', label: 'Services', icon: 'server', category: 'technical', tiers: ALL, actions: ['view', 'manage', 'operate'] },
  { key: 'resellers', label: 'Resellers', icon: 'building-2', category: 'user-rights', tiers: ['platform'], actions: ['view', 'manage', 'impersonate'] },
  { key: 'customers', label: 'Customers', icon: 'users', category: 'user-rights', tiers: PARENTS, actions: ['view', 'manage', 'invite', 'impersonate'] },
  { key: 'staff', label: 'Staff', icon: 'user-cog', category: 'user-rights', tiers: ALL, actions: ['view', 'manage', 'impersonate'] },
  { key: 'roles', label: 'Roles', icon: 'shield-check', category: 'user-rights', tiers: ALL, actions: ['view', 'manage'] },
  { key: 'activity', label: 'Activity', icon: 'activity', category: 'security', tiers: ALL, actions: ['view', 'export'] },
  { key: 'billing', label: 'Billing', icon: 'receipt', category: 'financial', tiers: ALL, actions: ['view', 'manage'] },
  { key: 'purchasing', label: 'Purchasing', icon: 'shopping-cart', category: 'financial', tiers: ALL, actions: ['view', 'buy'] },
  { key: 'support', label: 'Support', icon: 'life-buoy', category: 'technical', tiers: ALL, actions: ['view', 'contact'] },
  { key: 'visitation', label: 'Visitation', icon: 'door-open', category: 'technical', tiers: ALL, actions: ['view', 'request'] },
  { key: 'security', label: 'Security', icon: 'lock', category: 'security', tiers: ALL, actions: ['view', 'manage'] },
  { key: 'branding', label: 'Branding', icon: 'palette', category: 'technical', tiers: PARENTS, actions: ['view', 'manage'] },
  { key: 'settings', label: 'Settings', icon: 'settings', category: 'security', tiers: ALL, actions: ['view', 'manage'] },
  { key: 'notifications', label: 'Notifications', icon: 'bell', category: 'technical', tiers: ALL, actions: ['view', 'manage'] },
  { key: 'transfers', label: 'Transfers', icon: 'arrow-left-right', category: 'technical', tiers: PARENTS, actions: ['view', 'manage'] },
  { key: 'backups', label: 'Backups', icon: 'archive', category: 'technical', tiers: PARENTS, actions: ['view', 'manage'] },
]

export const categoryLabel: Record<Category, string> = {
  technical: 'Technical',
  financial: 'Financial',
  security: 'Security',
  'user-rights': 'User rights',
}
