import type { D1Migration } from 'cloudflare:test'

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[]
      DNS_RESOLVER_URL: string
      TEST_SEED: { sql: string; params: (string | number | null)[] }[]
    }
  }
}
