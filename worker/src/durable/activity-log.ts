import { DurableObject } from 'cloudflare:workers'
import { z } from 'zod'
import { chainHash, GENESIS } from './activity-chain.ts'
import { ftsQuery, matches, typesNamed, where } from './activity-query.ts'
import { EventFilter, EventInput, migrations, Subscriber, toEvent, type ActivityEvent, type Row } from './activity-schema.ts'
import { liveClose, type LiveCloseKind } from './live-close.ts'
import { connectionStatus, forgetConnections, type ConnectionStatus } from './live-connections.ts'

const CloseRequest = z.object({
  ids: z.array(z.string().min(1).max(64)).max(10_000),
  kind: z.enum(Object.keys(liveClose) as [LiveCloseKind, ...LiveCloseKind[]]),
})

const ClientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('page'), page: z.string().max(200) }),
  z.object({ type: z.literal('ping') }),
])

type Attachment = Subscriber & { connectedAt: number; replayedUpTo: number }

const FORWARD_BATCH = 100
const FRAME_EVENTS = 100
const FLUSH_MS = 50
/** Least idle time between two flushes, so appends keep running while 1,000 sockets are served. */
const FLUSH_GAP_MS = 20
const PRESENCE_MS = 100
const MAX_PRESENCE = 100
const DAY = 24 * 60 * 60 * 1000
/** Sign-ins and sign-outs change no data: open pages need no notice of them. */
const SESSION_EVENTS = new Set(['login', 'login_failed', 'logout'])
/** The backstop of rule 15: while it holds sockets, the log re-checks their rights in D1 at least this often. */
const LIVE_CHECK_MS = 60_000
/** A connection's row is written just before its socket arrives: younger rows are never swept. */
const SWEEP_GRACE_MS = 60_000
/** How long the log remembers connections it was told to close, for a socket still on its way. */
const ENDED_MEMORY_MS = 60_000

/**
 * One account's activity log: an append-only, hash-chained SQLite table with
 * FTS5 search, an outbox that forwards each event to the parent account's log
 * (up to the reseller; never into the platform's), and the account's live
 * sockets (hibernating) for live events and presence.
 */
export class ActivityLog extends DurableObject<Cloudflare.Env> {
  private sql: SqlStorage
  /**
   * Sockets grouped by what they receive (events flag + filter), rebuilt after
   * any socket opens or closes: an event is matched once per group and each
   * frame serialised once per group, however many sockets share it.
   */
  private groups: Map<string, Group> | null = null
  /** Events waiting to be sent, per group key; flushed on a FLUSH_MS tick in frames of FRAME_EVENTS. */
  private pending = new Map<string, ActivityEvent[]>()
  private flushTimer: ReturnType<typeof setTimeout> | null = null
  private lastFlushStart = 0
  private lastFlushEnd = 0
  private presenceTimer: ReturnType<typeof setTimeout> | null = null
  /**
   * Connections the worker closed (rule 15) in the last minute, by id: a socket
   * whose handover was under way when the close came is ended as it arrives.
   */
  private ended = new Map<string, { kind: LiveCloseKind; at: number }>()
  /** Test hook: fail the next N forwarded appends (set through runInDurableObject). */
  failNextForwards = 0

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env)
    this.sql = ctx.storage.sql
    ctx.blockConcurrencyWhile(async () => this.migrate())
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

  private meta(key: string): string | null {
    const row = this.sql.exec('SELECT value FROM meta WHERE key = ?', key).toArray()[0]
    return row ? String(row.value) : null
  }

  private setMeta(key: string, value: string) {
    this.sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, value)
  }

  private deleteMeta(key: string) {
    this.sql.exec('DELETE FROM meta WHERE key = ?', key)
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

  /** Receive events forwarded from a child account's log; idempotent on event id. */
  async receive(selfPath: string, events: (EventInput & { id: string; time: number })[]): Promise<number> {
    if (this.failNextForwards > 0) {
      this.failNextForwards--
      throw new Error('forward refused (test fault)')
    }
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
      // Forward at once when there is a parent; otherwise wake daily for retention.
      void this.ensureAlarm(parentPath(selfPath) ? Date.now() : Date.now() + DAY)
      this.deliver(event)
    }
    return event
  }

  private async ensureAlarm(at: number) {
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > at) await this.ctx.storage.setAlarm(at)
  }

  /**
   * Erase this account's log: only when the account itself is purged (30
   * days after its deletion). Live sockets are closed; the object starts
   * empty should the id ever be used again. Returns how many events went.
   */
  async purge(): Promise<number> {
    const count = Number(this.sql.exec('SELECT count(*) AS n FROM events').toArray()[0]?.n ?? 0)
    for (const ws of this.ctx.getWebSockets()) ws.close(1000, 'account purged')
    if (this.flushTimer) clearTimeout(this.flushTimer)
    if (this.presenceTimer) clearTimeout(this.presenceTimer)
    this.flushTimer = this.presenceTimer = null
    this.pending.clear()
    this.groups = null
    await this.ctx.storage.deleteAlarm()
    await this.ctx.storage.deleteAll()
    this.migrate()
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
    this.applyRetention()
    const liveCheck = await this.checkLive()
    // Next wake-up: the earliest pending forward, the next check of live sockets, or tomorrow's retention pass.
    const next = this.sql.exec('SELECT min(next_at) AS at FROM outbox').toArray()[0]?.at
    const due = next === null || next === undefined ? Date.now() + DAY : Math.max(Number(next), Date.now())
    await this.ctx.storage.setAlarm(Math.min(due, Date.now() + DAY, liveCheck ?? Infinity))
  }

  /**
   * The backstop of rule 15, run by the alarm when due (at most LIVE_CHECK_MS
   * apart while sockets are open, and at a session's or impersonation's
   * expiry): ask D1 whether the rights behind each socket still hold and
   * close those that do not, with the code that says why. The worker closes
   * sockets itself when it revokes something; this catches any path that
   * forgot to, and expiries nobody acts on. Returns when the next check is
   * due, or null when no socket is open.
   */
  private async checkLive(now = Date.now()): Promise<number | null> {
    const sockets = this.openSockets().map((ws) => ({ ws, sub: ws.deserializeAttachment() as Attachment }))
    if (!sockets.length) {
      this.deleteMeta('live_check_at')
      return null
    }
    const dueAt = Number(this.meta('live_check_at') ?? 0)
    if (now < dueAt) return dueAt
    const scheduled = this.meta('live_check_at')
    const accountId = sockets.find((s) => s.sub.accountId)?.sub.accountId
    let status: Map<string, ConnectionStatus> | null = null
    if (accountId) {
      try {
        status = new Map((await connectionStatus(this.env.DB, accountId, now)).map((r) => [r.id, r]))
      } catch (error) {
        // D1 unreachable: only what the object knows itself (expiries) ends sockets now; the next check asks again.
        console.error('live check: D1 did not answer', error)
      }
    }
    let next = now + LIVE_CHECK_MS
    const open = new Set<string>()
    let closed = false
    for (const { ws, sub } of sockets) {
      const row = status?.get(sub.connectionId)
      const end = liveVerdict(sub, status ? (row ?? 'unregistered') : 'unknown', now)
      if (end) {
        this.end(ws, end)
        closed = true
        continue
      }
      open.add(sub.connectionId)
      if (row?.sessionExpiresAt && row.sessionExpiresAt !== sub.sessionExpiresAt) ws.serializeAttachment({ ...sub, sessionExpiresAt: row.sessionExpiresAt })
      for (const at of [row?.sessionExpiresAt ?? sub.sessionExpiresAt, sub.impersonationExpiresAt]) if (typeof at === 'number' && Number.isFinite(at)) next = Math.min(next, at)
    }
    if (closed) {
      this.groups = null
      this.schedulePresence()
    }
    // Rows whose socket is gone without its close reaching the object (a deploy, an eviction). A row
    // is written just before its socket arrives, so young rows stay.
    const stale = status ? [...status.values()].filter((r) => !open.has(r.id) && r.openedAt < now - SWEEP_GRACE_MS).map((r) => r.id) : []
    if (stale.length) {
      try {
        await forgetConnections(this.env.DB, stale)
      } catch (error) {
        console.error('live check: could not forget rows of closed sockets', error)
      }
    }
    // A socket that opened meanwhile may have asked for an earlier check.
    const asked = this.meta('live_check_at')
    if (asked !== scheduled && asked !== null) next = Math.min(next, Number(asked))
    else if (!open.size) {
      this.deleteMeta('live_check_at')
      return null
    }
    next = Math.max(next, now + 1000)
    this.setMeta('live_check_at', String(next))
    return next
  }

  /** Have the backstop check run by `at` at the latest (a socket opened, with its expiries). */
  private scheduleLiveCheck(at: number) {
    const due = this.meta('live_check_at')
    if (due === null || Number(due) > at) this.setMeta('live_check_at', String(at))
    void this.ensureAlarm(at)
  }

  /** Close one socket for a reason of rule 15. */
  private end(ws: WebSocket, kind: LiveCloseKind) {
    const { code, reason } = liveClose[kind]
    try {
      ws.close(code, reason)
    } catch {}
  }

  /**
   * Close the sockets of these connections, because the rights that opened
   * them ended or changed (rule 15; called by the worker's domain/live.ts).
   * Returns how many were open here.
   */
  async closeConnections(ids: string[], kind: LiveCloseKind): Promise<number> {
    const input = CloseRequest.parse({ ids, kind })
    const wanted = new Set(input.ids)
    const now = Date.now()
    for (const [id, e] of this.ended) if (e.at < now - ENDED_MEMORY_MS) this.ended.delete(id)
    for (const id of wanted) this.ended.set(id, { kind: input.kind, at: now })
    let closed = 0
    for (const ws of this.ctx.getWebSockets()) {
      const sub = ws.deserializeAttachment() as Attachment | null
      if (!sub || !wanted.has(sub.connectionId)) continue
      this.end(ws, input.kind)
      closed++
    }
    if (closed) {
      this.groups = null
      this.schedulePresence()
    }
    return closed
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
    const f = EventFilter.parse(filter)
    let rows: Row[]
    const fts = f.q ? ftsQuery(f.q) : null
    // (A text that also names event types is an OR the generic plan below handles.)
    if (fts && f.actor && !typesNamed(f.q!).length) {
      // Text and a login: two plans, chosen by how many events pass the other filters
      // (counted in the covering index, up to 1 % of the log). Named indexes and CROSS JOIN,
      // because SQLite's own pick (events_actor, to skip a sort) visits every event of that
      // login or every text match: ~100 ms in a 1M-event log.
      const rest = where({ ...f, q: undefined }, { beforeSeq: before })
      const cap = Math.max(1000, Math.ceil((before ?? Number(this.meta('last_seq') ?? 0)) / 100))
      const candidates = Number(this.sql.exec(`SELECT count(*) AS n FROM (SELECT 1 FROM events INDEXED BY events_actor_type ${rest.sql} LIMIT ?)`, ...rest.binds, cap).one().n)
      if (candidates < cap) {
        // Few: the index yields their seqs newest first, each tested against the text
        // matches (built once), then only the page's rows are read.
        const w = where(f, { beforeSeq: before, ftsDrives: false })
        rows = this.sql
          .exec(
            `SELECT * FROM events WHERE seq IN (SELECT seq FROM events INDEXED BY events_actor_type ${w.sql} ORDER BY seq DESC LIMIT ?) ORDER BY seq DESC`,
            ...w.binds,
            limit + 1,
          )
          .toArray()
      } else {
        // Many: walk the text matches newest first and stop once the page is full; with at
        // least 1 % of events passing, that is about 100 rows per result.
        const also = rest.sql ? `AND ${rest.sql.slice('WHERE '.length)}` : ''
        rows = this.sql
          .exec(
            `SELECT events.* FROM events_fts CROSS JOIN events ON events.seq = events_fts.rowid
             WHERE events_fts MATCH ? ${before === undefined ? '' : 'AND events_fts.rowid < ?'} ${also}
             ORDER BY events_fts.rowid DESC LIMIT ?`,
            fts,
            ...(before === undefined ? [] : [before]),
            ...rest.binds,
            limit + 1,
          )
          .toArray()
      }
    } else {
      const w = where(f, { beforeSeq: before })
      rows = this.sql.exec(`SELECT * FROM events ${w.sql} ORDER BY seq DESC LIMIT ?`, ...w.binds, limit + 1).toArray()
    }
    const items = rows.slice(0, limit).map(toEvent)
    return { items, nextBefore: rows.length > limit ? items.at(-1)!.seq : null }
  }

  /** Events per hour by kind for a filter, between from and to. */
  async histogram(filter: EventFilter) {
    const f = EventFilter.parse(filter)
    const w = where(f)
    return this.sql
      .exec(`SELECT (time / 3600000) * 3600000 AS hour, kind, count(*) AS n FROM events ${w.sql} GROUP BY hour, kind ORDER BY hour`, ...w.binds)
      .toArray()
      .map((r) => ({ hour: Number(r.hour), kind: String(r.kind), count: Number(r.n) }))
  }

  /** Recompute the chain; report the first event whose stored hashes do not add up. */
  async verify() {
    let prev = this.meta('anchor') ?? GENESIS
    let checked = 0
    for (const row of this.sql.exec('SELECT * FROM events ORDER BY seq')) {
      const e = toEvent(row)
      if (String(row.prev_hash) !== prev || chainHash(e, prev) !== String(row.hash)) {
        return { ok: false as const, checked, firstBroken: { seq: e.seq, id: e.id, position: checked + 1 } }
      }
      prev = String(row.hash)
      checked++
    }
    return { ok: true as const, checked, firstBroken: null }
  }

  /** HTTP entry: live sockets (upgrade) and streamed exports. Reached only through our worker. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname === '/live') return this.openSocket(request)
    if (url.pathname === '/export') return this.export(request)
    return new Response('not found', { status: 404 })
  }

  /** Stream every event matching the filter (oldest first) as CSV or NDJSON, page by page. */
  private export(request: Request): Response {
    const format = new URL(request.url).searchParams.get('format') === 'ndjson' ? 'ndjson' : 'csv'
    const filter = EventFilter.parse(JSON.parse(request.headers.get('x-trellis-filter') ?? '{}'))
    const encoder = new TextEncoder()
    let after = 0
    let headerSent = false
    const columns = ['id', 'time', 'account_id', 'type', 'kind', 'actor_email', 'impersonator_email', 'subject_email', 'target_kind', 'target_id', 'target_label', 'description', 'ip', 'user_agent'] as const
    const csvCell = (v: unknown) => {
      const s = v === null || v === undefined ? '' : String(v)
      // Neutralise spreadsheet formulas and quote every cell.
      const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
      return `"${safe.replaceAll('"', '""')}"`
    }
    const stream = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        if (!headerSent && format === 'csv') {
          headerSent = true
          controller.enqueue(encoder.encode(columns.join(',') + '\n'))
          return
        }
        const w = where(filter, { afterSeq: after })
        const rows = this.sql.exec(`SELECT * FROM events ${w.sql} ORDER BY seq LIMIT 1000`, ...w.binds).toArray()
        if (!rows.length) return controller.close()
        after = Number(rows.at(-1)!.seq)
        const text =
          format === 'csv'
            ? rows.map((r) => columns.map((c) => csvCell(c === 'time' ? new Date(Number(r.time)).toISOString() : r[c])).join(',')).join('\n') + '\n'
            : rows.map((r) => JSON.stringify(toEvent(r))).join('\n') + '\n'
        controller.enqueue(encoder.encode(text))
      },
    })
    return new Response(stream, {
      headers: {
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
        'content-disposition': `attachment; filename="activity.${format === 'csv' ? 'csv' : 'ndjson'}"`,
      },
    })
  }

  /** Accept a hibernating WebSocket, replay what it missed (`after`), then announce presence. */
  private openSocket(request: Request): Response {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 })
    const subscriber = Subscriber.parse(JSON.parse(request.headers.get('x-trellis-subscriber') ?? 'null'))
    const { 0: client, 1: server } = new WebSocketPair()
    this.ctx.acceptWebSocket(server, [subscriber.userId])
    const lastSeq = Number(this.meta('last_seq') ?? 0)
    const attachment: Attachment = { ...subscriber, connectedAt: Date.now(), replayedUpTo: lastSeq }
    server.serializeAttachment(attachment)
    // Closed by the worker while on its way here: it ends as it arrives, before it hears anything.
    const ended = this.ended.get(subscriber.connectionId)
    if (ended) {
      this.end(server, ended.kind)
      return new Response(null, { status: 101, webSocket: client })
    }
    this.scheduleLiveCheck(Math.min(Date.now() + LIVE_CHECK_MS, subscriber.sessionExpiresAt, subscriber.impersonationExpiresAt ?? Infinity))
    this.groups = null
    if (subscriber.events) {
      // Replay synchronously: no append can interleave, so nothing is missed or doubled.
      const start = subscriber.after ?? lastSeq
      const w = where(subscriber.filter, { afterSeq: start })
      let batch: ActivityEvent[] = []
      for (const row of this.sql.exec(`SELECT * FROM events ${w.sql} ORDER BY seq`, ...w.binds)) {
        batch.push(toEvent(row))
        if (batch.length === FRAME_EVENTS) (server.send(JSON.stringify({ type: 'events', events: batch })), (batch = []))
      }
      server.send(JSON.stringify({ type: 'events', events: batch, caughtUp: true }))
    }
    this.schedulePresence()
    return new Response(null, { status: 101, webSocket: client })
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    let frame: z.infer<typeof ClientFrame>
    try {
      frame = ClientFrame.parse(JSON.parse(typeof message === 'string' ? message : new TextDecoder().decode(message)))
    } catch {
      ws.send(JSON.stringify({ type: 'error', detail: 'Unknown frame.' }))
      return
    }
    if (frame.type === 'ping') return ws.send(JSON.stringify({ type: 'pong' }))
    const attachment = ws.deserializeAttachment() as Attachment
    ws.serializeAttachment({ ...attachment, page: frame.page })
    this.schedulePresence()
  }

  async webSocketClose(ws: WebSocket, code: number) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'bye')
    } catch {}
    this.groups = null
    this.schedulePresence()
    await this.forget(ws)
  }

  async webSocketError(ws: WebSocket) {
    this.groups = null
    this.schedulePresence()
    await this.forget(ws)
  }

  /** Drop a closed socket's row in D1 (if this fails, the next check's sweep does it). */
  private async forget(ws: WebSocket) {
    const sub = ws.deserializeAttachment() as Attachment | null
    if (!sub?.connectionId) return
    try {
      await forgetConnections(this.env.DB, [sub.connectionId])
    } catch (error) {
      console.error('could not forget a live connection', error)
    }
  }

  private openSockets() {
    return this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN)
  }

  /** Coalesce presence updates: a burst of connections sends one update. */
  private schedulePresence() {
    this.presenceTimer ??= setTimeout(() => {
      this.presenceTimer = null
      this.broadcastPresence()
    }, PRESENCE_MS)
  }

  /** Who is online, per viewer: a viewer sees people whose membership lies in its own tree. */
  private broadcastPresence() {
    const sockets = this.openSockets()
    const people = new Map<string, { userId: string; name: string; email: string; page: string; since: number; memberPath: string }>()
    for (const ws of sockets) {
      const p = ws.deserializeAttachment() as Attachment
      const prev = people.get(p.userId)
      if (!prev || prev.since < p.connectedAt) people.set(p.userId, { userId: p.userId, name: p.name, email: p.email, page: p.page, since: p.connectedAt, memberPath: p.memberPath })
    }
    const frames = new Map<string, string>()
    for (const ws of sockets) {
      const viewer = ws.deserializeAttachment() as Attachment
      let frame = frames.get(viewer.memberPath)
      if (!frame) {
        const visible = [...people.values()]
          .filter((p) => p.memberPath.startsWith(viewer.memberPath))
          .slice(0, MAX_PRESENCE)
          .map(({ memberPath: _m, ...p }) => p)
        frames.set(viewer.memberPath, (frame = JSON.stringify({ type: 'presence', people: visible })))
      }
      try {
        ws.send(frame)
      } catch {}
    }
  }

  private socketGroups(): Map<string, Group> {
    if (this.groups) return this.groups
    const groups = new Map<string, Group>()
    for (const ws of this.openSockets()) {
      const sub = ws.deserializeAttachment() as Attachment
      const key = JSON.stringify([sub.events, sub.events ? sub.filter : !!sub.details])
      let group = groups.get(key)
      if (!group) {
        const words = sub.events && sub.filter.q ? (sub.filter.q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) : null
        groups.set(key, (group = { events: sub.events, details: !!sub.details, filter: sub.filter, words, sockets: [] }))
      }
      group.sockets.push({ ws, replayedUpTo: sub.replayedUpTo, personId: sub.personId })
    }
    return (this.groups = groups)
  }

  /** Queue an event for every group that may see it; change notices go to everyone. */
  private deliver(event: ActivityEvent) {
    for (const [key, group] of this.socketGroups()) {
      if (group.events ? !matches(event, group.filter, group.words) : event.kind !== 'action' || SESSION_EVENTS.has(event.type)) continue
      const queue = this.pending.get(key)
      if (queue) queue.push(event)
      else this.pending.set(key, [event])
    }
    if (!this.pending.size) return
    // A bounded tick: a flush starts FLUSH_MS after the previous one started, and at least
    // FLUSH_GAP_MS after it ended (where the clock runs during a flush, as locally; deployed,
    // it stands still and only the tick counts). Idle sends at once; otherwise the event waits
    // for the tick, however many arrive meanwhile, so at high rates each socket gets one frame
    // per tick carrying all of them, and a slow flush (1,000 sockets on a busy machine) is
    // never followed at once by another carrying a single event.
    const wait = Math.max(this.lastFlushStart + FLUSH_MS, this.lastFlushEnd + FLUSH_GAP_MS) - Date.now()
    if (!this.flushTimer) {
      if (wait <= 0) this.flush()
      else this.flushTimer = setTimeout(() => this.flush(), wait)
    }
    // Timers can starve while appends arrive back to back: an overdue tick flushes inline.
    else if (wait <= -FLUSH_MS) this.flush()
  }

  private flush() {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = null
    this.lastFlushStart = Date.now()
    const groups = this.socketGroups()
    for (const [key, queue] of this.pending) {
      const group = groups.get(key)
      if (!group) continue
      const frames: string[] = []
      for (let i = 0; i < queue.length; i += FRAME_EVENTS) frames.push(frameOf(group, queue.slice(i, i + FRAME_EVENTS)))
      // Change notices tell a person which changes were their own: only their sockets get frames of their own.
      const actors = group.events ? null : new Set(queue.map((e) => e.actor?.id))
      for (const { ws, replayedUpTo, personId } of group.sockets) {
        try {
          const own = actors?.has(personId) ? personId : null
          // A socket that joined after these events were queued got them in its replay.
          if (replayedUpTo >= queue[0]!.seq || own) {
            const fresh = queue.filter((e) => e.seq > replayedUpTo)
            for (let i = 0; i < fresh.length; i += FRAME_EVENTS) ws.send(frameOf(group, fresh.slice(i, i + FRAME_EVENTS), own))
          } else for (const frame of frames) ws.send(frame)
        } catch {}
      }
    }
    this.pending.clear()
    this.lastFlushEnd = Date.now()
  }
}

interface Group {
  events: boolean
  /** For change notices: labels and actors (activity.view) or not. */
  details: boolean
  filter: EventFilter
  words: string[] | null
  sockets: { ws: WebSocket; replayedUpTo: number; personId: string }[]
}

/**
 * One frame: full events for activity subscribers, change notices for the
 * rest. A notice carries what a page needs to refresh (type, target kind and
 * id, account, time); the target's label and the actor only for those who
 * may read the log, so nobody learns from a notice what they may not view.
 * `me` marks the person's own changes.
 */
function frameOf(group: Pick<Group, 'events' | 'details'>, slice: ActivityEvent[], me: string | null = null) {
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

/**
 * Whether a live socket must end, and why (rule 15), from its attachment and
 * its connection's row in D1 (`unregistered`: no row, so the worker closed it
 * but the close did not arrive — reconnecting authorizes afresh; `unknown`:
 * D1 did not answer).
 */
function liveVerdict(sub: Attachment, row: ConnectionStatus | 'unregistered' | 'unknown', now: number): LiveCloseKind | null {
  // The impersonation's end is fixed: no need to ask anyone.
  if (sub.impersonationExpiresAt !== null && sub.impersonationExpiresAt !== undefined && sub.impersonationExpiresAt <= now) return 'impersonationEnded'
  if (row === 'unknown') return sub.sessionExpiresAt <= now ? 'signedOut' : null
  if (row === 'unregistered') return 'rightsChanged'
  if (!row.sessionOk) return 'signedOut'
  if (!row.impersonationOk) return 'impersonationEnded'
  if (!row.accessOk) return 'accessEnded'
  return null
}

/** The parent account (id and path) to forward to, or null at a reseller or the platform. */
export function parentPath(path: string): { id: string; path: string } | null {
  const ids = path.split('/').filter(Boolean)
  // [platform, reseller, customer…]: forward up to the reseller, never into the platform.
  if (ids.length <= 2) return null
  const parentIds = ids.slice(0, -1)
  return { id: parentIds.at(-1)!, path: `/${parentIds.join('/')}/` }
}
