import { and, asc, desc, eq, gt, lt, or, type SQLWrapper } from 'drizzle-orm'

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

/** The rows that come after the row with this key and id, in the keyset order. */
export function keysetAfter(o: KeyOrder, key: unknown, id: string) {
  const beyond = (dir: 'asc' | 'desc') => (dir === 'asc' ? gt : lt)
  return or(beyond(o.keyDir)(o.key, key), and(eq(o.key, key), beyond(o.idDir)(o.id, id)))
}

/** The page in `limit + 1` rows read, and the cursor of the next page (null on the last one). */
export function pageOf<R, C>(rows: R[], limit: number, cursorOf: (last: R) => C): { items: R[]; next: C | null } {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items, next: rows.length > limit && last ? cursorOf(last) : null }
}
