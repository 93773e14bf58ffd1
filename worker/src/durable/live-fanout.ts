import { matches } from './activity-query.ts'
import type { ActivityEvent } from './activity-schema.ts'
import { frameOf, groupKey, groupOf, type Attachment, type Group } from './live-frames.ts'

/** Events per frame: a larger batch goes out as several frames. */
export const FRAME_EVENTS = 100
/** Sign-ins and sign-outs change no data: open pages need no notice of them. */
const SESSION_EVENTS = new Set(['login', 'login_failed', 'logout'])

/**
 * The fan-out of a log's events to the live sockets one object holds. Its one
 * entry is `publish(batch)`: the events of one flush, in seq order, sent to
 * every socket that may see them. Sockets are grouped by what they receive
 * (events flag + filter, or change notices with or without details), so each
 * event is matched once per group and each frame serialised once per group,
 * however many sockets share it. The log object publishes to its own
 * fan-out, and relays (live-relay.ts; docs/decisions/029), which hold the
 * sockets of a busy log, run the same class on the batches it publishes to them.
 */
export class LiveFanout {
  /** Rebuilt after any socket opens or closes (`regroup`). */
  private groups: Map<string, Group> | null = null

  /** `sockets`: the open sockets this fan-out serves, each with its `Attachment`. */
  constructor(private readonly sockets: () => WebSocket[]) {}

  /** Sockets came or went: group them afresh before the next batch. */
  regroup() {
    this.groups = null
  }

  /** Whether any socket here would hear of this event (else no flush needs to run for it). */
  wants(event: ActivityEvent): boolean {
    for (const group of this.socketGroups().values()) if (hears(group, event)) return true
    return false
  }

  /**
   * Send one flush's events to every socket that may see them. A socket that
   * joined after some of them were stored got those in its replay
   * (`replayedUpTo`) and gets only the rest; a person's own changes come
   * marked `mine`, in frames built for their sockets only.
   */
  publish(batch: readonly ActivityEvent[]) {
    for (const group of this.socketGroups().values()) {
      const queue = batch.filter((e) => hears(group, e))
      if (!queue.length) continue
      const frames: string[] = []
      for (let i = 0; i < queue.length; i += FRAME_EVENTS) frames.push(frameOf(group, queue.slice(i, i + FRAME_EVENTS)))
      // Change notices tell a person which changes were their own: only their sockets get frames of their own.
      const actors = group.events ? null : new Set(queue.map((e) => e.actor?.id))
      for (const { ws, replayedUpTo, personId } of group.sockets) {
        try {
          const own = actors?.has(personId) ? personId : null
          if (replayedUpTo >= queue[0]!.seq || own) {
            const fresh = queue.filter((e) => e.seq > replayedUpTo)
            for (let i = 0; i < fresh.length; i += FRAME_EVENTS) ws.send(frameOf(group, fresh.slice(i, i + FRAME_EVENTS), own))
          } else for (const frame of frames) ws.send(frame)
        } catch {}
      }
    }
  }

  private socketGroups(): Map<string, Group> {
    if (this.groups) return this.groups
    const groups = new Map<string, Group>()
    for (const ws of this.sockets()) {
      const sub = ws.deserializeAttachment() as Attachment
      const key = groupKey(sub)
      let group = groups.get(key)
      if (!group) groups.set(key, (group = groupOf(sub)))
      group.sockets.push({ ws, replayedUpTo: sub.replayedUpTo, personId: sub.personId })
    }
    return (this.groups = groups)
  }
}

/** Activity subscribers hear the events their filter matches; everyone else hears of changes (actions, not sign-ins). */
function hears(group: Group, event: ActivityEvent): boolean {
  return group.events ? matches(event, group.filter, group.words) : event.kind === 'action' && !SESSION_EVENTS.has(event.type)
}
