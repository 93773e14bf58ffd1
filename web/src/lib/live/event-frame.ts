/**
 * One event of an events frame, checked like the rest of a frame (./frames): an event of an unknown
 * type or a malformed shape is dropped, never half-used. Only the Activity page's socket asks for
 * events, so only it carries the contract's list of event types.
 */
import { activityEventTypeValues } from '$lib/api/openapi'
import type { ActivityEvent, ActivityType, EventTarget, Party } from '$lib/types'
import { isNumber, isObject, isString } from './frames'

/** The contract's list itself, not $lib/activity's: reading a frame needs no labels. */
const isKnownType = (type: string): type is ActivityType => (activityEventTypeValues as readonly string[]).includes(type)

function party(v: unknown): Party | null | undefined {
  if (v === null) return null
  if (isObject(v) && isString(v.id) && isString(v.email)) return { id: v.id, email: v.email }
  return undefined
}

function target(v: unknown): EventTarget | null | undefined {
  if (v === null) return null
  if (isObject(v) && isString(v.kind) && isString(v.id) && isString(v.label)) return { kind: v.kind, id: v.id, label: v.label }
  return undefined
}

/** An event as the live endpoint sends it, or null to drop it. */
export function activityEvent(v: unknown): ActivityEvent | null {
  if (!isObject(v)) return null
  const actor = party(v.actor)
  const impersonator = party(v.impersonator)
  const subject = party(v.subject)
  const t = target(v.target)
  if (
    !isNumber(v.seq) ||
    !isString(v.id) ||
    !isNumber(v.time) ||
    !isString(v.accountId) ||
    !isString(v.accountPath) ||
    // A type this build does not know (the API deployed ahead of it) drops the event rather than mislabel it.
    !isString(v.type) ||
    !isKnownType(v.type) ||
    (v.kind !== 'action' && v.kind !== 'page_view') ||
    actor === undefined ||
    impersonator === undefined ||
    subject === undefined ||
    t === undefined ||
    !isString(v.description)
  ) {
    return null
  }
  return {
    seq: v.seq,
    id: v.id,
    time: v.time,
    accountId: v.accountId,
    accountPath: v.accountPath,
    type: v.type,
    kind: v.kind,
    actor,
    impersonator,
    subject,
    target: t,
    description: v.description,
    ip: isString(v.ip) ? v.ip : '',
    userAgent: isString(v.userAgent) ? v.userAgent : '',
  }
}
