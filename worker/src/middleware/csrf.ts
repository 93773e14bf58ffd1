import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env.ts'
import { AppError } from '../errors.ts'
import { bearerToken, SESSION_COOKIE } from './session.ts'

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Refuse state-changing requests from other sites: an Origin header must
 * match this host, and a request carrying the session cookie must send one.
 * (Login CSRF is covered too: a foreign Origin is refused with or without a cookie.)
 * Requests with `Authorization: Bearer` are exempt: a browser never attaches
 * that header to another site's request by itself, and the session middleware
 * ignores cookies on them, so there is no ambient credential to forge with.
 */
export const csrf = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!SAFE.has(c.req.method) && bearerToken(c.req.header('authorization')) === null) {
      const origin = c.req.header('origin')
      // A sign-in step (second factor) is as good as a session for a forger: it needs an Origin too.
      const cookies = c.req.header('cookie') ?? ''
      const hasSession = cookies.includes(`${SESSION_COOKIE}=`) || cookies.includes('trellis_step=')
      if (origin ? origin !== new URL(c.req.url).origin : hasSession) throw new AppError('csrf_rejected')
    }
    await next()
  })
