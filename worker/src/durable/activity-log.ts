import { z } from 'zod'
import { chainHash, GENESIS, verifyChain } from './activity-chain.ts'
import { exportSlice } from './activity-export.ts'
import { where } from './activity-query.ts'
import { EventFilter, EventInput, migrations, toEvent, type ActivityEvent } from './activity-schema.ts'
import { eventHistogram, listEvents } from './activity-search.ts'
import type { Person } from './live-frames.ts'
import { LiveSocketHost } from './live-host.ts'
import { LiveRelays } from './live-relays.ts'
import { LiveSockets, type CatchUp } from './live-sockets.ts'
import { Hooks } from './hooks.ts'

const FORWARD_BATCH = 100
const DAY = 24 * 60 * 60 * 1000

/**
 * One account's activity log: an append-only, hash-chained SQLite table with
 * FTS5 search, an outbox that forwards each event to the parent account's log
 * (up to the reseller; never into the platform's), and the account's live
 * sockets (hibernating; live-sockets.ts), which hear of each event it stores.
 * The object keeps storage and wiring: its tables and migrations are in
 * activity-schema.ts, searches in activity-search.ts (SQL from
 * activity-query.ts), the hash chain in activity-chain.ts, exports in
 * activity-export.ts, and the live fan-out in live-tick.ts (the flush) and
 * live-fanout.ts (frames to sockets).
 */
export class ActivityLog extends LiveSocketHost {
  /** The account's live sockets: fan-out, presence and the rights backstop. */
  protected live: LiveSockets
  /** The relays that hold sockets of this log (docs/decisions/029): each flush is published to them too. */
  private relays: LiveRelays
  /** Webhooks and log streams of this account (durable/hooks.ts), run from the alarm. */
  private hooks!: Hooks

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env)
    this.relays = new LiveRelays(env.LIVE_RELAY, { meta: (key) => this.meta(key), setMeta: (key, value) => this.setMeta(key, value) }, {
      people: () => this.live.people(),
      changed: () => this.live.presenceChanged(),
    })
    this.live = new LiveSockets(ctx, env.DB, {
      relay: null,
      catchUp: (sub): CatchUp => {
        const upTo = this.lastSeq()
        return { upTo, events: sub.events ? this.eventsAfter(sub.filter, sub.after ?? upTo) : [] }
      },
      meta: (key) => this.meta(key),
      setMeta: (key, value) => this.setMeta(key, value),
      deleteMeta: (key) => this.deleteMeta(key),
      wakeBy: (at) => void this.ensureAlarm(at),
      otherPeople: () => this.relays.othersThan(null),
      peopleChanged: () => this.relays.ownChanged(),
      relays: this.relays,
    })
    ctx.blockConcurrencyWhile(async () => {
      this.migrate()
      this.hooks = this.newHooks()
    })
  }

  private newHooks() {
    return new Hooks({ sql: this.sql, storage: this.ctx.storage, env: this.env, append: (input) => this.store(this.meta('path') ?? input.accountPath, null, input), wake: (at) => this.ensureAlarm(at) })
  }

  /** This account's webhooks and log streams (an RPC target: `stub.integrations().list()`). */
  integrations(): Hooks {
    return this.hooks
  }

  private migrate() {
    this.sql.exec('CREATE TABLE IF NOT EXISTS _migrations (version INTEGER PRIMARY KEY)')
    const done = new Set(this.sql.exec('SELECT version FROM _migrations').toArray().map((r) => Number(r.version)))
    migrations.forEach((statement, version) => {
      if (done.has(version)) return
      this.ctx.storage.transactionSync(() => {
        this.sql.exec(statement)
        this.sql.exec('INSERT INTO _migrations (version) VALUES (?)', version)
      })
    })
  }

  private lastSeq(): number {
    return Number(this.meta('last_seq') ?? 0)
  }

  /**
   * Append an event that happened in this account. Durable when this returns:
   * the caller reports success only afterwards.
   */
  async append(selfPath: string, input: EventInput): Promise<ActivityEvent> {
    const event = EventInput.parse(input)
    const stored = this.store(selfPath, null, event)
    return stored!
  }

  /** Append several events of this account in order (bulk loads, benchmarks). */
  async appendMany(selfPath: string, inputs: EventInput[]): Promise<number> {
    const events = z.array(EventInput).max(1000).parse(inputs)
    for (const e of events) this.store(selfPath, null, e)
    return events.length
  }

  /**
   * The account moved under another parent (docs/decisions/026): what is still
   * owed to the old parent's log is sent there first (one try; what fails stays
   * only in this log, never reaching the new parent), then events follow the
   * new path. Returns how many events were still forwarded to the old parent.
   */
  async rehome(newPath: string): Promise<number> {
    const path = z.string().min(3).max(2000).parse(newPath)
    const old = this.meta('path')
    let sent = 0
    if (old && old !== path) {
      const parent = parentPath(old)
      if (parent) {
        const events = this.sql.exec('SELECT e.* FROM events e JOIN outbox o ON o.seq = e.seq ORDER BY e.seq').toArray().map(toEvent)
        for (let i = 0; i < events.length; i += FORWARD_BATCH) {
          try {
            const stub = this.env.ACTIVITY.get(this.env.ACTIVITY.idFromName(parent.id))
            sent += await stub.receive(parent.path, events.slice(i, i + FORWARD_BATCH).map(({ seq: _seq, ...e }) => e))
          } catch (error) {
            console.error('events owed to the old parent stay in this log only', error)
          }
        }
      }
      this.sql.exec('DELETE FROM outbox')
    }
    this.setMeta('path', path)
    return sent
  }

  /** Receive events forwarded from a child account's log; idempotent on event id. */
  async receive(selfPath: string, events: (EventInput & { id: string; time: number })[]): Promise<number> {
    let added = 0
    for (const e of events) {
      const parsed = EventInput.extend({ id: z.string().max(200), time: z.number().int() }).parse(e)
      if (this.store(selfPath, { id: parsed.id, time: parsed.time }, parsed)) added++
    }
    return added
  }

  /** Insert one event (+ FTS + outbox) in one transaction; null when the id is already here. */
  private store(selfPath: string, origin: { id: string; time: number } | null, input: EventInput): ActivityEvent | null {
    const event = this.ctx.storage.transactionSync(() => {
      if (!this.meta('path')) this.setMeta('path', selfPath)
      if (origin && this.sql.exec('SELECT 1 FROM events WHERE id = ?', origin.id).toArray().length) return null
      const last = this.sql.exec('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').toArray()[0]
      const prevHash = last ? String(last.hash) : (this.meta('anchor') ?? GENESIS)
      const seq = (last ? Number(last.seq) : Number(this.meta('last_seq') ?? 0)) + 1
      const e: ActivityEvent = { ...input, seq, id: origin?.id ?? `${input.accountId}:${seq}`, time: origin?.time ?? Date.now() }
      const hash = chainHash(e, prevHash)
      this.sql.exec(
        `INSERT INTO events (seq, id, time, account_id, account_path, type, kind, actor_id, actor_email, impersonator_id, impersonator_email,
           subject_id, subject_email, target_kind, target_id, target_label, description, ip, user_agent, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        seq, e.id, e.time, e.accountId, e.accountPath, e.type, e.kind, e.actor?.id ?? null, e.actor?.email ?? null,
        e.impersonator?.id ?? null, e.impersonator?.email ?? null, e.subject?.id ?? null, e.subject?.email ?? null,
        e.target?.kind ?? null, e.target?.id ?? null, e.target?.label ?? null, e.description, e.ip, e.userAgent, prevHash, hash,
      )
      this.sql.exec('INSERT INTO events_fts (rowid, description) VALUES (?, ?)', seq, e.description)
      this.setMeta('last_seq', String(seq))
      if (parentPath(selfPath)) this.sql.exec('INSERT INTO outbox (seq, next_at) VALUES (?, ?)', seq, Date.now())
      return e
    })
    if (event) {
      // Forward (or deliver to hooks) at once when there is work; otherwise wake daily for retention.
      void this.ensureAlarm(parentPath(selfPath) || this.hooks.pending ? Date.now() : Date.now() + DAY)
      this.live.deliver(event)
    }
    return event
  }

  /**
   * Erase this account's log: only when the account itself is purged (30
   * days after its deletion). Live sockets are closed; the object starts
   * empty should the id ever be used again. Returns how many events went.
   */
  async purge(): Promise<number> {
    const count = Number(this.sql.exec('SELECT count(*) AS n FROM events').toArray()[0]?.n ?? 0)
    this.live.closeAll(1000, 'account purged')
    await this.ctx.storage.deleteAlarm()
    await this.ctx.storage.deleteAll()
    this.migrate()
    this.hooks = this.newHooks()
    return count
  }

  /** Drain the outbox to the parent's log (retrying with backoff), then apply retention. */
  async alarm() {
    const selfPath = this.meta('path')
    const parent = selfPath ? parentPath(selfPath) : null
    if (parent) {
      const now = Date.now()
      const due = this.sql.exec('SELECT o.seq, o.attempts FROM outbox o WHERE o.next_at <= ? ORDER BY o.seq LIMIT ?', now, FORWARD_BATCH).toArray()
      if (due.length) {
        const seqs = due.map((r) => Number(r.seq))
        const events = this.sql.exec(`SELECT * FROM events WHERE seq IN (${seqs.map(() => '?').join(',')}) ORDER BY seq`, ...seqs).toArray().map(toEvent)
        try {
          const stub = this.env.ACTIVITY.get(this.env.ACTIVITY.idFromName(parent.id))
          await stub.receive(parent.path, events.map(({ seq: _seq, ...e }) => e))
          this.sql.exec(`DELETE FROM outbox WHERE seq IN (${seqs.map(() => '?').join(',')})`, ...seqs)
        } catch {
          const attempts = Number(due[0]!.attempts) + 1
          const backoff = Math.min(60_000, 250 * 2 ** Math.min(attempts, 8))
          this.sql.exec(`UPDATE outbox SET attempts = ?, next_at = ? WHERE seq IN (${seqs.map(() => '?').join(',')})`, attempts, now + backoff, ...seqs)
        }
      }
    }
    const hooksDue = await this.hooks.run()
    this.applyRetention()
    const liveCheck = await this.live.check()
    // Next wake-up: the earliest pending forward, the next check of live sockets, or tomorrow's retention pass.
    const next = this.sql.exec('SELECT min(next_at) AS at FROM outbox').toArray()[0]?.at
    const due = next === null || next === undefined ? Date.now() + DAY : Math.max(Number(next), Date.now())
    await this.ctx.storage.setAlarm(Math.min(due, Date.now() + DAY, liveCheck ?? Infinity, hooksDue ?? Infinity))
  }

  /**
   * A relay (live-relay.ts) attaches for a socket opening on it: from now on
   * each flush is published to it, and this is the socket's replay — the
   * events after `after` matching `filter` (none without a filter), up to the
   * last seq, at most `limit` per call (`more`: ask again after the last one).
   * Synchronous, so no event falls between the replay and the publishing.
   */
  async attachRelay(accountId: string, index: number, filter: EventFilter | null, after: number | null, limit: number) {
    this.relays.attach(z.string().min(1).max(64).parse(accountId), z.number().int().min(0).parse(index))
    const upTo = this.lastSeq()
    const events: ActivityEvent[] = []
    if (filter) {
      for (const event of this.eventsAfter(EventFilter.parse(filter), after ?? upTo)) {
        if (events.length === limit) return { upTo, events, more: true }
        events.push(event)
      }
    }
    return { upTo, events, more: false }
  }

  /** Every event with a seq in (after, upTo], oldest first, at most 1,000: a relay fills a gap with them. */
  async eventsBetween(after: number, upTo: number): Promise<ActivityEvent[]> {
    return this.sql.exec('SELECT * FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT 1000', after, upTo).toArray().map(toEvent)
  }

  /** A relay's people online changed (presence spans the log and its relays). */
  async relayPresence(accountId: string, index: number, people: Person[]) {
    this.relays.people(accountId, index, people)
  }

  /** Delete events past the retention window, keeping the chain verifiable from its anchor. */
  applyRetention(now = Date.now()) {
    const days = Number(this.env.ACTIVITY_RETENTION_DAYS ?? 400)
    const cutoff = now - days * DAY
    this.ctx.storage.transactionSync(() => {
      const last = this.sql.exec('SELECT seq, hash FROM events WHERE time < ? ORDER BY seq DESC LIMIT 1', cutoff).toArray()[0]
      if (!last) return
      // Never delete an event still waiting to be forwarded.
      const waiting = this.sql.exec('SELECT 1 FROM outbox WHERE seq <= ? LIMIT 1', Number(last.seq)).toArray().length
      if (waiting) return
      this.setMeta('anchor', String(last.hash))
      this.sql.exec("INSERT INTO events_fts (events_fts, rowid, description) SELECT 'delete', seq, description FROM events WHERE seq <= ?", Number(last.seq))
      this.sql.exec('DELETE FROM events WHERE seq <= ?', Number(last.seq))
    })
  }

  /** A page of events, newest first, before the `before` seq. */
  async list(filter: EventFilter, limit: number, before?: number) {
    return listEvents(this.sql, EventFilter.parse(filter), limit, before, Number(this.meta('last_seq') ?? 0))
  }

  /** Events per hour by kind for a filter, between from and to. */
  async histogram(filter: EventFilter) {
    return eventHistogram(this.sql, EventFilter.parse(filter))
  }

  /** Recompute the chain; report the first event whose stored hashes do not add up. */
  async verify() {
    return verifyChain(this.sql, this.meta('anchor') ?? GENESIS)
  }

  /** Events after `afterSeq` matching the filter, oldest first, read as they are iterated. */
  private *eventsAfter(filter: EventFilter, afterSeq: number): Iterable<ActivityEvent> {
    const w = where(filter, { afterSeq })
    for (const row of this.sql.exec(`SELECT * FROM events ${w.sql} ORDER BY seq`, ...w.binds)) yield toEvent(row)
  }

  /** HTTP entry: live sockets (upgrade) and slices of streamed exports. Reached only through our worker. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname === '/live') return this.live.open(request)
    if (url.pathname === '/export') return exportSlice(this.sql, request)
    return new Response('not found', { status: 404 })
  }
}

/** The parent account (id and path) to forward to, or null at a reseller or the platform. */
export function parentPath(path: string): { id: string; path: string } | null {
  const ids = path.split('/').filter(Boolean)
  // [platform, reseller, customer…]: forward up to the reseller, never into the platform.
  if (ids.length <= 2) return null
  const parentIds = ids.slice(0, -1)
  return { id: parentIds.at(-1)!, path: `/${parentIds.join('/')}/` }
}
