/**
 * A WebSocket to an account's live endpoint that stays up: it reconnects with
 * backoff (1 s, 2 s, 5 s, then every 10 s) after the connection drops, pings
 * every 30 s so idle proxies keep it open, and hands every parsed frame to its
 * owner. The URL is asked for again on each connection, so a resumed events
 * socket can say which events it has already seen (`after`).
 *
 * The server closes a socket when the right that opened it ends (rule 15),
 * with a code that says why (close-codes.ts, the API's own codes): signed out,
 * access ended or impersonation ended stop it for good (`ended`, and the
 * owner is told); rights changed reconnects once the owner has refreshed what
 * the page shows, so the new connection is authorized with the new rights.
 */
import { liveCloseKind, type LiveCloseKind } from './close-codes'
import { parseFrame, type EventReader, type ServerFrame } from './frames'

export type LiveStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'ended'

/** Why the server ended a socket for good. */
export type LiveEnd = Exclude<LiveCloseKind, 'rightsChanged'>

const BACKOFF_MS = [1000, 2000, 5000, 10_000]
const PING_MS = 30_000

/** The live endpoint of an account, as a ws(s):// URL on this origin. */
export function liveUrl(accountId: string, query: URLSearchParams): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${location.host}/api/v1/accounts/${encodeURIComponent(accountId)}/activity/live?${query}`
}

export class LiveSocket {
  status = $state<LiveStatus>('idle')

  private ws: WebSocket | null = null
  private attempt = 0
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private pingTimer: ReturnType<typeof setInterval> | undefined
  private running = false

  constructor(
    private options: {
      /** The URL to connect to now. */
      url: () => string
      onFrame: (frame: ServerFrame) => void
      /** Sockets that ask for events (`events=1`) read them with this (./event-frame). */
      readEvent?: EventReader
      /** The server ended the socket for good: no reconnect follows. */
      onEnd?: (why: LiveEnd) => void
      /** The person's rights changed: refresh what depends on them; the socket reconnects when this settles. */
      onRightsChanged?: () => Promise<unknown> | void
    },
  ) {}

  /** Connect, and keep reconnecting until `stop`. */
  start() {
    if (this.running) return
    this.running = true
    this.attempt = 0
    this.connect()
  }

  /** Close for good (navigating away, the account changes). */
  stop() {
    this.running = false
    clearTimeout(this.retryTimer)
    clearInterval(this.pingTimer)
    const ws = this.ws
    this.ws = null
    if (ws) {
      ws.onclose = ws.onmessage = ws.onerror = ws.onopen = null
      ws.close(1000)
    }
    this.status = 'idle'
  }

  /** Send a frame if connected; frames that cannot be sent now are dropped (the next connection's URL carries the state). */
  send(frame: { type: 'page'; page: string } | { type: 'ping' }) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame))
  }

  private connect() {
    this.status = this.attempt === 0 ? 'connecting' : 'reconnecting'
    let ws: WebSocket
    try {
      ws = new WebSocket(this.options.url())
    } catch {
      this.retry()
      return
    }
    this.ws = ws
    ws.onopen = () => {
      this.status = 'open'
      this.attempt = 0
      clearInterval(this.pingTimer)
      this.pingTimer = setInterval(() => this.send({ type: 'ping' }), PING_MS)
    }
    ws.onmessage = (message) => {
      if (typeof message.data !== 'string') return
      const frame = parseFrame(message.data, this.options.readEvent)
      if (frame) this.options.onFrame(frame)
    }
    ws.onclose = (event) => {
      clearInterval(this.pingTimer)
      if (this.ws === ws) this.ws = null
      const kind = liveCloseKind(event.code)
      if (kind === 'rightsChanged') this.reauthorize()
      else if (kind) this.end(kind)
      else this.retry()
    }
    // An error is followed by close, which schedules the retry.
    ws.onerror = () => {}
  }

  /** Stop for good: the right behind the socket ended (reconnecting would be refused). */
  private end(why: LiveEnd) {
    this.running = false
    clearTimeout(this.retryTimer)
    this.status = 'ended'
    this.options.onEnd?.(why)
  }

  /** Reconnect after the owner refreshed (a little spread, so a role's many holders do not arrive at once). */
  private async reauthorize() {
    if (!this.running) return
    this.status = 'reconnecting'
    try {
      await this.options.onRightsChanged?.()
    } catch {
      // A failed refresh shows its own error; the socket still tries again.
    }
    if (!this.running || this.ws) return
    this.attempt = 0
    clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => this.connect(), 200 + Math.random() * 800)
  }

  private retry() {
    if (!this.running) return
    this.status = 'reconnecting'
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]!
    this.attempt++
    clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => this.connect(), delay)
  }
}
