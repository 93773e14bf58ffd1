import { z } from 'zod'
import { activityTypes, eventKinds } from './activity-types.ts'

// The shapes of an account's activity log: what the worker sends (validated again here:
// RPC arguments are input), what a stored event looks like, and the object's own SQLite
// storage with its numbered migrations.

/** What the worker sends to append one event (validated again here: RPC arguments are input). */
export const EventInput = z.object({
  accountId: z.string().min(1).max(64),
  accountPath: z.string().min(3).max(600),
  type: z.enum(activityTypes),
  kind: z.enum(eventKinds),
  actor: z.object({ id: z.string(), email: z.string() }).nullable(),
  impersonator: z.object({ id: z.string(), email: z.string() }).nullable(),
  subject: z.object({ id: z.string(), email: z.string() }).nullable(),
  target: z.object({ kind: z.string().max(40), id: z.string().max(64), label: z.string().max(200) }).nullable(),
  description: z.string().max(1000),
  ip: z.string().max(64),
  userAgent: z.string().max(512),
})
export type EventInput = z.infer<typeof EventInput>

/**
 * An event nobody did (the cron, the portal itself, the integrations runner):
 * no actor and no address; `source` stands where a browser's name would.
 */
export function systemEvent(
  account: { id: string; path: string },
  event: { type: EventInput['type']; target: EventInput['target']; subject?: EventInput['subject']; description: string },
  source: string,
): EventInput {
  return { accountId: account.id, accountPath: account.path, type: event.type, kind: 'action', actor: null, impersonator: null, subject: event.subject ?? null, target: event.target, description: event.description, ip: '', userAgent: source }
}

/** A stored event as the API returns it. `seq` orders this log; `id` is the event's id everywhere. */
export interface ActivityEvent extends EventInput {
  seq: number
  id: string
  time: number
}

export const EventFilter = z.object({
  actor: z.string().max(254).optional(),
  types: z.array(z.enum(activityTypes)).max(activityTypes.length).optional(),
  kind: z.enum(['action', 'all']).default('action'),
  targetId: z.string().max(64).optional(),
  accountId: z.string().max(64).optional(),
  from: z.number().int().optional(),
  to: z.number().int().optional(),
  q: z.string().max(200).optional(),
})
export type EventFilter = z.infer<typeof EventFilter>

/** Who is on the other end of a live socket, set by the worker after authorization. */
export const Subscriber = z.object({
  /** The socket's row in D1's live_connections, naming the rights that opened it (rule 15). */
  connectionId: z.string().min(1).max(64),
  /** The account whose log this is. */
  accountId: z.string().min(1).max(64),
  sessionId: z.string().max(64),
  impersonationId: z.string().max(64).nullable(),
  /** When the session runs out, as known at connect (it slides on while used: D1 decides then). */
  sessionExpiresAt: z.number().int(),
  /** When the impersonation runs out (it never slides). */
  impersonationExpiresAt: z.number().int().nullable(),
  /** The person behind the socket (the impersonator while impersonating): their own changes come marked `mine`. */
  personId: z.string(),
  userId: z.string(),
  name: z.string(),
  email: z.string(),
  /** Path of the membership through which the subscriber reaches this account. */
  memberPath: z.string(),
  /** Full events (needs activity.view) or only presence and change notices. */
  events: z.boolean(),
  /** Change notices with target labels and actors (activity.view); without, only what a page needs to refresh. */
  details: z.boolean(),
  filter: EventFilter,
  after: z.number().int().min(0).nullable(),
  page: z.string().max(200).default(''),
})
export type Subscriber = z.infer<typeof Subscriber>

/** Migrations of this object's own SQLite storage, run once each, in order. */
export const migrations = [
  `CREATE TABLE events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     time INTEGER NOT NULL,
     account_id TEXT NOT NULL,
     account_path TEXT NOT NULL,
     type TEXT NOT NULL,
     kind TEXT NOT NULL,
     actor_id TEXT, actor_email TEXT,
     impersonator_id TEXT, impersonator_email TEXT,
     subject_id TEXT, subject_email TEXT,
     target_kind TEXT, target_id TEXT, target_label TEXT,
     description TEXT NOT NULL,
     ip TEXT NOT NULL,
     user_agent TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL
   );
   CREATE INDEX events_time ON events(time);
   CREATE INDEX events_actor ON events(actor_email, seq);
   CREATE INDEX events_type ON events(type, seq);
   CREATE INDEX events_target ON events(target_id, seq);
   CREATE VIRTUAL TABLE events_fts USING fts5(description, content='events', content_rowid='seq');
   CREATE TABLE outbox (seq INTEGER PRIMARY KEY, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // Search by login + action type(s): the page's seqs come from this index alone (it holds
  // every column the filter reads), newest first, without touching the wide rows. Objects
  // created before it get it on their next start (IF NOT EXISTS: safe to meet twice).
  `CREATE INDEX IF NOT EXISTS events_actor_type ON events(actor_email, type, kind, seq);`,
]

export type Row = Record<string, SqlStorageValue | undefined>

export function toEvent(r: Row): ActivityEvent {
  const pair = (id: SqlStorageValue | undefined, email: SqlStorageValue | undefined) => (id ? { id: String(id), email: String(email) } : null)
  return {
    seq: Number(r.seq),
    id: String(r.id),
    time: Number(r.time),
    accountId: String(r.account_id),
    accountPath: String(r.account_path),
    type: r.type as ActivityEvent['type'],
    kind: r.kind as ActivityEvent['kind'],
    actor: pair(r.actor_id, r.actor_email),
    impersonator: pair(r.impersonator_id, r.impersonator_email),
    subject: pair(r.subject_id, r.subject_email),
    target: r.target_id ? { kind: String(r.target_kind), id: String(r.target_id), label: String(r.target_label) } : null,
    description: String(r.description),
    ip: String(r.ip),
    userAgent: String(r.user_agent),
  }
}
