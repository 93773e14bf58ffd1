import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env.ts'
import { AppError } from '../errors.ts'
import { SESSION_COOKIE } from './session.ts'

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Refuse state-changing requests from other sites: an Origin header must
 * match this host, and a request carrying the session cookie must send one.
 * (Login CSRF is covered too: a foreign Origin is refused with or without a cookie.)
 */
export const csrf = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!SAFE.has(c.req.method)) {
      const origin = c.req.header('origin')
      // A sign-in step (second factor) is as good as a session for a forger: it needs an Origin too.
      const cookies = c.req.header('cookie') ?? ''
      const hasSession = cookies.includes(`${SESSION_COOKIE}=`) || cookies.includes('trellis_step=')
      if (origin ? origin !== new URL(c.req.url).origin : hasSession) throw new AppError('csrf_rejected')
    }
    await next()
  })
