import { z } from 'zod'
import { where } from './activity-query.ts'
import { EventFilter } from './activity-schema.ts'

// One slice of an export, read from the log's SQLite. The worker asks for slice after slice
// (domain/activity-export.ts) and streams them out as one download, so no request to the
// object does more than a slice's work however long the log is (docs/decisions/030).

export const EXPORT_COLUMNS = ['id', 'time', 'account_id', 'type', 'kind', 'actor_email', 'impersonator_email', 'subject_email', 'target_kind', 'target_id', 'target_label', 'description', 'ip', 'user_agent'] as const

/** Seqs one slice covers when the worker does not say: 250,000 rows at most. */
export const SLICE_SEQS = 250_000
/** Seqs per chunk of a slice's stream (one SQL statement builds a chunk's bytes): 8,000 at first (~2 MB of CSV; fewer, larger statements cost less per row)… */
const CHUNK_SEQS = 8000
/** …more while the filter keeps few of them, up to this (a chunk stays under ~8 MB). */
const MAX_CHUNK_SEQS = 16_000

// Each line is built by SQLite, and a chunk's lines come back as one BLOB that is sent as
// it is: reading each row into JavaScript (an object of 21 strings) and writing its line
// there was most of the cost of an export.

/** Bits (code point - 1) of = + - @ tab CR, the characters that start a spreadsheet formula. */
const FORMULA_STARTS = [61, 43, 45, 64, 9, 13].reduce((mask, c) => mask | (1n << BigInt(c - 1)), 0n)
/** A CSV cell's text (before quoting): a leading formula character gets a ' (a mask test: cheaper than IN). */
const csvText = (x: string) =>
  `CASE WHEN unicode(${x}) <= 64 AND (1 << (unicode(${x}) - 1)) & ${BigInt.asIntN(64, FORMULA_STARTS)} THEN '''' || ${x} ELSE ifnull(${x}, '') END`
/** `time` (epoch ms) as Date#toISOString writes it (printf arguments). */
const isoTime = `date(time / 1000, 'unixepoch'), time / 3600000 % 24, time / 60000 % 60, time / 1000 % 60, time % 1000`
/**
 * A CSV line: every cell quoted, with the quotes inside doubled. Mostly one printf (`%w`
 * doubles quotes; concatenating each cell with || copied the line once per cell), but
 * printf ends a string at a NUL character, so the cells people type (a target's id and
 * label, the description) are concatenated whole. The others cannot hold one: ids and
 * types are ours, emails are validated, ip and user agent come from HTTP headers.
 */
const csvLine = (() => {
  const typed = ['target_id', 'target_label', 'description'] as const
  const before = EXPORT_COLUMNS.slice(0, EXPORT_COLUMNS.indexOf('target_id'))
  const after = EXPORT_COLUMNS.slice(EXPORT_COLUMNS.indexOf('description') + 1)
  const format = (cols: readonly string[]) => cols.map((c) => (c === 'time' ? '"%sT%02d:%02d:%02d.%03dZ"' : '"%w"')).join(',')
  const args = (cols: readonly string[]) => cols.map((c) => (c === 'time' ? isoTime : csvText(c))).join(', ')
  return `printf('${format(before)},"', ${args(before)}) || ${typed.map((c) => `replace(${csvText(c)}, '"', '""')`).join(` || '","' || `)} || printf('",${format(after)}' || char(10), ${args(after)})`
})()

/** A person as toEvent reads one: the pair, or null when there is no id. */
const party = (p: string) => `CASE WHEN ${p}_id <> '' THEN json_object('id', ${p}_id, 'email', ${p}_email) END`
/** The event as JSON.stringify(toEvent(row)) writes it: same keys, same order. */
const ndjsonLine = `json_object('seq', seq, 'id', id, 'time', time, 'accountId', account_id, 'accountPath', account_path, 'type', type, 'kind', kind,
  'actor', ${party('actor')}, 'impersonator', ${party('impersonator')}, 'subject', ${party('subject')},
  'target', CASE WHEN target_id <> '' THEN json_object('kind', target_kind, 'id', target_id, 'label', target_label) END,
  'description', description, 'ip', ip, 'userAgent', user_agent) || char(10)`

export const SliceQuery = z.object({
  format: z.enum(['csv', 'ndjson']),
  /** Continue after this seq; absent on the first slice, which fixes where the export ends. */
  after: z.coerce.number().int().min(0).optional(),
  /** The last seq of the export, as the first slice answered (later events are not in it). */
  end: z.coerce.number().int().min(0).optional(),
  seqs: z.coerce.number().int().min(1).max(5_000_000).default(SLICE_SEQS),
})

/**
 * Stream one slice of an export: the events of `sql`'s log matching the filter (header
 * `x-trellis-filter`) with a seq in (after, after + seqs], oldest first, as CSV lines (the
 * first slice starts with the header row) or NDJSON. Answers where the next slice starts
 * (`x-trellis-export-next`, absent on the last) and the export's last seq (`…-end`).
 */
export function exportSlice(sql: SqlStorage, request: Request): Response {
  const q = SliceQuery.parse(Object.fromEntries(new URL(request.url).searchParams))
  const filter = EventFilter.parse(JSON.parse(request.headers.get('x-trellis-filter') ?? '{}'))
  let after: number
  let end: number
  const first = q.after === undefined
  if (first) {
    // The export covers what the log holds now: from its oldest event to its newest.
    // (Two subqueries: SQLite answers a lone min() or max() from the b-tree's edge, both at once by a full scan.)
    const bounds = sql.exec('SELECT (SELECT min(seq) FROM events) AS lo, (SELECT max(seq) FROM events) AS hi').one()
    after = bounds.lo === null ? 0 : Number(bounds.lo) - 1
    end = Number(bounds.hi ?? 0)
  } else {
    after = q.after!
    end = q.end ?? after
  }
  const until = Math.min(end, after + q.seqs)
  const line = q.format === 'csv' ? csvLine : ndjsonLine
  let header = first && q.format === 'csv'
  let cursor = after
  let span = CHUNK_SEQS
  const encoder = new TextEncoder()
  const stream = new ReadableStream<Uint8Array>({
    pull: (controller) => {
      if (header) {
        header = false
        return controller.enqueue(encoder.encode(EXPORT_COLUMNS.join(',') + '\n'))
      }
      // Chunks by seq range, read in seq order (NOT INDEXED: the range is small, and an
      // index would hand rows over in its own order); skip ahead while none match.
      while (cursor < until) {
        const to = Math.min(until, cursor + span)
        const w = where(filter, { afterSeq: cursor, untilSeq: to, seqDrives: true })
        const chunk = sql.exec(`SELECT count(*) AS n, group_concat(${line}, '') AS text FROM events NOT INDEXED ${w.sql}`, ...w.binds).one()
        cursor = to
        const n = Number(chunk.n)
        span = n < CHUNK_SEQS / 2 ? Math.min(MAX_CHUNK_SEQS, span * 2) : CHUNK_SEQS
        if (chunk.text !== null) return controller.enqueue(encoder.encode(String(chunk.text)))
      }
      controller.close()
    },
  })
  const headers = new Headers({ 'x-trellis-export-end': String(end) })
  if (until < end) headers.set('x-trellis-export-next', String(until))
  return new Response(stream, { headers })
}
