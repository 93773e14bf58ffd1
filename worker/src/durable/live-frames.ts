import { z } from 'zod'
import type { ActivityEvent, EventFilter, Subscriber } from './activity-schema.ts'
import { liveClose, type LiveCloseKind } from './live-close.ts'
import type { ConnectionStatus } from './live-connections.ts'

/**
 * What the activity log's live sockets say and decide, without I/O: the frames
 * they send, who is shown online to whom, and whether a socket's rights still
 * hold (rule 15).
 */

/** A socket's state, kept on the socket itself (it survives hibernation). */
export type Attachment = Subscriber & { connectedAt: number; replayedUpTo: number }

/** The worker asks the log to close these connections, for this reason. */
export const CloseRequest = z.object({
  ids: z.array(z.string().min(1).max(64)).max(10_000),
  kind: z.enum(Object.keys(liveClose) as [LiveCloseKind, ...LiveCloseKind[]]),
})

/**
 * The worker tells a person's sockets that their inbox changed: how many
 * notices are unread now and the newest one's title and link (domain/inbox.ts).
 */
export const InboxPush = z
  .array(
    z.object({
      ids: z.array(z.string().min(1).max(64)).max(1000),
      unread: z.number().int().min(0),
      latest: z.object({ title: z.string().max(300), link: z.string().max(500) }).nullable(),
    }),
  )
  .max(1000)
export type InboxPush = z.infer<typeof InboxPush>

/** What a browser may send on a live socket. */
export const ClientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('page'), page: z.string().max(200) }),
  z.object({ type: z.literal('ping') }),
])
export type ClientFrame = z.infer<typeof ClientFrame>

/** Sockets that receive the same frames: activity subscribers with one filter, or change notices with or without details. */
export interface Group {
  events: boolean
  /** For change notices: labels and actors (activity.view) or not. */
  details: boolean
  filter: EventFilter
  words: string[] | null
  sockets: { ws: WebSocket; replayedUpTo: number; personId: string }[]
}

/** The group a subscriber belongs to: sockets with equal keys get the same frames. */
export function groupKey(sub: Attachment): string {
  return JSON.stringify([sub.events, sub.events ? sub.filter : !!sub.details])
}

/** A new, empty group for this subscriber. */
export function groupOf(sub: Attachment): Group {
  const words = sub.events && sub.filter.q ? (sub.filter.q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) : null
  return { events: sub.events, details: !!sub.details, filter: sub.filter, words, sockets: [] }
}

/**
 * One frame: full events for activity subscribers, change notices for the
 * rest. A notice carries what a page needs to refresh (type, target kind and
 * id, account, time); the target's label and the actor only for those who
 * may read the log, so nobody learns from a notice what they may not view.
 * `me` marks the person's own changes.
 */
export function frameOf(group: Pick<Group, 'events' | 'details'>, slice: ActivityEvent[], me: string | null = null) {
  if (group.events) return JSON.stringify({ type: 'events', events: slice })
  return JSON.stringify({ type: 'changes', changes: slice.map((e) => changeNotice(e, group.details, me)) })
}

function changeNotice(e: ActivityEvent, details: boolean, me: string | null) {
  const target = e.target && (details ? e.target : { kind: e.target.kind, id: e.target.id })
  return {
    type: e.type,
    target,
    ...(details && { actor: e.actor?.email ?? null }),
    accountId: e.accountId,
    time: e.time,
    ...(me !== null && e.actor?.id === me && { mine: true }),
  }
}

/** One person online, as presence frames show them (and as holders of one log's sockets tell each other). */
export interface Person {
  userId: string
  name: string
  email: string
  page: string
  since: number
  memberPath: string
}

/** The people behind these sockets: newest connection per person, in the order they first appear. */
export function presencePeople(subscribers: Attachment[]): Person[] {
  return mergePeople([subscribers.map((p) => ({ userId: p.userId, name: p.name, email: p.email, page: p.page, since: p.connectedAt, memberPath: p.memberPath }))])
}

/**
 * Several holders' people as one list: newest entry per person, in the order
 * they first appear. A tie goes to the later entry: lists come in connection
 * order, and a Worker's clock can stand still between two connections.
 */
export function mergePeople(lists: readonly (readonly Person[])[]): Person[] {
  const people = new Map<string, Person>()
  for (const list of lists) {
    for (const p of list) {
      const prev = people.get(p.userId)
      if (!prev || prev.since <= p.since) people.set(p.userId, p)
    }
  }
  return [...people.values()]
}

/**
 * What one holder of a log's sockets tells the others about its people: for
 * each membership path, its newest `max`. Viewers see people whose path lies
 * inside their own, so whatever a viewer anywhere could be shown (at most
 * `max`, newest first within a path) is in this share.
 */
export function presenceShare(people: readonly Person[], max: number): Person[] {
  const byPath = new Map<string, Person[]>()
  for (const p of people) byPath.set(p.memberPath, [...(byPath.get(p.memberPath) ?? []), p])
  return [...byPath.values()].flatMap((list) => (list.length > max ? [...list].sort((a, b) => b.since - a.since).slice(0, max) : list))
}

/**
 * Who is online, as each viewer may see it: people whose membership lies in
 * the viewer's own tree, at most `max`. One frame per viewer's member path.
 */
export function presenceFrames(viewerPaths: Iterable<string>, people: readonly Person[], max: number): Map<string, string> {
  const frames = new Map<string, string>()
  for (const path of viewerPaths) {
    if (frames.has(path)) continue
    const visible = people
      .filter((p) => p.memberPath.startsWith(path))
      .slice(0, max)
      .map(({ memberPath: _m, ...p }) => p)
    frames.set(path, JSON.stringify({ type: 'presence', people: visible }))
  }
  return frames
}

/**
 * Whether a live socket must end, and why (rule 15), from its attachment and
 * its connection's row in D1 (`unregistered`: no row, so the worker closed it
 * but the close did not arrive — reconnecting authorizes afresh; `unknown`:
 * D1 did not answer).
 */
export function liveVerdict(sub: Attachment, row: ConnectionStatus | 'unregistered' | 'unknown', now: number): LiveCloseKind | null {
  // The impersonation's end is fixed: no need to ask anyone.
  if (sub.impersonationExpiresAt !== null && sub.impersonationExpiresAt !== undefined && sub.impersonationExpiresAt <= now) return 'impersonationEnded'
  if (row === 'unknown') return sub.sessionExpiresAt <= now ? 'signedOut' : null
  if (row === 'unregistered') return 'rightsChanged'
  if (!row.sessionOk) return 'signedOut'
  if (!row.impersonationOk) return 'impersonationEnded'
  if (!row.accessOk) return 'accessEnded'
  if (row.rightsOk === false) return 'rightsChanged'
  return null
}
