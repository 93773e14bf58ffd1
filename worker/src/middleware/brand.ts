import { createMiddleware } from 'hono/factory'
import { brandForHost } from '../domain/host-brand.ts'
import type { AppEnv } from '../env.ts'

/**
 * Resolve the brand of the request's host (a verified reseller hostname, else
 * the platform) into `c.var.hostBrand`. The URL's host is the browser's: the web
 * worker forwards requests through the service binding with it intact.
 */
export const brand = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    c.set('hostBrand', await brandForHost(c.var.db, new URL(c.req.url).hostname))
    await next()
  })
