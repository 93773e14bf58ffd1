import { m } from '$lib/paraglide/messages.js'

/**
 * A menu section's label in the page's language. The API names sections in English (the menu is
 * its permission catalogue); the web draws each known key from its own message and falls back to
 * the API's label for a key it does not know yet.
 */
const labels: Record<string, () => string> = {
  dashboard: m.shell_menu_dashboard,
  services: m.shell_menu_services,
  resellers: m.shell_menu_resellers,
  customers: m.shell_menu_customers,
  staff: m.shell_menu_staff,
  roles: m.shell_menu_roles,
  activity: m.shell_menu_activity,
  billing: m.shell_menu_billing,
  purchasing: m.shell_menu_purchasing,
  support: m.shell_menu_support,
  visitation: m.shell_menu_visitation,
  security: m.shell_menu_security,
  branding: m.shell_menu_branding,
  settings: m.shell_menu_settings,
  notifications: m.shell_menu_notifications,
  transfers: m.shell_menu_transfers,
  backups: m.shell_menu_backups,
}

export function menuLabel(key: string, fallback: string): string {
  return Object.hasOwn(labels, key) ? labels[key]!() : fallback
}
