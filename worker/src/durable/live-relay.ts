import { z } from 'zod'
import type { ActivityEvent, Subscriber } from './activity-schema.ts'
import type { Person } from './live-frames.ts'
import { LiveSocketHost } from './live-host.ts'
import { LiveSockets, type CatchUp } from './live-sockets.ts'

/** Replay pages asked of the log: a long replay comes in several, each a bounded message. */
const REPLAY_PAGE = 1000

/**
 * A relay of one account's activity log (docs/decisions/029): it holds a
 * share of the log's live sockets (hibernating) and sends them what the log
 * publishes, so no single object sends every frame of a busy log. The log
 * stores events and publishes each flush once to each relay that holds
 * sockets (`receive`); the relay runs the same fan-out, handshake, presence,
 * inbox and rule-15 backstop as the log does for its own sockets
 * (live-sockets.ts), and reads what a socket missed from the log (`after`).
 * The worker picks the relay when it registers the socket in D1, and closes
 * or tells that relay directly (domain/live.ts, domain/inbox.ts).
 */
export class LiveRelay extends LiveSocketHost {
  protected live: LiveSockets
  /** The seq of the last event this relay published (0: unknown, after a wake-up); later batches must follow on. */
  private lastSeq = 0
  /** Batches are taken one after the other (a gap is read from the log before what follows it). */
  private chain: Promise<unknown> = Promise.resolve()
  /** The people online through the log's other holders (told by the log). */
  private others: Person[] = []

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env)
    this.sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)')
    const relay = this
    this.live = new LiveSockets(ctx, env.DB, {
      get relay() {
        return relay.index()
      },
      catchUp: (sub) => this.catchUp(sub),
      meta: (key) => this.meta(key),
      setMeta: (key, value) => this.setMeta(key, value),
      deleteMeta: (key) => this.deleteMeta(key),
      wakeBy: (at) => void this.ensureAlarm(at),
      otherPeople: () => this.others,
      peopleChanged: (share) => {
        const accountId = this.meta('account')
        if (accountId) this.log(accountId).relayPresence(accountId, this.index(), share).catch((error) => console.error('live relay: the log did not take presence', error))
      },
    })
  }

  private index(): number {
    return Number(this.meta('relay') ?? 0)
  }

  private log(accountId: string) {
    return this.env.ACTIVITY.get(this.env.ACTIVITY.idFromName(accountId))
  }

  /**
   * Attach to the log (it publishes to this relay from then on) and read the
   * socket's replay, page by page. Batches published meanwhile are held for
   * the socket by LiveSockets; the replay's `upTo` says where they take over.
   */
  private async catchUp(sub: Subscriber): Promise<CatchUp> {
    const log = this.log(sub.accountId)
    const events: ActivityEvent[] = []
    let after = sub.after
    for (;;) {
      const page = await log.attachRelay(sub.accountId, this.index(), sub.events ? sub.filter : null, after, REPLAY_PAGE)
      events.push(...page.events)
      if (!page.more) {
        this.lastSeq = Math.max(this.lastSeq, page.upTo)
        return { upTo: page.upTo, events }
      }
      after = page.events.at(-1)!.seq
    }
  }

  /** HTTP entry: a live socket (upgrade), handed over by the worker with the relay's number. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname !== '/live') return new Response('not found', { status: 404 })
    const index = z.coerce.number().int().min(0).parse(request.headers.get('x-trellis-relay'))
    const accountId = z.string().min(1).max(64).parse((JSON.parse(request.headers.get('x-trellis-subscriber') ?? '{}') as { accountId?: string }).accountId)
    if (this.meta('relay') !== String(index)) this.setMeta('relay', String(index))
    if (this.meta('account') !== accountId) this.setMeta('account', accountId)
    return this.live.open(request)
  }

  /**
   * One flush of the log, in seq order. Events this relay already published
   * are skipped; a gap (a batch that failed or overtook another) is read from
   * the log first, so each socket gets every event once and in order.
   * Returns how many sockets the relay holds or is opening (0: the log stops publishing here).
   */
  async receive(batch: ActivityEvent[]): Promise<number> {
    const taken = this.chain.then(() => this.take(batch))
    this.chain = taken.catch((error) => console.error('live relay: a batch could not be sent', error))
    await taken
    return this.live.count() + this.live.pending()
  }

  private async take(batch: readonly ActivityEvent[]) {
    let fresh = batch.filter((e) => e.seq > this.lastSeq)
    if (!fresh.length) return
    const accountId = this.meta('account')
    if (this.lastSeq && fresh[0]!.seq > this.lastSeq + 1 && accountId && this.live.count()) {
      const missing = await this.log(accountId).eventsBetween(this.lastSeq, fresh[0]!.seq - 1)
      if (missing.length && missing[0]!.seq === this.lastSeq + 1 && missing.at(-1)!.seq === fresh[0]!.seq - 1) fresh = [...missing, ...fresh]
      else {
        // More than a gap can carry (or the log lost track): the sockets reconnect and resume by `after`.
        this.live.closeAll(1012, 'catching up')
        this.lastSeq = fresh.at(-1)!.seq
        return
      }
    }
    this.lastSeq = fresh.at(-1)!.seq
    this.live.publish(fresh)
  }

  /** The people online through the log's other holders (presence spans them all). */
  async presence(people: Person[]) {
    this.others = people
    this.live.presenceChanged()
  }

  /** The backstop of rule 15 for the sockets held here. */
  async alarm() {
    const next = await this.live.check()
    if (next !== null) await this.ctx.storage.setAlarm(next)
  }
}
