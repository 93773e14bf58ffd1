import { and, asc, bindIfParam, desc, eq, gt, lt, or, sql, type SQLWrapper } from 'drizzle-orm'

/**
 * Keyset paging: rows in the order of a sort key, with the id breaking ties,
 * each in its own direction; a page reads `limit + 1` rows, and the cursor of
 * the next page is the last row's key and id.
 */
export interface KeyOrder {
  key: SQLWrapper
  id: SQLWrapper
  keyDir: 'asc' | 'desc'
  idDir: 'asc' | 'desc'
}

/** The ORDER BY of a keyset order. */
export function keyOrderBy(o: KeyOrder) {
  return [o.keyDir === 'asc' ? asc(o.key) : desc(o.key), o.idDir === 'asc' ? asc(o.id) : desc(o.id)] as const
}

/**
 * The rows that come after the row with this key and id, in the keyset order.
 * When key and id run the same way it is one row-value comparison, which SQLite
 * turns into a range of an index on (…, key, id): page 1,000 costs what page 1
 * does. The `key > ? OR (key = ? AND id > ?)` form is not a range — SQLite walks
 * the index from the start and filters, so a deep page of 100,000 rows read every
 * row before it (50 ms against 1 ms). Mixed directions keep that form.
 */
export function keysetAfter(o: KeyOrder, key: unknown, id: string) {
  if (o.keyDir === o.idDir) {
    const op = o.keyDir === 'asc' ? sql`>` : sql`<`
    return sql`(${o.key}, ${o.id}) ${op} (${bindIfParam(key, o.key)}, ${bindIfParam(id, o.id)})`
  }
  const beyond = (dir: 'asc' | 'desc') => (dir === 'asc' ? gt : lt)
  return or(beyond(o.keyDir)(o.key, key), and(eq(o.key, key), beyond(o.idDir)(o.id, id)))
}

/** The page in `limit + 1` rows read, and the cursor of the next page (null on the last one). */
export function pageOf<R, C>(rows: R[], limit: number, cursorOf: (last: R) => C): { items: R[]; next: C | null } {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items, next: rows.length > limit && last ? cursorOf(last) : null }
}
