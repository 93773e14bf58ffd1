/**
 * What the signed-in person holds in an account, read from the menu answer
 * (each item carries the actions held in its section), and the permission
 * catalogue as GET /api/v1/catalogue lists it. The web app decides nothing
 * with these: it only hides what the API would refuse.
 */
import { m } from '$lib/paraglide/messages.js'
import { menuLabel } from './menu-label'
import type { AccountKind, CatalogueSection, MenuItem } from './types'

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

/** "Manage", "Impersonate"… */
export function actionLabel(action: string): string {
  const known: Record<string, () => string> = {
    view: m.common_permission_action_view,
    manage: m.common_permission_action_manage,
    operate: m.common_permission_action_operate,
    impersonate: m.common_permission_action_impersonate,
    invite: m.common_permission_action_invite,
    export: m.common_permission_action_export,
    buy: m.common_permission_action_buy,
    contact: m.common_permission_action_contact,
    request: m.common_permission_action_request,
  }
  return known[action]?.() ?? action.charAt(0).toUpperCase() + action.slice(1)
}

/** The permission catalogue with the look-ups the role editor and the staff dialog need. */
export class Catalogue {
  private byKey: Map<string, CatalogueSection>

  constructor(readonly sections: readonly CatalogueSection[]) {
    this.byKey = new Map(sections.map((s) => [s.key, s]))
  }

  /** The section of a `section.action` permission. */
  sectionOf(permission: string): CatalogueSection | undefined {
    return this.byKey.get(permission.slice(0, permission.indexOf('.')))
  }

  /** True for permissions a user-level member may hold (technical sections only). */
  isTechnical(permission: string): boolean {
    return this.sectionOf(permission)?.category === 'technical'
  }

  /** True when the permission's section exists for an account of this kind (others are ignored by the API). */
  inTier(permission: string, kind: AccountKind): boolean {
    return this.sectionOf(permission)?.tiers.includes(kind) ?? false
  }

  /** The sections that exist for an account of this kind, in menu order. */
  sectionsFor(kind: AccountKind): CatalogueSection[] {
    return this.sections.filter((s) => s.tiers.includes(kind))
  }

  /** "Billing: manage" for a permission string. */
  permissionLabel(permission: string): string {
    const key = permission.slice(0, permission.indexOf('.'))
    const action = permission.slice(permission.indexOf('.') + 1)
    return m.common_permission_label({ section: menuLabel(key, this.byKey.get(key)?.label ?? key), action: actionLabel(action).toLowerCase() })
  }
}
