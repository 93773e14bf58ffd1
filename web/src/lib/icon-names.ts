/**
 * Lucide icons drawn from one SVG sprite (components/icons.svg, written from these lists by
 * `npm run icons`) rather than one JavaScript module each: the icons of the signed-in shell and the
 * dashboard, which every account page shows. See $lib/icons.
 *
 * MENU_ICONS: the names the menu endpoint may give (kebab-case); an unknown one gets `folder`.
 */
export const MENU_ICONS = [
  'activity',
  'archive',
  'arrow-left-right',
  'bell',
  'briefcase',
  'building-2',
  'credit-card',
  'database',
  'door-open',
  'eye',
  'file-text',
  'folder',
  'globe',
  'hard-drive',
  'history',
  'key-round',
  'layout-dashboard',
  'life-buoy',
  'lock',
  'mail',
  'palette',
  'receipt',
  'server',
  'settings',
  'shield',
  'shield-check',
  'shopping-cart',
  'user-cog',
  'user-plus',
  'users',
] as const

/** The other icons of the shell, the dashboard and the root layout and error page ($lib/icons). */
export const SHELL_ICONS = [
  'arrow-left',
  'arrow-right',
  'bell',
  'building-2',
  'chevron-right',
  'chevrons-up-down',
  'circle-alert',
  'circle-check',
  'history',
  'life-buoy',
  'log-out',
  'mail-warning',
  'menu',
  'refresh-cw',
  'search',
  'search-x',
  'shopping-cart',
  'users',
  'venetian-mask',
  'x',
] as const

export type IconName = (typeof MENU_ICONS)[number] | (typeof SHELL_ICONS)[number]
