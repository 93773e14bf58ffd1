import { where } from './activity-query.ts'
import { EventFilter, toEvent } from './activity-schema.ts'

const COLUMNS = ['id', 'time', 'account_id', 'type', 'kind', 'actor_email', 'impersonator_email', 'subject_email', 'target_kind', 'target_id', 'target_label', 'description', 'ip', 'user_agent'] as const

/** A CSV cell, quoted, with spreadsheet formulas neutralised. */
function csvCell(v: unknown) {
  const s = v === null || v === undefined ? '' : String(v)
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
  return `"${safe.replaceAll('"', '""')}"`
}

/**
 * Stream every event of `sql`'s log matching the request's filter (oldest
 * first) as CSV or NDJSON, a thousand rows per pull.
 */
export function exportEvents(sql: SqlStorage, request: Request): Response {
  const format = new URL(request.url).searchParams.get('format') === 'ndjson' ? 'ndjson' : 'csv'
  const filter = EventFilter.parse(JSON.parse(request.headers.get('x-trellis-filter') ?? '{}'))
  const encoder = new TextEncoder()
  let after = 0
  let headerSent = false
  const stream = new ReadableStream<Uint8Array>({
    pull: (controller) => {
      if (!headerSent && format === 'csv') {
        headerSent = true
        controller.enqueue(encoder.encode(COLUMNS.join(',') + '\n'))
        return
      }
      const w = where(filter, { afterSeq: after })
      const rows = sql.exec(`SELECT * FROM events ${w.sql} ORDER BY seq LIMIT 1000`, ...w.binds).toArray()
      if (!rows.length) return controller.close()
      after = Number(rows.at(-1)!.seq)
      const text =
        format === 'csv'
          ? rows.map((r) => COLUMNS.map((c) => csvCell(c === 'time' ? new Date(Number(r.time)).toISOString() : r[c])).join(',')).join('\n') + '\n'
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
