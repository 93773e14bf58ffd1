/**
 * What the shell's live features need to know about pages: the label a tab's
 * page goes by (presence, page views) and whether a change in the account
 * concerns what the open page shows.
 */
import { menuLabel } from '$lib/menu-label'
import { m } from '$lib/paraglide/messages.js'
import type { LiveChange, MenuItem } from '$lib/types'

/** Loose view of a page's data: only the names a label needs. */
interface LabelData {
  service?: { name?: unknown }
  role?: { name?: unknown }
}

/**
 * "Dashboard", "Staff", "Services › acme-control-01", "Roles › New role": the
 * section by the path (so error pages and placeholder sections read right too),
 * then the thing the page shows. In the page's language: the others on the
 * account see the words this tab sends (a log of page views keeps them as sent).
 */
export function pageLabel(pathname: string, accountId: string, data: LabelData, menu: readonly MenuItem[]): string {
  const prefix = `/a/${accountId}`
  const rest = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : pathname
  const [sectionPath, detail] = rest.split('/').filter(Boolean)
  if (!sectionPath) return m.shell_menu_dashboard()
  const decoded = safeDecode(sectionPath)
  const item = menu.find((i) => i.path === decoded)
  const section = item ? menuLabel(item.key, item.label) : menuLabel(decoded, decoded.charAt(0).toUpperCase() + decoded.slice(1))
  if (!detail) return section
  const name =
    decoded === 'services' && typeof data.service?.name === 'string'
      ? data.service.name
      : decoded === 'roles' && detail === 'new'
        ? m.shell_presence_new_role()
        : decoded === 'roles' && typeof data.role?.name === 'string'
          ? data.role.name
          : null
  return (name ? `${section} › ${name}` : section).slice(0, 200)
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}

const MEMBER_CHANGES = new Set(['member_created', 'member_updated', 'member_deleted', 'update_user_permissions'])
const ROLE_CHANGES = new Set(['role_created', 'role_updated', 'role_deleted'])
const SERVICE_CHANGES = new Set(['service_created', 'service_updated', 'service_deleted', 'server_action', 'update_server', 'update_license', 'update_configuration'])
const GROUP_CHANGES = new Set(['service_group_created', 'service_group_updated', 'service_group_deleted'])
const ACCOUNT_CHANGES = new Set(['account_created', 'account_updated', 'account_deleted', 'update_organization'])

/**
 * What a change means for the open page: `refresh` its data (and say who did
 * it), only a `notice` (a form the person may be editing must not be reset
 * under them), or nothing. A change to one's own access refreshes any page, so
 * the menu follows it.
 */
export function changeEffect(
  routeId: string | null,
  params: Partial<Record<string, string>>,
  change: LiveChange,
  me: { email: string },
): 'refresh' | 'notice' | null {
  const { type } = change
  const targetId = change.target?.id
  if (MEMBER_CHANGES.has(type) && change.target?.label === me.email) return 'refresh'
  switch (routeId) {
    case '/a/[accountId]/staff':
      // The table shows members and the names of their roles.
      return MEMBER_CHANGES.has(type) || type === 'role_updated' || type === 'role_deleted' ? 'refresh' : null
    case '/a/[accountId]/roles':
      // The table counts each role's members.
      return ROLE_CHANGES.has(type) || MEMBER_CHANGES.has(type) ? 'refresh' : null
    case '/a/[accountId]/roles/[roleId]':
      return ROLE_CHANGES.has(type) && targetId === params.roleId ? 'notice' : null
    case '/a/[accountId]/services':
      return SERVICE_CHANGES.has(type) || GROUP_CHANGES.has(type) ? 'refresh' : null
    case '/a/[accountId]/services/groups':
      return GROUP_CHANGES.has(type) || SERVICE_CHANGES.has(type) ? 'refresh' : null
    case '/a/[accountId]/services/[sid]':
      if (targetId !== params.sid || !SERVICE_CHANGES.has(type)) return null
      // A deleted service only gets a notice: refreshing would swap the page for "not found" mid-read.
      return type === 'service_deleted' ? 'notice' : 'refresh'
    case '/a/[accountId]':
    case '/a/[accountId]/customers':
    case '/a/[accountId]/resellers':
      return ACCOUNT_CHANGES.has(type) ? 'refresh' : null
    default:
      return null
  }
}
