declare global {
  namespace App {
    interface Locals {
      /** The language this request's page is drawn in (hooks.server.ts). */
      locale: 'en' | 'fr'
    }
    interface Platform {
      env: { API: Fetcher }
      ctx: ExecutionContext
      caches: CacheStorage & { default: Cache }
      /** Where Cloudflare's edge placed the request (absent in some local setups). */
      cf?: { country?: string; city?: string }
    }
  }
}

export {}
