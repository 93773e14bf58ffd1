import { Subscriber, type ActivityEvent } from './activity-schema.ts'
import { liveClose, type LiveCloseKind } from './live-close.ts'
import { connectionStatus, forgetConnections, type ConnectionStatus } from './live-connections.ts'
import { FRAME_EVENTS, LiveFanout } from './live-fanout.ts'
import { ClientFrame, CloseRequest, InboxPush, liveVerdict, mergePeople, presenceFrames, presencePeople, presenceShare, type Attachment, type Person } from './live-frames.ts'
import { FlushTick } from './live-tick.ts'

const PRESENCE_MS = 100
const MAX_PRESENCE = 100
/** The backstop of rule 15: while it holds sockets, the log re-checks their rights in D1 at least this often. */
const LIVE_CHECK_MS = 60_000
/** A connection's row is written just before its socket arrives: younger rows are never swept. */
const SWEEP_GRACE_MS = 60_000
/** How long the log remembers connections it was told to close, for a socket still on its way. */
const ENDED_MEMORY_MS = 60_000

/** What a socket missed: the events after its `after` that it may see, and the seq they run up to. */
export interface CatchUp {
  /** The log's last seq when the replay was read: later events reach the socket through the fan-out. */
  upTo: number
  events: Iterable<ActivityEvent>
}

/**
 * What live sockets need from the object that holds them: the account's log
 * itself, or one of its relays (live-relay.ts; docs/decisions/029).
 */
export interface LiveHost {
  /** Which rows of D1's register are this object's sockets: null for the log itself, the relay's number for a relay. */
  readonly relay: number | null
  /**
   * The replay for a new socket (empty for sockets without `events`). The log
   * answers synchronously, so no append interleaves; a relay asks its log, and
   * whatever it publishes meanwhile is held for the socket (`publish`).
   */
  catchUp(sub: Subscriber): CatchUp | Promise<CatchUp>
  /** A value kept in the object's storage (the backstop keeps its next check there). */
  meta(key: string): string | null
  setMeta(key: string, value: string): void
  deleteMeta(key: string): void
  /** Have the object's alarm ring by `at` at the latest (it then calls `check`). */
  wakeBy(at: number): void
  /** The people online through the log's other holders of sockets (presence spans all of them). */
  otherPeople(): readonly Person[]
  /** The people online here changed: tell the log's other holders (their share: presenceShare). */
  peopleChanged(share: Person[]): void
  /** The log's relays, to which each flush is published too (the log only). */
  relays?: { active(): boolean; publish(batch: readonly ActivityEvent[]): void }
}

/**
 * The live sockets one object holds (hibernating) — the account's log, or one
 * of its relays (docs/decisions/029): the handshake and replay, presence,
 * inbox pushes and the backstop of rule 15, which ends sockets whose rights no
 * longer hold. On the log, stored events reach them through the flush tick
 * (live-tick.ts), which publishes each batch once to the sockets' fan-out
 * (live-fanout.ts) and once to each relay; a relay publishes what it receives.
 */
export class LiveSockets {
  /** Frames to the sockets: `publish(batch)` once per flush. */
  private readonly fanout = new LiveFanout(() => this.openSockets())
  /** Stored events waiting for the next flush: to this object's sockets and to the log's relays. */
  private readonly tick = new FlushTick((batch) => {
    this.fanout.publish(batch)
    this.host.relays?.publish(batch)
  })
  /** Sockets whose catch-up is on its way (a relay asking its log), and what was published meanwhile. */
  private opening = 0
  private held: ActivityEvent[] = []
  /** The presence share last told to the other holders (told again only when it changes). */
  private lastShare = '[]'
  private presenceTimer: ReturnType<typeof setTimeout> | null = null
  /**
   * Connections the worker closed (rule 15) in the last minute, by id: a socket
   * whose handover was under way when the close came is ended as it arrives.
   */
  private ended = new Map<string, { kind: LiveCloseKind; at: number }>()

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly db: D1Database,
    private readonly host: LiveHost,
  ) {}

  /**
   * Accept a hibernating WebSocket, replay what it missed (`after`), then
   * announce presence. Synchronous on the log (nothing is missed or doubled:
   * no append interleaves); on a relay it waits for the log's replay, and
   * events published meanwhile follow the replay from what was held.
   */
  open(request: Request): Response | Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 })
    const subscriber = Subscriber.parse(JSON.parse(request.headers.get('x-trellis-subscriber') ?? 'null'))
    const caught = this.host.catchUp(subscriber)
    if (!(caught instanceof Promise)) return this.accept(subscriber, caught)
    this.opening++
    return caught.then(
      (c) => this.accept(subscriber, c),
      (error) => {
        console.error('live: the log did not answer the catch-up', error)
        return new Response('the activity log did not answer', { status: 503 })
      },
    ).finally(() => {
      if (--this.opening === 0) this.held = []
    })
  }

  private accept(subscriber: Subscriber, caught: CatchUp): Response {
    const { 0: client, 1: server } = new WebSocketPair()
    this.ctx.acceptWebSocket(server, [subscriber.userId])
    const attachment: Attachment = { ...subscriber, connectedAt: Date.now(), replayedUpTo: caught.upTo }
    server.serializeAttachment(attachment)
    // Closed by the worker while on its way here: it ends as it arrives, before it hears anything.
    const ended = this.ended.get(subscriber.connectionId)
    if (ended) {
      this.end(server, ended.kind)
      return new Response(null, { status: 101, webSocket: client })
    }
    this.scheduleCheck(Math.min(Date.now() + LIVE_CHECK_MS, subscriber.sessionExpiresAt, subscriber.impersonationExpiresAt ?? Infinity))
    this.fanout.regroup()
    if (subscriber.events) {
      let batch: ActivityEvent[] = []
      for (const event of caught.events) {
        batch.push(event)
        if (batch.length === FRAME_EVENTS) (server.send(JSON.stringify({ type: 'events', events: batch })), (batch = []))
      }
      server.send(JSON.stringify({ type: 'events', events: batch, caughtUp: true }))
    }
    // Published to this relay while the replay was on its way: what the replay did not cover follows it.
    const missed = this.held.filter((e) => e.seq > caught.upTo)
    if (missed.length) new LiveFanout(() => [server]).publish(missed)
    this.schedulePresence()
    return new Response(null, { status: 101, webSocket: client })
  }

  /**
   * A relay's share of a flush (the log publishes each flush once to each
   * relay): to this object's sockets, and held for sockets whose catch-up is
   * on its way. Events must come in seq order, each once (the relay sees to it).
   */
  publish(batch: readonly ActivityEvent[]) {
    if (this.opening) this.held.push(...batch)
    this.fanout.publish(batch)
  }

  /** How many sockets are open here. */
  count(): number {
    return this.openSockets().length
  }

  /** How many sockets are on their way in (their catch-up not answered yet). */
  pending(): number {
    return this.opening
  }

  /** A frame from the browser: the page it shows (for presence), or a ping. */
  message(ws: WebSocket, message: string | ArrayBuffer) {
    let frame: ClientFrame
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

  /** The browser closed the socket: answer the close, update presence, forget its connection. */
  async closed(ws: WebSocket, code: number) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'bye')
    } catch {}
    await this.gone(ws)
  }

  /** The socket failed: update presence, forget its connection. */
  async gone(ws: WebSocket) {
    this.fanout.regroup()
    this.schedulePresence()
    await this.forget(ws)
  }

  /** Close every socket (the account's log is purged) and drop what was waiting to be sent. */
  closeAll(code: number, reason: string) {
    for (const ws of this.ctx.getWebSockets()) ws.close(code, reason)
    if (this.presenceTimer) clearTimeout(this.presenceTimer)
    this.presenceTimer = null
    this.tick.clear()
    this.fanout.regroup()
  }

  /**
   * Close the sockets of these connections, because the rights that opened
   * them ended or changed (rule 15; called by the worker's domain/live.ts).
   * Returns how many were open here.
   */
  closeConnections(ids: string[], kind: LiveCloseKind): number {
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
      this.fanout.regroup()
      this.schedulePresence()
    }
    return closed
  }

  /**
   * A person's inbox changed: send `{type: "inbox", unread, latest}` to the
   * sockets of these connections (theirs: the worker picked them from D1's
   * register). Returns how many sockets heard it.
   */
  inbox(pushes: InboxPush): number {
    const input = InboxPush.parse(pushes)
    const frames = new Map<string, string>()
    for (const p of input) {
      const frame = JSON.stringify({ type: 'inbox', unread: p.unread, latest: p.latest })
      for (const id of p.ids) frames.set(id, frame)
    }
    let sent = 0
    for (const ws of this.openSockets()) {
      const sub = ws.deserializeAttachment() as Attachment | null
      const frame = sub && frames.get(sub.connectionId)
      if (!frame) continue
      try {
        ws.send(frame)
        sent++
      } catch {}
    }
    return sent
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
  async check(now = Date.now()): Promise<number | null> {
    const sockets = this.openSockets().map((ws) => ({ ws, sub: ws.deserializeAttachment() as Attachment }))
    if (!sockets.length) {
      this.host.deleteMeta('live_check_at')
      return null
    }
    const dueAt = Number(this.host.meta('live_check_at') ?? 0)
    if (now < dueAt) return dueAt
    // Presence spans the log and its relays: tell the others again, should one have forgotten (evicted).
    this.host.peopleChanged(presenceShare(this.people(), MAX_PRESENCE))
    const scheduled = this.host.meta('live_check_at')
    const accountId = sockets.find((s) => s.sub.accountId)?.sub.accountId
    let status: Map<string, ConnectionStatus> | null = null
    if (accountId) {
      try {
        status = new Map((await connectionStatus(this.db, accountId, this.host.relay, now)).map((r) => [r.id, r]))
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
      this.fanout.regroup()
      this.schedulePresence()
    }
    // Rows whose socket is gone without its close reaching the object (a deploy, an eviction). A row
    // is written just before its socket arrives, so young rows stay.
    const stale = status ? [...status.values()].filter((r) => !open.has(r.id) && r.openedAt < now - SWEEP_GRACE_MS).map((r) => r.id) : []
    if (stale.length) {
      try {
        await forgetConnections(this.db, stale)
      } catch (error) {
        console.error('live check: could not forget rows of closed sockets', error)
      }
    }
    // A socket that opened meanwhile may have asked for an earlier check.
    const asked = this.host.meta('live_check_at')
    if (asked !== scheduled && asked !== null) next = Math.min(next, Number(asked))
    else if (!open.size) {
      this.host.deleteMeta('live_check_at')
      return null
    }
    next = Math.max(next, now + 1000)
    this.host.setMeta('live_check_at', String(next))
    return next
  }

  /** Have the backstop check run by `at` at the latest (a socket opened, with its expiries). */
  private scheduleCheck(at: number) {
    const due = this.host.meta('live_check_at')
    if (due === null || Number(due) > at) this.host.setMeta('live_check_at', String(at))
    this.host.wakeBy(at)
  }

  /** Close one socket for a reason of rule 15. */
  private end(ws: WebSocket, kind: LiveCloseKind) {
    const { code, reason } = liveClose[kind]
    try {
      ws.close(code, reason)
    } catch {}
  }

  /** Drop a closed socket's row in D1 (if this fails, the next check's sweep does it). */
  private async forget(ws: WebSocket) {
    const sub = ws.deserializeAttachment() as Attachment | null
    if (!sub?.connectionId) return
    try {
      await forgetConnections(this.db, [sub.connectionId])
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

  /** The people online through this object's sockets. */
  people(): Person[] {
    return presencePeople(this.openSockets().map((ws) => ws.deserializeAttachment() as Attachment))
  }

  /** Presence changed elsewhere (another holder of the log's sockets): refresh this object's viewers soon. */
  presenceChanged() {
    this.schedulePresence()
  }

  /**
   * Who is online, per viewer: a viewer sees people whose membership lies in
   * its own tree, over every holder of the log's sockets. When this object's
   * own people changed, the other holders are told.
   */
  private broadcastPresence() {
    const sockets = this.openSockets().map((ws) => ({ ws, sub: ws.deserializeAttachment() as Attachment }))
    const own = presencePeople(sockets.map((s) => s.sub))
    const share = presenceShare(own, MAX_PRESENCE)
    const shareText = JSON.stringify(share)
    if (shareText !== this.lastShare) {
      this.lastShare = shareText
      this.host.peopleChanged(share)
    }
    if (!sockets.length) return
    const frames = presenceFrames(
      sockets.map((s) => s.sub.memberPath),
      mergePeople([own, this.host.otherPeople()]),
      MAX_PRESENCE,
    )
    for (const { ws, sub } of sockets) {
      try {
        ws.send(frames.get(sub.memberPath)!)
      } catch {}
    }
  }

  /** A stored event: it goes out with the next flush if any socket here may hear of it. */
  deliver(event: ActivityEvent) {
    if (this.host.relays?.active() || this.fanout.wants(event)) this.tick.add(event)
  }
}
