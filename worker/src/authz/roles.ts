import type { Permission } from './catalogue.ts'
import { permissions } from './catalogue.ts'

/** A built-in role: read-only, the same in every account. */
export interface BuiltinRole {
  key: string
  name: string
  description: string
  permissions: readonly Permission[]
}

const p = <const T extends readonly Permission[]>(...list: T) => list

/** Built-in roles, drawn from what partner portals offer today (see docs/decisions/003). */
export const builtinRoles = [
  {
    key: 'account-owner',
    name: 'Account Owner',
    description: 'Everything in the account, including people, billing and security.',
    permissions: permissions,
  },
  {
    key: 'system-administrator',
    name: 'System Administrator',
    description: 'Runs the services and the people who use them, without billing.',
    permissions: p(
      'dashboard.view', 'services.view', 'services.manage', 'services.operate', 'staff.view', 'staff.manage',
      'roles.view', 'activity.view', 'support.view', 'support.contact', 'security.view', 'settings.view',
      'notifications.view', 'notifications.manage', 'backups.view', 'backups.manage',
    ),
  },
  {
    key: 'manager',
    name: 'Manager',
    description: 'Grants roles to the other people of the account and sets up their notifications.',
    permissions: p('dashboard.view', 'services.view', 'staff.view', 'staff.manage', 'roles.view', 'roles.manage', 'notifications.view', 'notifications.manage'),
  },
  {
    key: 'technical',
    name: 'Technical',
    description: 'Manages and operates services and opens support tickets.',
    permissions: p('dashboard.view', 'services.view', 'services.manage', 'services.operate', 'support.view', 'support.contact'),
  },
  {
    key: 'billing',
    name: 'Billing',
    description: 'Sees invoices, payments and which services expire.',
    permissions: p('dashboard.view', 'services.view', 'billing.view', 'billing.manage'),
  },
  {
    key: 'purchasing',
    name: 'Purchasing',
    description: 'Buys new services and renewals.',
    permissions: p('dashboard.view', 'services.view', 'purchasing.view', 'purchasing.buy'),
  },
  {
    key: 'visitation',
    name: 'Visitation',
    description: 'Requests visits to the data centre.',
    permissions: p('dashboard.view', 'services.view', 'visitation.view', 'visitation.request'),
  },
] as const satisfies readonly BuiltinRole[]

/** A built-in role's permissions, by key. */
export const builtinPermissions: ReadonlyMap<string, readonly Permission[]> = new Map(builtinRoles.map((r) => [r.key, r.permissions]))

/** A built-in role's name, by key. */
export const builtinRoleNames: ReadonlyMap<string, string> = new Map(builtinRoles.map((r) => [r.key, r.name]))
