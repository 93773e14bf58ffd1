import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import type { SelectedFields, SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core'
import * as schema from '../../db/schema/index.ts'

/** A drizzle handle over the D1 binding. */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema })
}

export type DB = ReturnType<typeof createDb>
export { schema }

/** `columns` of the rows of an account's table, each joined with its account (for the account's name, and its path for the tree checks). */
export function withAccount<T extends SQLiteTable & { accountId: SQLiteColumn }, F extends SelectedFields>(db: DB, table: T, columns: F) {
  return db.select(columns).from(table).innerJoin(schema.accounts, eq(schema.accounts.id, table.accountId))
}

/** The text of a database error and its causes (drizzle wraps D1's message in its own). */
export function errorText(error: unknown): string {
  const parts: string[] = []
  for (let e: unknown = error, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) parts.push(String((e as Error).message ?? e))
  return parts.join(' | ')
}

/**
 * True when `error` is SQLite's UNIQUE violation on `target`: `'table.column'`
 * for one column, `'table'` for any unique index of the table, nothing for any at all.
 */
export function isUniqueViolation(error: unknown, target?: string): boolean {
  const match = /UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)/.exec(errorText(error))
  if (!match) return false
  return target === undefined || match[1]!.split(', ').some((column) => column === target || column.startsWith(`${target}.`))
}
