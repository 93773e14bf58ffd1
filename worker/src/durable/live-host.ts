import { DurableObject } from 'cloudflare:workers'
import type { LiveCloseKind } from './live-close.ts'
import type { InboxPush } from './live-frames.ts'
import type { LiveSockets } from './live-sockets.ts'

/**
 * What the objects that hold live sockets share — an account's activity log
 * and its relays (docs/decisions/029): a `meta` key–value table in their
 * SQLite storage (each creates it), an alarm that is only ever brought
 * forward, the RPC methods the worker calls on whichever object holds a
 * socket, and the hibernation handlers, each handed to the object's LiveSockets.
 */
export abstract class LiveSocketHost extends DurableObject<Cloudflare.Env> {
  protected readonly sql: SqlStorage
  /** The object's live sockets: fan-out, presence, inbox and the rights backstop. */
  protected abstract live: LiveSockets

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env)
    this.sql = ctx.storage.sql
  }

  protected meta(key: string): string | null {
    const row = this.sql.exec('SELECT value FROM meta WHERE key = ?', key).toArray()[0]
    return row ? String(row.value) : null
  }

  protected setMeta(key: string, value: string) {
    this.sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, value)
  }

  protected deleteMeta(key: string) {
    this.sql.exec('DELETE FROM meta WHERE key = ?', key)
  }

  /** Wake by `at` at the latest (an earlier alarm already set stays). */
  protected async ensureAlarm(at: number) {
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > at) await this.ctx.storage.setAlarm(at)
  }

  /**
   * Close the sockets of these connections, because the rights that opened
   * them ended or changed (rule 15; called by the worker's domain/live.ts).
   * Returns how many were open here.
   */
  async closeConnections(ids: string[], kind: LiveCloseKind): Promise<number> {
    return this.live.closeConnections(ids, kind)
  }

  /** A person's inbox changed: tell the sockets of these connections (domain/inbox.ts). Returns how many heard it. */
  async inboxChanged(pushes: InboxPush): Promise<number> {
    return this.live.inbox(pushes)
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    this.live.message(ws, message)
  }

  async webSocketClose(ws: WebSocket, code: number) {
    await this.live.closed(ws, code)
  }

  async webSocketError(ws: WebSocket) {
    await this.live.gone(ws)
  }
}
