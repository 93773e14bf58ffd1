import type { D1Migration } from 'cloudflare:test'

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[]
      DNS_RESOLVER_URL: string
      SAAS_API_BASE: string
      SAAS_API_TOKEN: string
      SAAS_ZONE_ID: string
      TEST_RESEND_BASE: string
      TEST_RESEND_KEY: string
      HOOK_RECEIVER_URL: string
      BILLING_API_URL: string
      BILLING_API_TOKEN: string
      PROVISIONING_CONTROL: string
      TEST_SEED: { sql: string; params: (string | number | null)[] }[]
    }
  }
}
