import type { AccountKind } from '../../../db/schema/accounts.ts'

export const categories = ['technical', 'financial', 'security', 'user-rights'] as const
export type Category = (typeof categories)[number]

const ALL: readonly AccountKind[] = ['platform', 'reseller', 'customer']
const PARENTS: readonly AccountKind[] = ['platform', 'reseller']

/**
 * The menu is the permission catalogue. Each section names its route, icon,
 * category, the account kinds (tiers) where it exists and its actions; the
 * menu endpoint, the role editor and every guard read this table and nothing
 * else lists permissions.
 */
export const sections = [
  { key: 'dashboard', label: 'Dashboard', icon: 'layout-dashboard', path: '', category: 'technical', tiers: ALL, actions: ['view'] },
  { key: 'services', label: 'Services', icon: 'server', path: 'services', category: 'technical', tiers: ALL, actions: ['view', 'manage', 'operate'] },
  { key: 'resellers', label: 'Resellers', icon: 'building-2', path: 'resellers', category: 'user-rights', tiers: ['platform'], actions: ['view', 'manage', 'impersonate'] },
  { key: 'customers', label: 'Customers', icon: 'users', path: 'customers', category: 'user-rights', tiers: PARENTS, actions: ['view', 'manage', 'invite', 'impersonate'] },
  { key: 'staff', label: 'Staff', icon: 'user-cog', path: 'staff', category: 'user-rights', tiers: ALL, actions: ['view', 'manage', 'impersonate'] },
  { key: 'roles', label: 'Roles', icon: 'shield-check', path: 'roles', category: 'user-rights', tiers: ALL, actions: ['view', 'manage'] },
  { key: 'activity', label: 'Activity', icon: 'activity', path: 'activity', category: 'security', tiers: ALL, actions: ['view', 'export'] },
  { key: 'billing', label: 'Billing', icon: 'receipt', path: 'billing', category: 'financial', tiers: ALL, actions: ['view', 'manage'] },
  { key: 'purchasing', label: 'Purchasing', icon: 'shopping-cart', path: 'purchasing', category: 'financial', tiers: ALL, actions: ['view', 'buy', 'manage'] },
  { key: 'support', label: 'Support', icon: 'life-buoy', path: 'support', category: 'technical', tiers: ALL, actions: ['view', 'contact'] },
  { key: 'visitation', label: 'Visitation', icon: 'door-open', path: 'visitation', category: 'technical', tiers: ALL, actions: ['view', 'request', 'manage'] },
  { key: 'security', label: 'Security', icon: 'lock', path: 'security', category: 'security', tiers: ALL, actions: ['view', 'manage'] },
  { key: 'branding', label: 'Branding', icon: 'palette', path: 'branding', category: 'technical', tiers: PARENTS, actions: ['view', 'manage'] },
  { key: 'settings', label: 'Settings', icon: 'settings', path: 'settings', category: 'security', tiers: ALL, actions: ['view', 'manage'] },
  { key: 'notifications', label: 'Notifications', icon: 'bell', path: 'notifications', category: 'technical', tiers: ALL, actions: ['view', 'manage'] },
  { key: 'transfers', label: 'Transfers', icon: 'arrow-left-right', path: 'transfers', category: 'technical', tiers: ALL, actions: ['view', 'manage'] },
  { key: 'backups', label: 'Backups', icon: 'archive', path: 'backups', category: 'technical', tiers: PARENTS, actions: ['view', 'manage'] },
] as const satisfies readonly {
  key: string
  label: string
  icon: string
  path: string
  category: Category
  tiers: readonly AccountKind[]
  actions: readonly string[]
}[]

export type Section = (typeof sections)[number]
export type SectionKey = Section['key']

/** `section.action`, typed from the catalogue: `'services.manage' | 'customers.invite' | …`. */
export type Permission = { [S in Section as S['key']]: `${S['key']}.${S['actions'][number]}` }[SectionKey]

export const sectionByKey = new Map<SectionKey, Section>(sections.map((s) => [s.key, s]))

/** Every permission in the catalogue, in menu order. */
export const permissions: readonly Permission[] = sections.flatMap((s) => s.actions.map((a) => `${s.key}.${a}` as Permission))

const permissionSet = new Set<string>(permissions)

/** Narrow a string to a catalogue permission. */
export function isPermission(value: string): value is Permission {
  return permissionSet.has(value)
}

const sectionKeySet = new Set<string>(sections.map((s) => s.key))

/** Narrow a string to a catalogue section key. */
export function isSectionKey(value: string): value is SectionKey {
  return sectionKeySet.has(value)
}

/** The section of a permission (`services` of `services.manage`). */
export function sectionOf(permission: Permission): Section {
  return sectionByKey.get(permission.slice(0, permission.indexOf('.')) as SectionKey)!
}

/** The action of a permission (`manage` of `services.manage`). */
export function actionOf(permission: Permission): string {
  return permission.slice(permission.indexOf('.') + 1)
}
