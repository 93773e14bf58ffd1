declare global {
  namespace App {
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
