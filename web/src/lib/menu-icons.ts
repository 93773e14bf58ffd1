/**
 * The lucide icons the menu endpoint may name (kebab-case). They are drawn from one SVG sprite
 * (components/menu-icons.svg, written from this list by `npm run menu-icons`), so the sidebar ships
 * no JavaScript per icon; an unknown name gets the generic `folder`.
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
