import { env } from 'cloudflare:test'
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core'
import { describe, expect, it } from 'vitest'
import * as schema from '../../../db/schema/index.ts'

// Migrations are hand-written SQL; the drizzle schema the code queries through
// must describe exactly the tables those migrations build.
const tables = (Object.values(schema) as unknown[]).filter((v): v is SQLiteTable => v instanceof SQLiteTable)

describe('drizzle schema = migrated D1', () => {
  it.each(tables.map((t) => [getTableConfig(t).name, t] as const))('table %s has the same columns, nullability and indexes', async (name, table) => {
    const config = getTableConfig(table)
    const { results } = await env.DB.prepare(`SELECT name, "notnull" AS nn, pk FROM pragma_table_info(?)`).bind(name).all<{ name: string; nn: number; pk: number }>()
    expect(results.length, `table ${name} exists in D1`).toBeGreaterThan(0)
    const inDb = Object.fromEntries(results.map((r) => [r.name, r.nn === 1 || r.pk === 1]))
    const inCode = Object.fromEntries(config.columns.map((c) => [c.name, c.notNull || c.primary]))
    expect(inCode).toEqual(inDb)
    const { results: indexes } = await env.DB.prepare(`SELECT name FROM pragma_index_list(?) WHERE origin = 'c'`).bind(name).all<{ name: string }>()
    const declared = [...config.indexes.map((i) => i.config.name), ...config.columns.flatMap((c) => (c.isUnique && c.uniqueName ? [c.uniqueName] : []))]
    expect(declared.sort()).toEqual(indexes.map((i) => i.name).sort())
  })
})
