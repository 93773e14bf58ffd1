import type { DB } from './db.ts'
import type { HostBrand } from './domain/host-brand.ts'
import type { Principal } from './domain/sessions.ts'
import type { ActivityLog } from './durable/activity-log.ts'
import type { LiveRelay } from './durable/live-relay.ts'

/** Bindings declared in wrangler.toml. */
export interface Bindings {
  DB: D1Database
  ACTIVITY: DurableObjectNamespace<ActivityLog>
  /** Relays of a log's live sockets (docs/decisions/029). */
  LIVE_RELAY: DurableObjectNamespace<LiveRelay>
  /** How many relays hold each log's live sockets ("0": the log holds them itself). */
  LIVE_RELAYS?: string
  ARGON2_MEMORY_KIB: string
  ARGON2_ITERATIONS: string
  /** Idle lifetime of a session in days (it slides forward while used). */
  SESSION_TTL_DAYS: string
  /** Absolute lifetime of a session in days, counted from sign-in. */
  SESSION_MAX_DAYS: string
  /** Days an activity event is kept (default 400). */
  ACTIVITY_RETENTION_DAYS?: string
  /** "true" enables /api/dev/* (local development and benchmarks only). */
  DEV_TOOLS?: string
  /** Brand logos (R2; local under wrangler dev). */
  BRANDING: R2Bucket
  /** "true" on an https deployment: session cookies are Secure whatever the request URL says (local http sets "false"). */
  HTTPS_ONLY?: string
  /** The platform's own hostnames, comma-separated (never claimable by a reseller; localhost always is). */
  PLATFORM_HOSTNAMES?: string
  /** The platform's canonical origin (`https://portal.example.com`): links in emails use it or a verified hostname, never the Host header. */
  PUBLIC_ORIGIN: string
  /** The DNS-over-HTTPS endpoint for TXT lookups (adapters/dns.ts); Cloudflare's public resolver when unset. */
  DNS_RESOLVER_URL?: string
  /** `wire` (RFC 8484, default) or `json` (application/dns-json). */
  DNS_RESOLVER_FORMAT?: string
  /** Cloudflare for SaaS (adapters/custom-hostnames.ts): an API token with SSL and Certificates edit on the zone (a secret). */
  SAAS_API_TOKEN?: string
  /** The zone that fronts the web worker, whose custom hostnames carry resellers' domains. */
  SAAS_ZONE_ID?: string
  /** Where the API lives; Cloudflare's when unset (tests point it at a local stand-in). */
  SAAS_API_BASE?: string
  /** The hostname resellers point their CNAME to (the zone's fallback origin), shown on the Domains page. */
  SAAS_CNAME_TARGET?: string
  /** Secret: the key webhook signing secrets are derived from and collector tokens are encrypted with (durable/hooks.ts). */
  WEBHOOK_SIGNING_KEY?: string
  /** "true" in local development and tests only: integrations may use http and loopback addresses. */
  WEBHOOKS_ALLOW_LOCAL?: string
  /** Secret: the Resend API key. Unset = email goes to the local outbox (development). */
  RESEND_API_KEY?: string
  /** Secret: seals TOTP keys at rest (AES-GCM). Unset = a development key, refused on an https deployment. */
  TOTP_ENCRYPTION_KEY?: string
  /** Sender for outgoing email, e.g. `Trellis <portal@example.com>`. */
  EMAIL_FROM?: string
  /** Where Resend's API lives; Resend's when unset (tests point it at a local stand-in). */
  RESEND_API_BASE?: string
  /** The operator's billing system (adapters/billing.ts): its base URL, e.g. `https://billing.example.com/trellis/v1`. */
  BILLING_API_URL?: string
  /** Secret: the bearer token Trellis presents to the billing system. */
  BILLING_API_TOKEN?: string
  /** The operator's provisioning backend (adapters/provisioning.ts): where server actions are POSTed. Unset: the dev stand-in (DEV_TOOLS) or "not configured". */
  PROVISIONING_URL?: string
  /** Secret: the platform's HMAC-SHA256 key that signs every request to the provisioning backend. */
  PROVISIONING_SECRET?: string
  /** How long a server action waits for the backend, in ms (default 20000, at most 25000). */
  PROVISIONING_TIMEOUT_MS?: string
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
  /** The brand of the request's host (middleware/brand.ts). */
  hostBrand: HostBrand
}

export interface AppEnv {
  Bindings: Bindings
  Variables: Variables
}
