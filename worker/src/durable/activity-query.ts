import type { ActivityEvent, EventFilter } from './activity-schema.ts'
import { activityTypes, type ActivityType } from './activity-types.ts'

// Filters of the activity log as SQL for its SQLite storage, and their in-memory twin for
// live delivery: one meaning, two forms, kept side by side.

/** Words of a free-text search as an FTS5 query: every word, as a quoted prefix. */
export function ftsQuery(text: string): string | null {
  const words = text.match(/[\p{L}\p{N}]+/gu)
  return words?.length ? words.slice(0, 12).map((w) => `"${w}"*`).join(' ') : null
}

const typeWords = activityTypes.map((type) => ({ type, words: type.split('_') }))

/**
 * Event types a free-text search names: every word of the text starts a word
 * of the type's name ("impersonat" names impersonation_start and _end).
 * A search matches an event by its description or by its type.
 */
export function typesNamed(text: string): ActivityType[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu)
  if (!words?.length) return []
  return typeWords.filter((t) => words.every((w) => t.words.some((tw) => tw.startsWith(w)))).map((t) => t.type)
}

/**
 * The SQL WHERE clause and bindings of a filter. `ftsDrives: false` writes the text test
 * as `+seq IN (...)`, so SQLite filters by it but never walks the FTS match list to drive
 * the query (which visits every matching row when the other filters select few of them).
 * `seqDrives` keeps the work within the seq range (afterSeq, untilSeq] (export slices): the
 * text matches are taken in that range only, and the time window never drives (its index
 * would walk events outside the range).
 */
export function where(filter: EventFilter, extra: { beforeSeq?: number; afterSeq?: number; untilSeq?: number; ftsDrives?: boolean; seqDrives?: boolean } = {}) {
  const parts: string[] = []
  const binds: SqlStorageValue[] = []
  const add = (clause: string, ...values: SqlStorageValue[]) => {
    parts.push(clause)
    binds.push(...values)
  }
  if (filter.kind === 'action') add(`kind = 'action'`)
  if (filter.actor) add('actor_email = ?', filter.actor.toLowerCase())
  if (filter.types?.length) add(`type IN (${filter.types.map(() => '?').join(',')})`, ...filter.types)
  if (filter.targetId) add('target_id = ?', filter.targetId)
  if (filter.accountId) add('account_id = ?', filter.accountId)
  const time = extra.seqDrives ? '+time' : 'time'
  if (filter.from !== undefined) add(`${time} >= ?`, filter.from)
  if (filter.to !== undefined) add(`${time} < ?`, filter.to)
  if (filter.q) {
    // A query with no words can match nothing.
    const fts = ftsQuery(filter.q)
    const named = typesNamed(filter.q)
    // An export slice takes the text matches of its own seq range only (FTS5 seeks by rowid).
    const bounds = extra.seqDrives ? ([['rowid > ?', extra.afterSeq], ['rowid <= ?', extra.untilSeq]] as const).filter(([, v]) => v !== undefined) : []
    const inRange = bounds.map(([clause]) => ` AND ${clause}`).join('')
    const rangeBinds = bounds.map(([, v]) => v!)
    const text = `${extra.ftsDrives === false ? '+' : ''}seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?${inRange})`
    if (fts && named.length) add(`(${text} OR type IN (${named.map(() => '?').join(',')}))`, fts, ...rangeBinds, ...named)
    else if (fts) add(text, fts, ...rangeBinds)
    else add('0')
  }
  if (extra.beforeSeq !== undefined) add('seq < ?', extra.beforeSeq)
  if (extra.afterSeq !== undefined) add('seq > ?', extra.afterSeq)
  if (extra.untilSeq !== undefined) add('seq <= ?', extra.untilSeq)
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', binds }
}

/** Does an event pass a filter? (The in-memory twin of `where`, for live delivery.) */
export function matches(e: ActivityEvent, f: EventFilter, words: string[] | null): boolean {
  if (f.kind === 'action' && e.kind !== 'action') return false
  if (f.actor && e.actor?.email !== f.actor.toLowerCase()) return false
  if (f.types?.length && !f.types.includes(e.type)) return false
  if (f.targetId && e.target?.id !== f.targetId) return false
  if (f.accountId && e.accountId !== f.accountId) return false
  if (f.from !== undefined && e.time < f.from) return false
  if (f.to !== undefined && e.time >= f.to) return false
  if (words) {
    const text = e.description.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
    const byType = e.type.split('_')
    if (!words.every((w) => text.some((t) => t.startsWith(w))) && !words.every((w) => byType.some((t) => t.startsWith(w)))) return false
  }
  return true
}
