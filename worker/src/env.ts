import type { DB } from './db.ts'
import type { Principal } from './domain/sessions.ts'
import type { ActivityLog } from './durable/activity-log.ts'

/** Bindings declared in wrangler.toml. */
export interface Bindings {
  DB: D1Database
  ACTIVITY: DurableObjectNamespace<ActivityLog>
  ARGON2_MEMORY_KIB: string
  ARGON2_ITERATIONS: string
  SESSION_TTL_DAYS: string
  /** Days an activity event is kept (default 400). */
  ACTIVITY_RETENTION_DAYS?: string
  /** "true" enables /api/dev/* (local development and benchmarks only). */
  DEV_TOOLS?: string
}

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {}
  }
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
