/**
 * Words the API sends in English by key — permission sections and actions, built-in roles,
 * levels, account kinds — drawn from the messages of the page's language (decision 034). An
 * unknown key falls back to the API's own text, so a section added to the catalogue still reads.
 * Every label is drawn when asked, never at import (a module-scope label would keep the first
 * request's language).
 */
import { m } from '$lib/paraglide/messages.js'
import { kindLabel, levelLabel } from './format'
import type { AccountKind, Category, Level, Scope } from './types'

/** A level's name ("Admin", "Administrateur"). */
export function levelName(level: Level): string {
  return levelLabel[level]
}

/** An account kind's name, or the API's word for a kind the web does not know yet. */
export function kindName(kind: AccountKind | string): string {
  return Object.hasOwn(kindLabel, kind) ? kindLabel[kind as AccountKind] : kind
}

const sectionMessages: Record<string, () => string> = {
  dashboard: m.people_section_dashboard,
  services: m.people_section_services,
  resellers: m.people_section_resellers,
  customers: m.people_section_customers,
  staff: m.people_section_staff,
  roles: m.people_section_roles,
  activity: m.people_section_activity,
  billing: m.people_section_billing,
  purchasing: m.people_section_purchasing,
  support: m.people_section_support,
  visitation: m.people_section_visitation,
  security: m.people_section_security,
  branding: m.people_section_branding,
  settings: m.people_section_settings,
  notifications: m.people_section_notifications,
  transfers: m.people_section_transfers,
  backups: m.people_section_backups,
}

/** A catalogue section's name ("Billing"), or the API's label for a section the web does not know yet. */
export function sectionName(key: string, fallback?: string): string {
  const draw = Object.hasOwn(sectionMessages, key) ? sectionMessages[key] : undefined
  return draw ? draw() : (fallback ?? key.charAt(0).toUpperCase() + key.slice(1))
}

const actionMessages: Record<string, () => string> = {
  view: m.people_action_view,
  manage: m.people_action_manage,
  operate: m.people_action_operate,
  impersonate: m.people_action_impersonate,
  invite: m.people_action_invite,
  export: m.people_action_export,
  buy: m.people_action_buy,
  contact: m.people_action_contact,
  request: m.people_action_request,
}

/** "Manage", "Impersonate"… */
export function actionName(action: string): string {
  const draw = Object.hasOwn(actionMessages, action) ? actionMessages[action] : undefined
  return draw ? draw() : action.charAt(0).toUpperCase() + action.slice(1)
}

export function categoryName(category: Category): string {
  switch (category) {
    case 'technical':
      return m.people_category_technical()
    case 'financial':
      return m.people_category_financial()
    case 'security':
      return m.people_category_security()
    case 'user-rights':
      return m.people_category_user_rights()
    default:
      return category
  }
}

/** "Billing: manage" for a `section.action` permission; `labels` are the catalogue's own, for unknown sections. */
export function permissionName(permission: string, labels?: ReadonlyMap<string, string>): string {
  const dot = permission.indexOf('.')
  const section = permission.slice(0, dot)
  const action = permission.slice(dot + 1)
  return m.people_permission({ section: sectionName(section, labels?.get(section)), action: actionName(action).toLowerCase() })
}

const builtinNames: Record<string, () => string> = {
  'account-owner': m.people_role_account_owner,
  'system-administrator': m.people_role_system_administrator,
  manager: m.people_role_manager,
  technical: m.people_role_technical,
  billing: m.people_role_billing,
  purchasing: m.people_role_purchasing,
  visitation: m.people_role_visitation,
}
const builtinDescriptions: Record<string, () => string> = {
  'account-owner': m.people_role_account_owner_description,
  'system-administrator': m.people_role_system_administrator_description,
  manager: m.people_role_manager_description,
  technical: m.people_role_technical_description,
  billing: m.people_role_billing_description,
  purchasing: m.people_role_purchasing_description,
  visitation: m.people_role_visitation_description,
}

/** A role's name: a built-in one (its id is its key) in the page's language, a custom one as its account named it. */
export function roleName(role: { id: string; name: string; builtin?: boolean }): string {
  const draw = role.builtin !== false && Object.hasOwn(builtinNames, role.id) ? builtinNames[role.id] : undefined
  return draw ? draw() : role.name
}

/** A role's description: a built-in one in the page's language, a custom one as written. */
export function roleDescription(role: { id: string; description: string; builtin?: boolean }): string {
  const draw = role.builtin !== false && Object.hasOwn(builtinDescriptions, role.id) ? builtinDescriptions[role.id] : undefined
  return draw ? draw() : role.description
}

/** A one-line summary of which services a scope reaches. */
export function scopeText(scope: Scope): string {
  switch (scope.mode) {
    case 'all':
      return m.people_scope_all()
    case 'none':
      return m.people_scope_none()
    case 'tagged':
      return m.people_scope_tagged({ tags: scope.tags.join(', ') })
    case 'selected': {
      const parts = [
        scope.services.length ? m.people_scope_services({ count: scope.services.length }) : '',
        scope.groups.length ? m.people_scope_groups({ count: scope.groups.length }) : '',
      ].filter(Boolean)
      return parts.length ? parts.join(', ') : m.people_scope_none()
    }
  }
}

/** Stands for a piece of markup inside a message: draw the message with SLOT for that input, then `slots()` it. */
export const SLOT = '\u0001'

/**
 * A message cut where its SLOT placeholders were, so markup (a `<strong>`, a `<time>`) can sit
 * between the pieces while the sentence stays whole in each language.
 */
export function slots(text: string): string[] {
  return text.split(SLOT)
}
