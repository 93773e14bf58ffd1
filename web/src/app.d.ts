declare global {
  namespace App {
    interface Platform {
      env: { API: Fetcher }
      ctx: ExecutionContext
      caches: CacheStorage & { default: Cache }
    }
  }
}

export {}
