/**
 * The frames the live endpoint sends, checked before the app sees them: a
 * frame of an unknown or malformed shape is dropped, never half-used.
 */
import type { ActivityEvent, LiveChange, PresencePerson } from '$lib/types'

/** Reads one event of an events frame (`./event-frame`), or null to drop it. */
export type EventReader = (v: unknown) => ActivityEvent | null

export type ServerFrame =
  | { type: 'events'; events: ActivityEvent[]; caughtUp: boolean }
  | { type: 'presence'; people: PresencePerson[] }
  | { type: 'changes'; changes: LiveChange[] }
  | { type: 'pong' }
  | { type: 'inbox'; unread: number; latest: { title: string; link: string } | null }

type Json = Record<string, unknown>

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
export const isString = (v: unknown): v is string => typeof v === 'string'
export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

function person(v: unknown): PresencePerson | null {
  if (!isObject(v) || !isString(v.userId) || !isString(v.name) || !isString(v.email)) return null
  return { userId: v.userId, name: v.name, email: v.email, page: isString(v.page) ? v.page : '', since: isNumber(v.since) ? v.since : 0 }
}

/** A notice's target: its label comes only to those who may read the log. */
function changeTarget(v: unknown): LiveChange['target'] | undefined {
  if (v === null) return null
  if (!isObject(v) || !isString(v.kind) || !isString(v.id)) return undefined
  return isString(v.label) ? { kind: v.kind, id: v.id, label: v.label } : { kind: v.kind, id: v.id }
}

function change(v: unknown): LiveChange | null {
  if (!isObject(v) || !isString(v.type) || !isString(v.accountId)) return null
  const t = changeTarget(v.target)
  if (t === undefined) return null
  return { type: v.type, target: t, actor: isString(v.actor) ? v.actor : null, accountId: v.accountId, time: isNumber(v.time) ? v.time : Date.now(), mine: v.mine === true }
}

/** Keep the items that parse. */
function all<T>(list: unknown, parse: (v: unknown) => T | null): T[] | null {
  if (!Array.isArray(list)) return null
  return list.map(parse).filter((x): x is T => x !== null)
}

/**
 * A frame from the live endpoint, or null for anything else. Events frames come only to sockets
 * that asked for them (the Activity page), which pass `readEvent`: the shell's sockets do without
 * the event types' list.
 */
export function parseFrame(text: string, readEvent?: EventReader): ServerFrame | null {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return null
  }
  if (!isObject(raw)) return null
  switch (raw.type) {
    case 'events': {
      const events = readEvent ? all(raw.events, readEvent) : null
      return events ? { type: 'events', events, caughtUp: raw.caughtUp === true } : null
    }
    case 'presence': {
      const people = all(raw.people, person)
      return people ? { type: 'presence', people } : null
    }
    case 'changes': {
      const changes = all(raw.changes, change)
      return changes ? { type: 'changes', changes } : null
    }
    case 'pong':
      return { type: 'pong' }
    case 'inbox': {
      if (!isNumber(raw.unread)) return null
      const l = raw.latest
      const latest = isObject(l) && isString(l.title) && isString(l.link) ? { title: l.title, link: l.link } : null
      return { type: 'inbox', unread: raw.unread, latest }
    }
    default:
      return null
  }
}
