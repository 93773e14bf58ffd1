/**
 * What the signed-in person holds in an account, read from the menu answer
 * (each item carries the actions held in its section). The web app decides
 * nothing with this: it only hides what the API would refuse.
 */
import { sections, type CatalogueSection } from './catalogue'
import type { AccountKind, MenuItem } from './types'

const byKey = new Map(sections.map((s) => [s.key, s]))

/** `section.action` strings held here; a section absent from the menu holds nothing. */
export function heldPermissions(menu: readonly MenuItem[]): Set<string> {
  const held = new Set<string>(['dashboard.view'])
  for (const item of menu) for (const action of item.actions ?? []) held.add(`${item.key}.${action}`)
  return held
}

/** True when the menu gives `action` in section `key`. */
export function holds(menu: readonly MenuItem[], key: string, action: string): boolean {
  return menu.some((item) => item.key === key && (item.actions ?? []).includes(action))
}

/** The catalogue section of a `section.action` permission. */
export function sectionOf(permission: string): CatalogueSection | undefined {
  return byKey.get(permission.slice(0, permission.indexOf('.')))
}

/** The catalogue section by key. */
export function catalogueSection(key: string): CatalogueSection | undefined {
  return byKey.get(key)
}

/** True for permissions a user-level member may hold (technical sections only). */
export function isTechnical(permission: string): boolean {
  return sectionOf(permission)?.category === 'technical'
}

/** The sections that exist for an account of this kind, in menu order. */
export function sectionsFor(kind: AccountKind): CatalogueSection[] {
  return sections.filter((s) => s.tiers.includes(kind))
}

/** "Manage", "Impersonate"… */
export function actionLabel(action: string): string {
  return action.charAt(0).toUpperCase() + action.slice(1)
}

/** "Billing: manage" for a permission string. */
export function permissionLabel(permission: string): string {
  const section = sectionOf(permission)
  const action = permission.slice(permission.indexOf('.') + 1)
  return `${section?.label ?? permission.slice(0, permission.indexOf('.'))}: ${action}`
}
