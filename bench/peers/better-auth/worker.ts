// better-auth with its organization plugin on D1, set up as its documentation recommends
// for Cloudflare Workers (better-auth 1.7: "Cloudflare D1 support" and "Example: Cloudflare
// D1" in concepts/database): the D1 binding passed straight as `database` (its built-in
// Kysely D1 dialect), the auth instance built once per isolate from `cloudflare:workers`'
// env, Hono mounting `auth.handler` on /api/auth/*, and `getMigrations` behind an
// endpoint because the CLI cannot reach D1. Everything else is left at its defaults.
// Used only by bench/peers.mjs.
import { env } from 'cloudflare:workers'
import { betterAuth } from 'better-auth'
import { getMigrations } from 'better-auth/db/migration'
import { organization } from 'better-auth/plugins'
import { Hono } from 'hono'

type Env = { DB: D1Database; BETTER_AUTH_URL: string; BETTER_AUTH_SECRET: string }
const bindings = env as unknown as Env

export const auth = betterAuth({
  baseURL: bindings.BETTER_AUTH_URL,
  secret: bindings.BETTER_AUTH_SECRET,
  database: bindings.DB,
  emailAndPassword: { enabled: true },
  plugins: [organization()],
})

const app = new Hono()

// The bench's own set-up step (the documentation's migration endpoint).
app.post('/migrate', async (c) => {
  const { runMigrations } = await getMigrations(auth.options)
  await runMigrations()
  return c.body(null, 204)
})

app.on(['POST', 'GET'], '/api/auth/*', (c) => auth.handler(c.req.raw))

export default app
