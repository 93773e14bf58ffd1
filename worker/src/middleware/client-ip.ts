import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env.ts'

/**
 * The caller's IP. The web worker overwrites `x-trellis-client-ip` on every
 * request it forwards; this worker has no public route, so nobody else can set it.
 */
export const clientIp = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    c.set('clientIp', c.req.header('x-trellis-client-ip') ?? c.req.header('cf-connecting-ip') ?? 'unknown')
    await next()
  })
