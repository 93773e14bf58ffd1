import { applyD1Migrations, env } from 'cloudflare:test'
import { beforeEach } from 'vitest'

// Storage is isolated per test file; migrate it once per file.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)

const { results } = await env.DB.prepare(
  "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations'",
).all<{ name: string }>()
const tables = results.map((r) => r.name)

/** Every test starts from the demo data alone: no test depends on another's writes. */
beforeEach(async () => {
  await env.DB.batch([
    env.DB.prepare('PRAGMA defer_foreign_keys = on'),
    ...tables.map((t) => env.DB.prepare(`DELETE FROM "${t}"`)),
    ...env.TEST_SEED.map((s) => env.DB.prepare(s.sql).bind(...s.params)),
  ])
})
