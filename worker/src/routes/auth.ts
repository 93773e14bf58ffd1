import { z } from '@hono/zod-openapi'
import { argon2Params, dummyHash, hashPassword, needsRehash, verifyPassword } from '../crypto/password.ts'
import { PASSWORD_MAX } from '../crypto/password-policy.ts'
import { accountsOfUser, platformAccount } from '../domain/accounts.ts'
import { closeLiveConnections } from '../domain/live.ts'
import { endImpersonation, invalidateSession } from '../domain/sessions.ts'
import { findUserByEmail, normalizeEmail, updatePasswordHash } from '../domain/users.ts'
import { AppError } from '../errors.ts'
import { audit } from '../middleware/audit.ts'
import { factsFor, recordImpersonation } from '../middleware/impersonation-events.ts'
import { clientPlace } from '../middleware/client-ip.ts'
import { admitSignIn } from '../middleware/password-guard.ts'
import { clearSessionCookie } from '../middleware/session.ts'
import { refuseSuspended, secondFactorGate, startSession, wrongPortal } from '../middleware/sign-in.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { NextStepView, User } from './schemas.ts'

const LoginBody = z
  .object({
    email: z.string().trim().min(1, 'Enter your email address.').max(254).email('Enter a valid email address.'),
    password: z.string().min(1, 'Enter your password.').max(PASSWORD_MAX),
  })
  .openapi('LoginRequest')

const login = route.post('/auth/login', 'signIn', {
  request: { body: body(LoginBody) }, responses: { 200: json(z.object({ user: User, next: z.union([NextStepView, z.null()]) }), 'The password is right: signed in (`next` is null), or a second factor is owed first (`next` says which; a step cookie, not a session, was set)'), ...problems(401, 403, 413, 415, 429) },
})

const logout = route.post('/auth/logout', 'signOut', { responses: { 204: { description: 'Signed out' }, ...problems(401, 403) } })


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
    await refuseSuspended(c, user)

    if (needsRehash(user.passwordHash, params)) await updatePasswordHash(db, user.id, hashPassword(password, params))
    await attempt.succeeded(user.id)
    const person = { id: user.id, email: user.email, name: user.name }
    // A second factor still owed (or to enrol): a short step, not a session (decision record 014).
    const next = await secondFactorGate(c, person)
    if (!next) await startSession(c, person, '')
    return c.json({ user: person, next }, 200)
  })
  .openapi(logout, async (c) => {
    const principal = c.var.principal
    // An API key has no session to end: it is revoked on the API keys page.
    if (principal?.apiKey) throw new AppError('api_key_forbidden', 'An API key cannot sign out; revoke it instead.')
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
