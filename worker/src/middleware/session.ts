import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import { validateApiKey } from '../domain/api-keys.ts'
import { closeLiveConnections } from '../domain/live.ts'
import { createSession, validateSessionToken, type SessionLifetime } from '../domain/sessions.ts'
import type { AppEnv, Bindings } from '../env.ts'
import { AppError } from '../errors.ts'
import { clientPlace } from './client-ip.ts'
import { factsFor, recordImpersonation } from './impersonation-events.ts'

export const SESSION_COOKIE = 'trellis_session'

/**
 * Whether the session cookie is Secure: whenever the deployment is https —
 * HTTPS_ONLY says so (on in wrangler.toml; TLS may end before the worker, so
 * the request URL cannot be trusted to say), or the canonical origin
 * (PUBLIC_ORIGIN, https for every deploy) is https — else when this request is.
 * Local development sets HTTPS_ONLY=false in .dev.vars to sign in over http.
 */
export function cookieSecure(env: { HTTPS_ONLY?: string; PUBLIC_ORIGIN?: string }, url: string) {
  return env.HTTPS_ONLY === 'true' || (env.PUBLIC_ORIGIN ?? '').startsWith('https://') || new URL(url).protocol === 'https:'
}

const secure = <E extends AppEnv>(c: Context<E>) => cookieSecure(c.env, c.req.url)

/** Set the session cookie: HttpOnly, SameSite=Lax, Secure on an https deployment. */
export function setSessionCookie<E extends AppEnv>(c: Context<E>, token: string, expiresAt: number) {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: secure(c),
    path: '/',
    expires: new Date(expiresAt),
  })
}

/** A new session for `userId`, stamped with this request's address, browser and place (the cookie is not set yet). */
export function newSession<E extends AppEnv>(c: Context<E>, userId: string) {
  return createSession(c.var.db, userId, Number(c.env.SESSION_TTL_DAYS), {
    ip: c.var.clientIp,
    userAgent: c.req.header('user-agent') ?? null,
    ...clientPlace(c.req),
  })
}

/** Sign `userId` in on this browser: a new session and its cookie. */
export async function signInHere<E extends AppEnv>(c: Context<E>, userId: string) {
  const { token, session } = await newSession(c, userId)
  setSessionCookie(c, token, session.expiresAt)
}

/** Remove the session cookie from the browser. */
export function clearSessionCookie<E extends AppEnv>(c: Context<E>) {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secure(c), httpOnly: true, sameSite: 'Lax' })
}

/** The idle and absolute session lifetimes configured in wrangler.toml. */
export function sessionLifetime(env: Bindings): SessionLifetime {
  return { idleDays: Number(env.SESSION_TTL_DAYS), maxDays: Number(env.SESSION_MAX_DAYS) }
}

/** The token of an `Authorization: Bearer …` header, or null when the request has none. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header)
  return match ? match[1]! : header.trim() ? '' : null
}

/**
 * Resolve the caller: an API key sent as `Authorization: Bearer …` (cookies
 * are then ignored entirely), else the session cookie, sliding its expiry.
 * A Bearer header that is not a live key answers 401 at once, on every route.
 */
export const session = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    c.set('principal', null)
    const bearer = bearerToken(c.req.header('authorization'))
    if (bearer !== null) {
      const found = bearer ? await validateApiKey(c.var.db, bearer, { ip: c.var.clientIp }) : null
      if (!found) throw new AppError('api_key_invalid')
      // Rule 8: a disabled tree's keys stop with it (a deleted tree's never resolve).
      if (found.grant.status === 'disabled') throw new AppError('account_suspended', `${found.grant.accountName} is suspended; its API keys do not work.`)
      const name = `${found.key.name} (API key)`
      c.set('principal', {
        user: { id: found.key.id, email: name, name },
        apiKey: { id: found.key.id, name: found.key.name, accountId: found.key.accountId },
        emailVerified: true,
        session: { id: found.key.id, expiresAt: found.key.expiresAt ?? Number.MAX_SAFE_INTEGER },
        memberships: [found.grant],
        impersonation: null,
        lastAccountId: found.key.accountId,
        locale: null,
      })
      await next()
      return
    }
    const token = getCookie(c, SESSION_COOKIE)
    if (token) {
      const result = await validateSessionToken(c.var.db, token, sessionLifetime(c.env))
      if (!result) clearSessionCookie(c)
      else {
        c.set('principal', result.principal)
        if (result.refreshed) setSessionCookie(c, token, result.principal.session.expiresAt)
        // An impersonation that ran out: record its end before anything else happens.
        if (result.lapsed) {
          const facts = await factsFor(c, result.lapsed)
          if (facts) await recordImpersonation(c, 'impersonation_end', facts, result.principal.memberships, 'expired after 60 minutes')
          await closeLiveConnections(c.env, c.var.db, { impersonationId: result.lapsed.id }, 'impersonationEnded')
        }
      }
    }
    await next()
  })

/** The signed-in principal, or a 401 problem. */
export function requirePrincipal<E extends AppEnv>(c: Context<E>) {
  const principal = c.var.principal
  if (!principal) throw new AppError('unauthenticated')
  return principal
}
