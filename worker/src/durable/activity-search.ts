import type { EventFilter, Row } from './activity-schema.ts'
import { toEvent } from './activity-schema.ts'
import { ftsQuery, typesNamed, where } from './activity-query.ts'

// Reading the log: pages of a filtered search and the histogram, over the log object's SQLite.

/** A page of events, newest first, before the `before` seq (`lastSeq`: the log's newest). */
export function listEvents(sql: SqlStorage, f: EventFilter, limit: number, before: number | undefined, lastSeq: number) {
  let rows: Row[]
  const fts = f.q ? ftsQuery(f.q) : null
  // (A text that also names event types is an OR the generic plan below handles.)
  if (fts && f.actor && !typesNamed(f.q!).length) {
    // Text and a login: two plans, chosen by how many events pass the other filters
    // (counted in the covering index, up to 1 % of the log). Named indexes and CROSS JOIN,
    // because SQLite's own pick (events_actor, to skip a sort) visits every event of that
    // login or every text match: ~100 ms in a 1M-event log.
    const rest = where({ ...f, q: undefined }, { beforeSeq: before })
    const cap = Math.max(1000, Math.ceil((before ?? lastSeq) / 100))
    const candidates = Number(sql.exec(`SELECT count(*) AS n FROM (SELECT 1 FROM events INDEXED BY events_actor_type ${rest.sql} LIMIT ?)`, ...rest.binds, cap).one().n)
    if (candidates < cap) {
      // Few: the index yields their seqs newest first, each tested against the text
      // matches (built once), then only the page's rows are read.
      const w = where(f, { beforeSeq: before, ftsDrives: false })
      rows = sql
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
      rows = sql
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
    rows = sql.exec(`SELECT * FROM events ${w.sql} ORDER BY seq DESC LIMIT ?`, ...w.binds, limit + 1).toArray()
  }
  const items = rows.slice(0, limit).map(toEvent)
  return { items, nextBefore: rows.length > limit ? items.at(-1)!.seq : null }
}

/** Events per hour by kind for a filter, between from and to. */
export function eventHistogram(sql: SqlStorage, f: EventFilter) {
  const w = where(f)
  return sql
    .exec(`SELECT (time / 3600000) * 3600000 AS hour, kind, count(*) AS n FROM events ${w.sql} GROUP BY hour, kind ORDER BY hour`, ...w.binds)
    .toArray()
    .map((r) => ({ hour: Number(r.hour), kind: String(r.kind), count: Number(r.n) }))
}
