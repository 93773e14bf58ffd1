import { mayChangeIntegrations } from '../authz/impersonation.ts'
import type { Principal } from './sessions.ts'
import { MAX_HOOKS, type CreateHook } from '../durable/hooks.ts'
import type { Bindings } from '../env.ts'
import { DomainError } from '../errors.ts'
import { activityLog } from './activity.ts'
import { notifiableTypes } from './notifications.ts'
import { checkUrl, urlPolicy } from './webhook-urls.ts'

/** The webhooks and log streams of an account, kept in its activity log (durable/hooks.ts). */
export function integrationsOf(env: Bindings, accountId: string) {
  return activityLog(env, accountId).integrations()
}

/**
 * The event types a member may have sent to a webhook: those they may view,
 * decided as for notification emails (all actions with `activity.view`, none
 * without). `mayView` is the guard's decision for `activity.view` here.
 */
export function subscribableTypes(mayView: boolean): readonly string[] {
  return mayView ? notifiableTypes : []
}

/** Add a webhook or log stream to an account's log (refused past MAX_HOOKS). */
export async function createIntegration(env: Bindings, account: { id: string; path: string }, createdBy: string, input: CreateHook) {
  const created = await integrationsOf(env, account.id).create({ id: account.id, path: account.path }, createdBy, input)
  if (!created) throw new DomainError('limit_reached', `An account can have at most ${MAX_HOOKS} integrations.`)
  return created
}

/** Refuse changes while impersonating (authz/impersonation.ts). */
export function assertMayChange(principal: Principal) {
  const decision = mayChangeIntegrations(!!principal.impersonation)
  if (!decision.ok) throw new DomainError('impersonation_restricted', decision.detail)
}

/** Default collector paths when only a host is given: Datadog's logs intake v2 and Splunk's HEC event endpoint. */
const DEFAULT_PATHS = { datadog: '/api/v2/logs', splunk: '/services/collector/event' } as const

/**
 * Check and normalise a new integration: the URL (https, public address; a
 * field error naming `url` otherwise) and the event types (only types the
 * creator may view; a 403 naming `types` otherwise).
 */
export function validateHook(env: Bindings, input: CreateHook, visible: readonly string[]): CreateHook {
  const checked = checkUrl(input.url, urlPolicy(env))
  if (!checked.ok) throw new DomainError('validation_failed', checked.message, 'url')
  const url = checked.url
  if (input.kind === 'stream') {
    if (input.format !== 'ndjson' && (url.pathname === '/' || url.pathname === '')) url.pathname = DEFAULT_PATHS[input.format]
    if (input.format !== 'ndjson' && !input.token) throw new DomainError('validation_failed', input.format === 'datadog' ? 'A Datadog API key is needed.' : 'A Splunk HEC token is needed.', 'token')
    return { ...input, url: url.href }
  }
  const hidden = input.types.filter((t) => !visible.includes(t))
  if (hidden.length) throw new DomainError('forbidden', `You may not view these events, so cannot send them anywhere: ${hidden.join(', ')}.`, 'types')
  return { ...input, url: url.href }
}
