import { systemEvent, type EventInput } from '../durable/activity-schema.ts'
import type { Bindings } from '../env.ts'

/** The activity log (Durable Object) of one account. */
export function activityLog(env: Bindings, accountId: string) {
  return env.ACTIVITY.get(env.ACTIVITY.idFromName(accountId))
}

/** Append an event to the log of the account where it happened; resolves once it is durable. */
export async function appendEvent(env: Bindings, event: EventInput) {
  return activityLog(env, event.accountId).append(event.accountPath, event)
}

/** Append an event nobody did (see systemEvent) to the log of `account`. */
export async function appendSystemEvent(env: Bindings, account: { id: string; path: string }, event: Parameters<typeof systemEvent>[1], source: 'scheduled' | 'system') {
  return appendEvent(env, systemEvent(account, event, source))
}

/** Whether page views are logged in an account (explicit setting, else on for platform and resellers). */
export function pageViewsLogged(account: { kind: string; pageViewLogging: boolean | null }) {
  return account.pageViewLogging ?? account.kind !== 'customer'
}
