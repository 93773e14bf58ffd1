import type { DB } from './db.ts'
import type { Principal } from './domain/sessions.ts'

/** Bindings declared in wrangler.toml. */
export interface Bindings {
  DB: D1Database
  ARGON2_MEMORY_KIB: string
  ARGON2_ITERATIONS: string
  SESSION_TTL_DAYS: string
}

/** Per-request values set by middleware. */
export interface Variables {
  db: DB
  principal: Principal | null
  clientIp: string
}

export interface AppEnv {
  Bindings: Bindings
  Variables: Variables
}
