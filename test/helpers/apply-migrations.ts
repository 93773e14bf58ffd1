import { applyD1Migrations, env } from 'cloudflare:test'

// Each test file gets its own storage: migrate it and load the demo data.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)
await env.DB.batch(env.TEST_SEED.map((s) => env.DB.prepare(s.sql).bind(...s.params)))
