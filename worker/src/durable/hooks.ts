import { RpcTarget } from 'cloudflare:workers'
import { z } from 'zod'
import { mailerFor } from '../adapters/email.ts'
import { DnsUnavailable, dnsResolver } from '../adapters/dns.ts'
import { newId } from '../crypto/tokens.ts'
import { openToken, sealToken, signatureHeader, signingKey, webhookSecret } from '../crypto/hook-keys.ts'
import { createDb, schema } from '../db.ts'
import { renderEmail, inRecipientLanguage } from '../domain/emails.ts'
import { m } from '../i18n/paraglide/messages.js'
import { emailBrandFor } from '../domain/emails.ts'
import { addressClass, allowedClass, checkUrl, urlPolicy } from '../domain/webhook-urls.ts'
import { systemEvent, toEvent, type ActivityEvent, type EventInput, type Row } from './activity-schema.ts'
import { activityTypes } from './activity-types.ts'
import { and, eq, inArray } from 'drizzle-orm'

/**
 * Webhooks and log streams of one account, kept in its activity log's SQLite
 * and driven by its alarm (decision 017). Each hook has a cursor over the
 * log's `seq`: the log already holds every event durably, so delivering "the
 * next matching event after the cursor" and moving the cursor only on success
 * gives in-order, nothing-lost, at-least-once delivery with no queue table.
 *
 * - A webhook sends one event per request (JSON, signed), retrying the head
 *   event with exponential backoff; an event still failing 24 h after its
 *   first attempt is given up (logged) and the next one is tried. A hook
 *   failing for 3 days without a success is disabled and the account told.
 * - A log stream sends every event of the log in batches (NDJSON, Datadog or
 *   Splunk HEC) and never skips: it retries the same batch until it lands
 *   (or the stream is disabled after 3 days; enabling it resumes at the cursor).
 */

export const HOOK_TABLES = `
  CREATE TABLE IF NOT EXISTS hooks (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    account_id TEXT NOT NULL,
    account_path TEXT NOT NULL,
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    types TEXT NOT NULL DEFAULT '[]',
    format TEXT,
    token TEXT,
    secret_version INTEGER NOT NULL DEFAULT 1,
    enabled INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    cursor INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL DEFAULT 0,
    head_since INTEGER,
    failing_since INTEGER,
    last_success_at INTEGER
  );
  CREATE TABLE IF NOT EXISTS hook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hook_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    event_id TEXT,
    event_type TEXT,
    seq_from INTEGER,
    seq_to INTEGER,
    events INTEGER NOT NULL DEFAULT 0,
    attempt INTEGER NOT NULL,
    at INTEGER NOT NULL,
    status TEXT NOT NULL,
    response_code INTEGER,
    latency_ms INTEGER,
    error TEXT,
    next_retry_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS hook_deliveries_hook ON hook_deliveries(hook_id, id);`

export const hookKinds = ['webhook', 'stream'] as const
export type HookKind = (typeof hookKinds)[number]
export const streamFormats = ['ndjson', 'datadog', 'splunk'] as const
export type StreamFormat = (typeof streamFormats)[number]
/** Event types a webhook may ask for: every action (page views are navigation, not activity to act on). */
export const webhookTypes = activityTypes.filter((t) => t !== 'page_view')

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
/** An event still failing this long after its first attempt is given up. */
export const GIVE_UP_MS = DAY
/** A hook failing this long without one success is disabled. */
export const DISABLE_AFTER_MS = 3 * DAY
/** Backoff after the n-th failed attempt of the head: 30 s, 1 min, 2 min … capped at 1 h. */
export const backoff = (attempts: number) => Math.min(HOUR, 30_000 * 2 ** Math.max(0, attempts - 1))
const TIMEOUT_MS = 10_000
/** Webhook events per hook per run, stream batch size and batches per run: the alarm re-arms at once while there is more. */
const WEBHOOK_RUN = 200
const STREAM_BATCH = 500
const STREAM_RUN = 4
/** Delivery log rows kept per hook. */
const LOG_KEEP = 500
/** Webhooks and log streams per account. */
export const MAX_HOOKS = 20

export const CreateHook = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('webhook'),
    url: z.string().max(2000),
    description: z.string().max(200).default(''),
    types: z.array(z.enum(webhookTypes as [string, ...string[]])).min(1).max(webhookTypes.length),
  }),
  z.object({
    kind: z.literal('stream'),
    url: z.string().max(2000),
    description: z.string().max(200).default(''),
    format: z.enum(streamFormats),
    token: z.string().max(500).nullable().default(null),
  }),
])
export type CreateHook = z.infer<typeof CreateHook>

export const UpdateHook = z.object({
  enabled: z.boolean().optional(),
  types: z.array(z.enum(webhookTypes as [string, ...string[]])).min(1).max(webhookTypes.length).optional(),
  description: z.string().max(200).optional(),
})
export type UpdateHook = z.infer<typeof UpdateHook>

export interface DeliveryView {
  id: number
  kind: 'event' | 'batch' | 'ping' | 'resend'
  eventId: string | null
  eventType: string | null
  events: number
  attempt: number
  at: number
  status: 'delivered' | 'failed' | 'gave_up' | 'refused'
  responseCode: number | null
  latencyMs: number | null
  error: string | null
  nextRetryAt: number | null
}

export interface HookView {
  id: string
  kind: HookKind
  url: string
  description: string
  types: string[]
  format: StreamFormat | null
  hasToken: boolean
  enabled: boolean
  disabledReason: string | null
  createdAt: number
  createdBy: string
  secretVersion: number
  failingSince: number | null
  nextAttemptAt: number | null
  lastSuccessAt: number | null
  lag: { events: number; seconds: number }
  lastDelivery: DeliveryView | null
}

/** What the log gives its hooks: its storage, bindings and a way to write an event into itself. */
export interface HookHost {
  sql: SqlStorage
  storage: DurableObjectStorage
  env: Cloudflare.Env
  append(input: EventInput): ActivityEvent | null
  wake(at: number): Promise<void>
}

interface Outcome {
  ok: boolean
  status: DeliveryView['status']
  code: number | null
  latency: number
  error: string | null
}

type HookRow = Row

export class Hooks extends RpcTarget {
  /** Enabled hooks, known in memory so an append costs nothing when there are none. */
  private active: number
  private chain: Promise<unknown> = Promise.resolve()

  constructor(private host: HookHost) {
    super()
    host.sql.exec(HOOK_TABLES)
    this.active = this.countActive()
  }

  private countActive() {
    return Number(this.host.sql.exec('SELECT count(*) AS n FROM hooks WHERE enabled = 1').toArray()[0]?.n ?? 0)
  }

  /** Whether an appended event may give a hook work (the log then wakes its alarm now). */
  get pending(): boolean {
    return this.active > 0
  }

  private lastSeq(): number {
    const row = this.host.sql.exec("SELECT value FROM meta WHERE key = 'last_seq'").toArray()[0]
    return row ? Number(row.value) : 0
  }

  private row(id: string): HookRow | undefined {
    return this.host.sql.exec('SELECT * FROM hooks WHERE id = ?', id).toArray()[0]
  }

  /** A new hook; null when the account already has MAX_HOOKS. */
  async create(account: { id: string; path: string }, createdBy: string, input: CreateHook): Promise<{ hook: HookView; secret: string | null } | null> {
    const data = CreateHook.parse(input)
    if (Number(this.host.sql.exec('SELECT count(*) AS n FROM hooks').toArray()[0]?.n) >= MAX_HOOKS) return null
    const id = newId(data.kind === 'webhook' ? 'wh' : 'ls')
    const now = Date.now()
    const key = signingKey(this.host.env)
    const token = data.kind === 'stream' && data.token ? await sealToken(key, data.token, id) : null
    this.host.sql.exec(
      `INSERT INTO hooks (id, kind, account_id, account_path, url, description, types, format, token, created_at, created_by, cursor)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id, data.kind, account.id, account.path, data.url, data.description,
      JSON.stringify(data.kind === 'webhook' ? [...new Set(data.types)].sort() : []),
      data.kind === 'stream' ? data.format : null, token, now, createdBy,
      // Webhooks start with what happens next; a stream starts with the whole log it can still read.
      data.kind === 'webhook' ? this.lastSeq() : 0,
    )
    this.active = this.countActive()
    if (data.kind === 'stream') await this.host.wake(now)
    return { hook: this.view(this.row(id)!), secret: data.kind === 'webhook' ? await webhookSecret(key, id, 1) : null }
  }

  async list(): Promise<HookView[]> {
    return this.host.sql.exec('SELECT * FROM hooks ORDER BY created_at, id').toArray().map((r) => this.view(r))
  }

  async get(id: string): Promise<HookView | null> {
    const row = this.row(id)
    return row ? this.view(row) : null
  }

  async update(id: string, input: UpdateHook): Promise<HookView | null> {
    const data = UpdateHook.parse(input)
    const row = this.row(id)
    if (!row) return null
    if (data.types && row.kind === 'webhook') this.host.sql.exec('UPDATE hooks SET types = ? WHERE id = ?', JSON.stringify([...new Set(data.types)].sort()), id)
    if (data.description !== undefined) this.host.sql.exec('UPDATE hooks SET description = ? WHERE id = ?', data.description, id)
    if (data.enabled === true && !row.enabled) {
      // A fresh start: retries from now, and no old failure streak counts against it.
      this.host.sql.exec('UPDATE hooks SET enabled = 1, disabled_reason = NULL, attempts = 0, next_at = 0, head_since = NULL, failing_since = NULL WHERE id = ?', id)
      await this.host.wake(Date.now())
    } else if (data.enabled === false && row.enabled) {
      this.host.sql.exec("UPDATE hooks SET enabled = 0, disabled_reason = 'Turned off' WHERE id = ?", id)
    }
    this.active = this.countActive()
    return this.view(this.row(id)!)
  }

  /** A new signing secret (the old one stops working at once); null for an unknown id or a stream. */
  async rotate(id: string): Promise<{ hook: HookView; secret: string } | null> {
    const row = this.row(id)
    if (!row || row.kind !== 'webhook') return null
    this.host.sql.exec('UPDATE hooks SET secret_version = secret_version + 1 WHERE id = ?', id)
    const fresh = this.row(id)!
    return { hook: this.view(fresh), secret: await webhookSecret(signingKey(this.host.env), id, Number(fresh.secret_version)) }
  }

  async remove(id: string): Promise<boolean> {
    if (!this.row(id)) return false
    this.host.storage.transactionSync(() => {
      this.host.sql.exec('DELETE FROM hooks WHERE id = ?', id)
      this.host.sql.exec('DELETE FROM hook_deliveries WHERE hook_id = ?', id)
    })
    this.active = this.countActive()
    return true
  }

  async deliveries(id: string, limit = 50): Promise<DeliveryView[] | null> {
    if (!this.row(id)) return null
    return this.host.sql
      .exec('SELECT * FROM hook_deliveries WHERE hook_id = ? ORDER BY id DESC LIMIT ?', id, Math.min(200, Math.max(1, limit)))
      .toArray()
      .map(deliveryView)
  }

  /** Send a ping now and report the receiver's answer (a failure is a result, not an error). */
  async test(id: string, now = Date.now()): Promise<DeliveryView | null> {
    const row = this.row(id)
    if (!row) return null
    const ping = { id: `ping_${crypto.randomUUID()}`, type: 'ping', time: new Date(now).toISOString(), account: { id: String(row.account_id) }, event: null }
    const outcome =
      row.kind === 'webhook'
        ? await this.post(row, JSON.stringify(ping), ping.id, 'ping', 1, now)
        : await this.postBatch(row, [pingEvent(row, now)], 1, now)
    return this.logDelivery(row, { kind: 'ping', eventId: ping.id, eventType: 'ping', events: 1, attempt: 1, now, outcome, nextRetryAt: null })
  }

  /** Send one logged delivery's event(s) again now, outside the cursor (receivers deduplicate by id). */
  async resend(id: string, deliveryId: number, now = Date.now()): Promise<DeliveryView | null | 'gone'> {
    const row = this.row(id)
    const logged = this.host.sql.exec('SELECT * FROM hook_deliveries WHERE id = ? AND hook_id = ?', deliveryId, id).toArray()[0]
    if (!row || !logged) return null
    if (logged.seq_from === null || logged.seq_to === null) return 'gone'
    const events = this.host.sql.exec('SELECT * FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq', Number(logged.seq_from), Number(logged.seq_to)).toArray().map(toEvent)
    const wanted = row.kind === 'webhook' ? events.filter((e) => e.id === logged.event_id) : events
    if (!wanted.length) return 'gone'
    const outcome = row.kind === 'webhook' ? await this.postEvent(row, wanted[0]!, 1, now) : await this.postBatch(row, wanted, 1, now)
    return this.logDelivery(row, {
      kind: 'resend', eventId: wanted[0]!.id, eventType: row.kind === 'webhook' ? wanted[0]!.type : null, events: wanted.length,
      seqFrom: wanted[0]!.seq, seqTo: wanted.at(-1)!.seq, attempt: 1, now, outcome, nextRetryAt: null,
    })
  }

  /**
   * Deliver what is due (called by the log's alarm; tests call it with a
   * `now`). Runs are serialised; hooks run side by side, each in order.
   * Returns when the next run is due, or null when nothing waits.
   */
  run(now = Date.now()): Promise<number | null> {
    const next = this.chain.then(() => this.runOnce(now))
    this.chain = next.catch(() => undefined)
    return next
  }

  private async runOnce(now: number): Promise<number | null> {
    const hooks = this.host.sql.exec('SELECT * FROM hooks WHERE enabled = 1').toArray()
    const dns = new Map<string, Promise<string | null>>()
    await Promise.all(
      hooks.map((h) =>
        (h.kind === 'webhook' ? this.runWebhook(h, now, dns) : this.runStream(h, now, dns)).catch((error) => {
          // One hook's fault (a missing key, a bug) must not stop the others or the log's own alarm work.
          console.error(`integration ${String(h.id)} failed to run`, error)
        }),
      ),
    )
    this.active = this.countActive()
    return this.nextDue(now)
  }

  /** When a hook next has work: now while events wait behind a cursor, else at its retry time. */
  private nextDue(now: number): number | null {
    const last = this.lastSeq()
    let due: number | null = null
    for (const h of this.host.sql.exec('SELECT id, kind, types, cursor, next_at FROM hooks WHERE enabled = 1').toArray()) {
      if (Number(h.cursor) >= last) continue
      const at = Math.max(now, Number(h.next_at))
      due = due === null ? at : Math.min(due, at)
    }
    return due
  }

  private async runWebhook(hook: HookRow, now: number, dns: Map<string, Promise<string | null>>) {
    const id = String(hook.id)
    if (Number(hook.next_at) > now) return
    const types = JSON.parse(String(hook.types)) as string[]
    const all = types.length >= webhookTypes.length
    for (let sent = 0; sent < WEBHOOK_RUN; ) {
      const current = this.row(id)
      if (!current || !current.enabled) return
      const cursor = Number(current.cursor)
      const last = this.lastSeq()
      const typeSql = all ? '' : ` AND type IN (${types.map(() => '?').join(',')})`
      const rows = this.host.sql.exec(`SELECT * FROM events WHERE seq > ? AND kind = 'action'${typeSql} ORDER BY seq LIMIT 50`, cursor, ...(all ? [] : types)).toArray()
      if (!rows.length) {
        // Nothing of its types up to the log's end: skip the cursor past what was read.
        if (last > cursor) this.host.sql.exec('UPDATE hooks SET cursor = ? WHERE id = ? AND cursor = ?', last, id, cursor)
        return
      }
      for (const r of rows) {
        const event = toEvent(r)
        const head = this.row(id)!
        const attempt = Number(head.attempts) + 1
        const outcome = await this.postEvent(head, event, attempt, now, dns)
        sent++
        if (!this.settle(head, outcome, { kind: 'event', eventId: event.id, eventType: event.type, events: 1, seqFrom: event.seq, seqTo: event.seq, attempt, now })) return
      }
    }
  }

  private async runStream(hook: HookRow, now: number, dns: Map<string, Promise<string | null>>) {
    const id = String(hook.id)
    if (Number(hook.next_at) > now) return
    for (let batchNo = 0; batchNo < STREAM_RUN; batchNo++) {
      const head = this.row(id)
      if (!head || !head.enabled) return
      const events = this.host.sql.exec('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?', Number(head.cursor), STREAM_BATCH).toArray().map(toEvent)
      if (!events.length) return
      const attempt = Number(head.attempts) + 1
      const outcome = await this.postBatch(head, events, attempt, now, dns)
      const moved = this.settle(head, outcome, { kind: 'batch', eventId: events[0]!.id, eventType: null, events: events.length, seqFrom: events[0]!.seq, seqTo: events.at(-1)!.seq, attempt, now, neverGiveUp: true })
      if (!moved) return
    }
  }

  /**
   * Record an attempt on the head and move the hook on: past it on success
   * (or when given up), or to its next retry. Returns whether to go on.
   */
  private settle(
    head: HookRow,
    outcome: Outcome,
    d: { kind: 'event' | 'batch'; eventId: string; eventType: string | null; events: number; seqFrom: number; seqTo: number; attempt: number; now: number; neverGiveUp?: boolean },
  ): boolean {
    const id = String(head.id)
    const { now } = d
    if (outcome.ok) {
      this.host.sql.exec('UPDATE hooks SET cursor = ?, attempts = 0, next_at = 0, head_since = NULL, failing_since = NULL, last_success_at = ? WHERE id = ?', d.seqTo, now, id)
      this.logDelivery(head, { ...d, outcome, nextRetryAt: null })
      return true
    }
    const headSince = head.head_since === null ? now : Number(head.head_since)
    const failingSince = head.failing_since === null ? now : Number(head.failing_since)
    if (now - failingSince >= DISABLE_AFTER_MS) {
      this.logDelivery(head, { ...d, outcome, nextRetryAt: null })
      this.disable(head, now, failingSince)
      return false
    }
    if (!d.neverGiveUp && now - headSince >= GIVE_UP_MS) {
      // Given up: logged (and resendable); the next event gets its own 24 hours.
      this.host.sql.exec('UPDATE hooks SET cursor = ?, attempts = 0, next_at = 0, head_since = NULL, failing_since = ? WHERE id = ?', d.seqTo, failingSince, id)
      this.logDelivery(head, { ...d, outcome: { ...outcome, status: 'gave_up' }, nextRetryAt: null })
      return true
    }
    const nextAt = now + backoff(d.attempt)
    this.host.sql.exec('UPDATE hooks SET attempts = ?, next_at = ?, head_since = ?, failing_since = ? WHERE id = ?', d.attempt, nextAt, headSince, failingSince, id)
    this.logDelivery(head, { ...d, outcome, nextRetryAt: nextAt })
    return false
  }

  /** Turn a hook off after 3 days of failures and tell the account: an event in its log and an email to its owners and admins. */
  private disable(hook: HookRow, now: number, since: number) {
    const what = hook.kind === 'webhook' ? 'Webhook' : 'Log stream'
    const reason = `Failing since ${new Date(since).toISOString()}`
    this.host.sql.exec('UPDATE hooks SET enabled = 0, disabled_reason = ?, attempts = 0, next_at = 0, head_since = NULL WHERE id = ?', reason, String(hook.id))
    this.active = this.countActive()
    const description = `${what} to ${hostOf(String(hook.url))} was turned off: every delivery failed for 3 days`
    this.host.append(
      systemEvent(
        { id: String(hook.account_id), path: String(hook.account_path) },
        { type: 'integration_disabled', target: { kind: hook.kind === 'webhook' ? 'webhook' : 'log_stream', id: String(hook.id), label: String(hook.url).slice(0, 200) }, description },
        'Trellis integrations',
      ),
    )
    void this.tellAdmins(hook, description, now).catch((error) => console.error('could not email about a disabled integration', error))
  }

  private async tellAdmins(hook: HookRow, description: string, _now: number) {
    const db = createDb(this.host.env.DB)
    const accountId = String(hook.account_id)
    const people = await db
      .select({ email: schema.users.email, name: schema.accounts.name })
      .from(schema.memberships)
      .innerJoin(schema.users, eq(schema.users.id, schema.memberships.userId))
      .innerJoin(schema.accounts, eq(schema.accounts.id, schema.memberships.accountId))
      .where(and(eq(schema.memberships.accountId, accountId), inArray(schema.memberships.level, ['owner', 'admin'])))
    if (!people.length) return
    const { brand, origin } = await emailBrandFor(db, String(hook.account_path), this.host.env.PUBLIC_ORIGIN)
    const mailer = mailerFor(this.host.env, db)
    for (const p of people) {
      await mailer.send(
        await inRecipientLanguage(db, p.email, brand, () => {
          const the = { account: p.name, url: String(hook.url) }
          return renderEmail(brand, p.email, hook.kind === 'webhook' ? m.hook_off_webhook_subject(the) : m.hook_off_stream_subject(the), {
            paragraphs: [`${description}.`, m.hook_off_next(the)],
            action: { label: m.hook_off_action(), url: `${origin}/a/${accountId}/activity/integrations` },
            footnote: m.hook_off_footnote(the),
          })
        }),
      )
    }
  }

  private logDelivery(
    hook: HookRow,
    d: { kind: DeliveryView['kind']; eventId: string | null; eventType: string | null; events: number; seqFrom?: number; seqTo?: number; attempt: number; now: number; outcome: Outcome; nextRetryAt: number | null },
  ): DeliveryView {
    const id = String(hook.id)
    const row = this.host.sql
      .exec(
        `INSERT INTO hook_deliveries (hook_id, kind, event_id, event_type, seq_from, seq_to, events, attempt, at, status, response_code, latency_ms, error, next_retry_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        id, d.kind, d.eventId, d.eventType, d.seqFrom ?? null, d.seqTo ?? null, d.events, d.attempt, d.now, d.outcome.status,
        d.outcome.code, Math.round(d.outcome.latency), d.outcome.error, d.nextRetryAt,
      )
      .toArray()[0]!
    const rowId = Number(row.id)
    // Keep the newest LOG_KEEP rows per hook (checked every 100 rows).
    if (rowId % 100 === 0) this.host.sql.exec('DELETE FROM hook_deliveries WHERE hook_id = ? AND id <= ?', id, rowId - LOG_KEEP * 4)
    return deliveryView(row)
  }

  private async postEvent(hook: HookRow, event: ActivityEvent, attempt: number, now: number, dns?: Map<string, Promise<string | null>>): Promise<Outcome> {
    const body = JSON.stringify({ id: event.id, type: event.type, time: new Date(event.time).toISOString(), account: { id: String(hook.account_id) }, event: publicEvent(event) })
    return this.post(hook, body, event.id, event.type, attempt, now, dns)
  }

  private async post(hook: HookRow, body: string, eventId: string, type: string, attempt: number, now: number, dns?: Map<string, Promise<string | null>>): Promise<Outcome> {
    const secret = await webhookSecret(signingKey(this.host.env), String(hook.id), Number(hook.secret_version))
    const signature = await signatureHeader(secret, Math.floor(now / 1000), body)
    return this.send(String(hook.url), { 'content-type': 'application/json', 'trellis-signature': signature, 'trellis-event-id': eventId, 'trellis-event-type': type, 'trellis-delivery-attempt': String(attempt) }, body, dns)
  }

  private async postBatch(hook: HookRow, events: ActivityEvent[], attempt: number, _now: number, dns?: Map<string, Promise<string | null>>): Promise<Outcome> {
    const format = String(hook.format) as StreamFormat
    const token = hook.token ? await openToken(signingKey(this.host.env), String(hook.token), String(hook.id)) : null
    const { body, headers } = streamBody(format, events, token)
    return this.send(String(hook.url), { ...headers, 'trellis-delivery-attempt': String(attempt) }, body, dns)
  }

  /**
   * One HTTP request to a receiver: refused (without sending) when its host is
   * or resolves to a private address; never follows redirects (they could lead
   * inside); a network error or timeout is a failed attempt, not an exception.
   */
  private async send(url: string, headers: Record<string, string>, body: string, dns?: Map<string, Promise<string | null>>): Promise<Outcome> {
    const started = performance.now()
    const policy = urlPolicy(this.host.env)
    const checked = checkUrl(url, policy)
    if (!checked.ok) return { ok: false, status: 'refused', code: null, latency: 0, error: checked.message }
    if (!checked.ipLiteral && !(policy.allowLocal && /(^|\.)localhost$/i.test(checked.url.hostname))) {
      const cache = dns ?? new Map()
      let verdict = cache.get(checked.url.hostname)
      if (!verdict) cache.set(checked.url.hostname, (verdict = this.resolveCheck(checked.url.hostname, policy)))
      const refusal = await verdict
      if (refusal) return { ok: false, status: refusal.startsWith('DNS') ? 'failed' : 'refused', code: null, latency: performance.now() - started, error: refusal }
    }
    try {
      const res = await fetch(checked.url, { method: 'POST', headers: { 'user-agent': 'Trellis-Webhooks/1', ...headers }, body, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) })
      await res.body?.cancel()
      const latency = performance.now() - started
      const ok = res.status >= 200 && res.status < 300
      return { ok, status: ok ? 'delivered' : 'failed', code: res.status, latency, error: ok ? null : `The receiver answered ${res.status}.` }
    } catch (error) {
      const text = error instanceof Error && error.name === 'TimeoutError' ? `No answer within ${TIMEOUT_MS / 1000} s.` : `Could not connect: ${String(error instanceof Error ? error.message : error).slice(0, 200)}`
      return { ok: false, status: 'failed', code: null, latency: performance.now() - started, error: text }
    }
  }

  /** null when every address of the name is public; otherwise why not to send. */
  private async resolveCheck(name: string, policy: ReturnType<typeof urlPolicy>): Promise<string | null> {
    const resolver = dnsResolver(this.host.env)
    try {
      const [a, aaaa] = await Promise.all([resolver.addresses(name, 'A'), resolver.addresses(name, 'AAAA')])
      const all = [...a, ...aaaa]
      if (!all.length) return `DNS: ${name} has no address.`
      // Anything that does not even parse as an address counts as private.
      const bad = all.find((ip) => {
        const cls = addressClass(ip)
        return !allowedClass(cls === undefined ? 'private' : cls, policy)
      })
      return bad ? `Refused: ${name} resolves to ${bad}, a private or reserved address.` : null
    } catch (error) {
      return `DNS: could not resolve ${name} (${error instanceof DnsUnavailable ? error.message : String(error)}).`
    }
  }

  private view(r: HookRow): HookView {
    const cursor = Number(r.cursor)
    const last = this.lastSeq()
    let lag = { events: 0, seconds: 0 }
    if (last > cursor) {
      const types = JSON.parse(String(r.types)) as string[]
      const filtered = r.kind === 'webhook' && types.length < webhookTypes.length
      const where = r.kind === 'webhook' ? ` AND kind = 'action'${filtered ? ` AND type IN (${types.map(() => '?').join(',')})` : ''}` : ''
      const count = this.host.sql.exec(`SELECT count(*) AS n, min(time) AS oldest FROM events WHERE seq > ?${where}`, cursor, ...(filtered ? types : [])).toArray()[0]
      const n = Number(count?.n ?? 0)
      lag = { events: n, seconds: n ? Math.max(0, Math.round((Date.now() - Number(count!.oldest)) / 1000)) : 0 }
    }
    const lastRow = this.host.sql.exec("SELECT * FROM hook_deliveries WHERE hook_id = ? AND kind IN ('event', 'batch') ORDER BY id DESC LIMIT 1", String(r.id)).toArray()[0]
    return {
      id: String(r.id),
      kind: r.kind as HookKind,
      url: String(r.url),
      description: String(r.description),
      types: JSON.parse(String(r.types)) as string[],
      format: (r.format ?? null) as StreamFormat | null,
      hasToken: r.token !== null,
      enabled: Boolean(r.enabled),
      disabledReason: r.disabled_reason === null ? null : String(r.disabled_reason),
      createdAt: Number(r.created_at),
      createdBy: String(r.created_by),
      secretVersion: Number(r.secret_version),
      failingSince: r.failing_since === null ? null : Number(r.failing_since),
      nextAttemptAt: Number(r.next_at) > 0 ? Number(r.next_at) : null,
      lastSuccessAt: r.last_success_at === null ? null : Number(r.last_success_at),
      lag,
      lastDelivery: lastRow ? deliveryView(lastRow) : null,
    }
  }
}

function deliveryView(r: Row): DeliveryView {
  return {
    id: Number(r.id),
    kind: r.kind as DeliveryView['kind'],
    eventId: r.event_id === null ? null : String(r.event_id),
    eventType: r.event_type === null ? null : String(r.event_type),
    events: Number(r.events),
    attempt: Number(r.attempt),
    at: Number(r.at),
    status: r.status as DeliveryView['status'],
    responseCode: r.response_code === null ? null : Number(r.response_code),
    latencyMs: r.latency_ms === null ? null : Number(r.latency_ms),
    error: r.error === null ? null : String(r.error),
    nextRetryAt: r.next_retry_at === null ? null : Number(r.next_retry_at),
  }
}

/** An event as receivers get it: without the log-local `seq` (its order in this log only). */
function publicEvent(e: ActivityEvent) {
  const { seq: _seq, ...rest } = e
  return rest
}

function hostOf(url: string) {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

/** A stream's test event: shaped like an event so collectors parse it, typed `ping`. */
function pingEvent(hook: HookRow, now: number): ActivityEvent {
  return {
    seq: 0,
    id: `ping_${crypto.randomUUID()}`,
    time: now,
    accountId: String(hook.account_id),
    accountPath: String(hook.account_path),
    type: 'ping' as ActivityEvent['type'],
    kind: 'action',
    actor: null,
    impersonator: null,
    subject: null,
    target: null,
    description: 'Test event from Trellis',
    ip: '',
    userAgent: '',
  }
}

/**
 * A batch in a collector's format:
 * - `ndjson`: one event per line (`application/x-ndjson`), bearer token when set.
 * - `datadog`: the logs intake v2 JSON array (`DD-API-KEY` header).
 * - `splunk`: HEC events, newline-separated `{time, event, source, sourcetype}` (`Authorization: Splunk <token>`).
 * Every record carries the event id, for deduplication on the collector's side.
 */
export function streamBody(format: StreamFormat, events: ActivityEvent[], token: string | null): { body: string; headers: Record<string, string> } {
  if (format === 'datadog') {
    const body = events.map((e) => ({
      ddsource: 'trellis',
      service: 'trellis',
      ddtags: `account:${e.accountId},type:${e.type},kind:${e.kind}`,
      hostname: 'trellis',
      message: e.description,
      id: e.id,
      timestamp: e.time,
      trellis: publicEvent(e),
    }))
    return { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(token && { 'dd-api-key': token }) } }
  }
  if (format === 'splunk') {
    const body = events.map((e) => JSON.stringify({ time: e.time / 1000, event: publicEvent(e), source: 'trellis', sourcetype: 'trellis:activity' })).join('\n')
    return { body, headers: { 'content-type': 'application/json', ...(token && { authorization: `Splunk ${token}` }) } }
  }
  return { body: events.map((e) => JSON.stringify(publicEvent(e))).join('\n') + '\n', headers: { 'content-type': 'application/x-ndjson', ...(token && { authorization: `Bearer ${token}` }) } }
}
