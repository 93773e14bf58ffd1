import type { ActivityEvent } from './activity-schema.ts'
import { mergePeople, type Person } from './live-frames.ts'
import type { LiveRelay } from './live-relay.ts'

/** Presence news between the log and its relays is coalesced over this long. */
const PRESENCE_MS = 100

/** The relay object number `index` of an account's log (docs/decisions/029). */
export function liveRelay(ns: DurableObjectNamespace<LiveRelay>, accountId: string, index: number): DurableObjectStub<LiveRelay> {
  return ns.get(ns.idFromName(`${accountId}#relay${index}`))
}

/** How many relays a log spreads its sockets over (`LIVE_RELAYS`; 0: the log holds them itself). */
export function relayCount(value: string | undefined): number {
  const n = Math.floor(Number(value ?? 0))
  return Number.isFinite(n) && n > 0 ? Math.min(n, 1000) : 0
}

interface Active {
  stub: DurableObjectStub<LiveRelay>
  /** Bumped when the relay attaches again: an older "no sockets here" answer must not drop it. */
  gen: number
  /** Its people online (presence), as it last told. */
  people: Person[]
}

/**
 * The log's side of the relay tier (docs/decisions/029): which relays hold
 * sockets of this log, so each flush is published once to each of them. A
 * relay attaches when a socket opens on it (`attach`, with the socket's
 * replay) and is dropped when a publish finds it empty. The set is kept in
 * the log's storage, so a log that was evicted between two events still
 * knows where to publish. Presence spans the log and its relays: each tells
 * the log its people, and the log tells each the people of all the others.
 */
export class LiveRelays {
  private relays: Map<number, Active> | null = null
  private accountId: string | null = null
  private presenceTimer: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly ns: DurableObjectNamespace<LiveRelay>,
    private readonly store: { meta(key: string): string | null; setMeta(key: string, value: string): void },
    /** The people of the log's own sockets, and a nudge to refresh their presence. */
    private readonly own: { people(): Person[]; changed(): void },
  ) {}

  private active_(): Map<number, Active> {
    if (this.relays) return this.relays
    this.relays = new Map()
    const saved = this.store.meta('live_relays')
    if (saved) {
      const { accountId, relays } = JSON.parse(saved) as { accountId: string; relays: number[] }
      this.accountId = accountId
      for (const i of relays) this.relays.set(i, { stub: liveRelay(this.ns, accountId, i), gen: 0, people: [] })
    }
    return this.relays
  }

  private save() {
    this.store.setMeta('live_relays', JSON.stringify({ accountId: this.accountId, relays: [...this.active_().keys()] }))
  }

  /** Whether any relay holds sockets of this log (then every stored event is flushed). */
  active(): boolean {
    return this.active_().size > 0
  }

  /** Relay `index` holds (or is about to hold) a socket of this log: publish to it from now on. */
  attach(accountId: string, index: number) {
    const relays = this.active_()
    const known = relays.get(index)
    if (known) {
      known.gen++
      return
    }
    this.accountId = accountId
    relays.set(index, { stub: liveRelay(this.ns, accountId, index), gen: 1, people: [] })
    this.save()
  }

  /**
   * One flush, once to each relay, without waiting: a relay that misses one
   * (it failed, or an answer came out of order) finds the gap on the next and
   * reads it from the log. A relay that answers it holds no socket is dropped.
   */
  publish(batch: readonly ActivityEvent[]) {
    for (const [index, relay] of this.active_()) {
      const gen = relay.gen
      relay.stub.receive(batch as ActivityEvent[]).then(
        (held) => {
          if (held === 0 && this.relays?.get(index)?.gen === gen) this.drop(index)
        },
        (error) => console.error(`live: relay ${index} did not take a flush (it reads the gap from the log with the next)`, error),
      )
    }
  }

  private drop(index: number) {
    const relay = this.active_().get(index)
    if (!relay) return
    this.active_().delete(index)
    this.save()
    if (relay.people.length) this.schedulePresence()
  }

  /** A relay's people online changed (its share: presenceShare). */
  people(accountId: string, index: number, people: Person[]) {
    const relay = this.active_().get(index)
    if (!relay) {
      // Told by a relay this log forgot (it was dropped while a socket opened): take it back.
      if (!people.length) return
      this.attach(accountId, index)
    }
    const active = this.active_().get(index)!
    if (JSON.stringify(active.people) === JSON.stringify(people)) return
    active.people = people
    this.schedulePresence()
  }

  /** The people online anywhere but `except` (a relay's number; null: the log itself). */
  othersThan(except: number | null): Person[] {
    const lists: Person[][] = except === null ? [] : [this.own.people()]
    for (const [index, relay] of this.active_()) if (index !== except) lists.push(relay.people)
    return mergePeople(lists)
  }

  /** The log's own people changed: the relays hear of it. */
  ownChanged() {
    if (this.active()) this.schedulePresence()
  }

  private schedulePresence() {
    this.presenceTimer ??= setTimeout(() => {
      this.presenceTimer = null
      for (const [index, relay] of this.active_()) {
        relay.stub.presence(this.othersThan(index)).catch((error) => console.error(`live: relay ${index} did not take presence`, error))
      }
      this.own.changed()
    }, PRESENCE_MS)
  }
}
