/** How the services pages say things: a service's last action, and groups under their account's name. */
import { m } from '$lib/paraglide/messages.js'
import type { ServiceGroup } from './types'

/** "Restarted", "Renamed": what a service's last action reads as. */
export function actionPast(action: string): string {
  const known: Record<string, () => string> = {
    restart: m.common_action_past_restart,
    rename: m.common_action_past_rename,
    stop: m.common_action_past_stop,
    start: m.common_action_past_start,
    reinstall: m.common_action_past_reinstall,
  }
  return known[action]?.() ?? `${action.charAt(0).toUpperCase()}${action.slice(1)}`
}

/** Service groups under their account's name, accounts in the order they first appear. */
export function groupByAccount(groups: readonly ServiceGroup[]): { name: string; groups: ServiceGroup[] }[] {
  const byName = new Map<string, ServiceGroup[]>()
  for (const group of groups) {
    const list = byName.get(group.accountName)
    if (list) list.push(group)
    else byName.set(group.accountName, [group])
  }
  return [...byName].map(([name, list]) => ({ name, groups: list }))
}
