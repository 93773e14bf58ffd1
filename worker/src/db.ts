import { drizzle } from 'drizzle-orm/d1'
import * as schema from '../../db/schema/index.ts'

/** A drizzle handle over the D1 binding. */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema })
}

export type DB = ReturnType<typeof createDb>
export { schema }
