import { z } from '@hono/zod-openapi'
import { argon2Params, dummyHash, hashPassword, needsRehash, verifyPassword } from '../crypto/password.ts'
import { PASSWORD_MAX } from '../crypto/password-policy.ts'
import { accountsOfUser, platformAccount } from '../domain/accounts.ts'
import { closeLiveConnections } from '../domain/live.ts'
import { loginRefusal, refusalMessage } from '../domain/lifecycle.ts'
import { portalRefusal } from '../domain/portal.ts'
import { createSession, endImpersonation, invalidateSession } from '../domain/sessions.ts'
import { findUserByEmail, normalizeEmail, updatePasswordHash } from '../domain/users.ts'
import type { Context } from 'hono'
import type { AppEnv } from '../env.ts'
import { AppError } from '../errors.ts'
import { audit } from '../middleware/audit.ts'
import { factsFor, recordImpersonation } from '../middleware/impersonation-events.ts'
import { admitSignIn } from '../middleware/password-guard.ts'
import { clearSessionCookie, setSessionCookie } from '../middleware/session.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { User } from './schemas.ts'

const LoginBody = z
  .object({
    email: z.string().trim().min(1, 'Enter your email address.').max(254).email('Enter a valid email address.'),
    password: z.string().min(1, 'Enter your password.').max(PASSWORD_MAX),
  })
  .openapi('LoginRequest')

/** The refusal for a user signing in on another reseller's portal, or null when this portal is theirs. */
async function wrongPortal<E extends AppEnv>(c: Context<E>, user: { id: string }) {
  const portal = c.var.hostBrand.reseller
  if (!portal) return null
  const refusal = await portalRefusal(c.var.db, portal, await accountsOfUser(c.var.db, user.id), new URL(c.req.url), c.env.PLATFORM_HOSTNAMES)
  return refusal ? { host: portal.hostname, error: new AppError('wrong_portal', refusal.detail, { portal: refusal.portal }) } : null
}

const login = route.post('/auth/login', {
  operationId: 'signIn',
  summary: 'Sign in with email and password',
  description: [
    'Sets the session cookie, and a long-lived HttpOnly `trellis_device` cookie that makes this browser a known device of the login.',
    'A wrong email and a wrong password give the same 401 answer.',
    'Failed attempts slow the guesser, never the right person on their own browser: after 5 failures for one email from one client (an IPv4 address or an IPv6 /64),',
    'that pair answers 429 with Retry-After before any password check, for a delay that doubles with each further attempt from 2 seconds up to 15 minutes.',
    'Browsers that have not signed in to that login before are also slowed when the email has 10 recent failures across clients, or the client 30 across emails (password spraying);',
    'a known device answers only for its own failures. Counted failures leak away over minutes of quiet.',
  ].join(' '),
  request: { body: body(LoginBody) },
  responses: { 200: json(z.object({ user: User }), 'Signed in'), ...problems(401, 403, 413, 415, 429) },
})

const logout = route.post('/auth/logout', {
  operationId: 'signOut',
  summary: 'Sign out',
  description: 'Deletes the session server-side and clears the cookie. Answers 204 even without a session.',
  responses: { 204: { description: 'Signed out' }, ...problems(403) },
})


export const auth = createRouter('Auth')
  .openapi(login, async (c) => {
    const { email, password } = c.req.valid('json')
    const db = c.var.db
    // Counted before the password is checked; 429 here for a client (or unknown browser) that must wait.
    const attempt = await admitSignIn(c, email)
    const params = argon2Params(c.env)
    const user = await findUserByEmail(db, email)
    // Unknown emails verify against a dummy hash so both failures cost the same time.
    const ok = verifyPassword(password, user?.passwordHash ?? dummyHash(params))
    if (!user || !ok) {
      // Failed sign-ins land in the logs of the accounts the email belongs to (the platform's for unknown emails).
      const where = user ? await accountsOfUser(db, user.id) : [await platformAccount(db)].filter((a) => !!a)
      const actor = user ? { id: user.id, email: user.email } : null
      const shown = normalizeEmail(email).slice(0, 254)
      await Promise.all(where.map((a) => audit(c, a, { type: 'login_failed', actor, description: `Failed sign-in for ${shown}` })))
      throw new AppError('invalid_credentials')
    }
    // On a reseller's portal, only its own tree signs in. Said only after the password
    // checked out, so a branded portal tells strangers nothing about other tenants' logins.
    const refusal = await wrongPortal(c, user)
    if (refusal) {
      const shown = normalizeEmail(email).slice(0, 254)
      const where = await accountsOfUser(db, user.id)
      const actor = { id: user.id, email: user.email }
      await Promise.all(where.map((a) => audit(c, a, { type: 'login_failed', actor, description: `Sign-in refused for ${shown} on ${refusal.host}: not a member of that portal` })))
      throw refusal.error
    }
    // Rule 8: nobody signs in whose every account lies in a disabled or deleted tree.
    const suspended = await loginRefusal(db, user.id)
    if (suspended) {
      const actor = { id: user.id, email: user.email }
      const where = await accountsOfUser(db, user.id)
      await Promise.all(where.map((a) => audit(c, a, { type: 'login_refused', actor, description: `Sign-in refused for ${user.email}: ${suspended.accountName} is ${suspended.status === 'deleted' ? 'deleted' : 'suspended'}` })))
      throw new AppError('account_suspended', refusalMessage(suspended), { reason: suspended.showReason ? suspended.reason : null })
    }

    if (needsRehash(user.passwordHash, params)) await updatePasswordHash(db, user.id, hashPassword(password, params))
    await attempt.succeeded(user.id)
    const { token, session } = await createSession(db, user.id, Number(c.env.SESSION_TTL_DAYS), {
      ip: c.var.clientIp,
      userAgent: c.req.header('user-agent') ?? null,
    })
    const actor = { id: user.id, email: user.email }
    await Promise.all((await accountsOfUser(db, user.id)).map((a) => audit(c, a, { type: 'login', actor, description: `${user.email} signed in` })))
    setSessionCookie(c, token, session.expiresAt)
    return c.json({ user: { id: user.id, email: user.email, name: user.name } }, 200)
  })
  .openapi(logout, async (c) => {
    const principal = c.var.principal
    if (principal) {
      const imp = principal.impersonation
      if (imp && (await endImpersonation(c.var.db, principal.session.id, 'logout'))) {
        const facts = await factsFor(c, { id: imp.id, impersonator: imp.impersonator, target: principal.user, accountId: imp.accountId, reason: imp.reason })
        if (facts) await recordImpersonation(c, 'impersonation_end', facts, imp.ceiling, 'signed out')
      }
      await invalidateSession(c.var.db, principal.session.id)
      await closeLiveConnections(c.env, c.var.db, { sessionId: principal.session.id }, 'signedOut')
      // The person who signs out is the one behind the session, whoever they were acting as.
      const self = imp ? { id: imp.impersonator.id, email: imp.impersonator.email } : { id: principal.user.id, email: principal.user.email }
      await Promise.all(
        (imp ? imp.ceiling : principal.memberships).map((m) =>
          audit(c, { id: m.accountId, path: m.path }, { type: 'logout', actor: self, impersonator: null, subject: null, description: `${self.email} signed out` }),
        ),
      )
    }
    clearSessionCookie(c)
    return c.body(null, 204)
  })
