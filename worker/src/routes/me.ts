import { z } from '@hono/zod-openapi'
import { isUniqueViolation } from '../db.ts'
import { eq } from 'drizzle-orm'
import type { Context } from 'hono'
import { mailerFor } from '../adapters/email.ts'
import { newPasswordHash, PASSWORD_MAX } from '../crypto/password-policy.ts'
import { schema } from '../db.ts'
import { changeEmail, changePassword, emailChangedNotice } from '../domain/credentials.ts'
import { emailBrandFor } from '../domain/emails.ts'
import { accessLog } from '../domain/impersonation.ts'
import { deviceIdOf } from '../domain/known-devices.ts'
import { closeLiveConnections } from '../domain/live.ts'
import type { Principal, RevokedImpersonation } from '../domain/sessions.ts'
import { findUserByEmail, normalizeEmail } from '../domain/users.ts'
import type { AppEnv } from '../env.ts'
import { AppError, fieldError } from '../errors.ts'
import { loadAccess, requireSignIn } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { factsFor, recordImpersonation } from '../middleware/impersonation-events.ts'
import { checkCurrentPassword, deviceCookie } from '../middleware/password-guard.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { Account, ImpersonationView, level, User } from './schemas.ts'

const MeAccount = Account.pick({ id: true, name: true, kind: true, path: true, status: true }).extend({
  level,
  parent: z.object({ id: z.string(), name: z.string() }).nullable(),
  /** Names of the roles held there. */
  roles: z.array(z.string()),
})

/** Credentials and profile of the person being impersonated are untouchable (rule 7). */
function refuseWhileImpersonating(principal: Principal, what: string) {
  if (principal.impersonation) throw new AppError('impersonation_restricted', `You cannot change ${what} of someone you are acting as.`)
}

/** What a credential change keeps: this session and this browser. */
function keepOf<E extends AppEnv>(c: Context<E>, principal: Principal) {
  return { sessionId: principal.session.id, deviceId: deviceIdOf(deviceCookie(c)) }
}

/**
 * Record the end of impersonations that the person's other sessions were running (ended by a credential change),
 * and close those sessions' live sockets (rule 15).
 */
async function recordRevoked<E extends AppEnv>(c: Context<E>, principal: Principal, ended: RevokedImpersonation[], why: string) {
  const impersonator = { id: principal.user.id, email: principal.user.email }
  for (const imp of ended) {
    const facts = await factsFor(c, { id: imp.id, impersonator, target: imp.target, accountId: imp.accountId, reason: imp.reason })
    if (facts) await recordImpersonation(c, 'impersonation_end', facts, principal.memberships, imp.lapsed ? 'expired after 60 minutes' : why)
  }
  await closeLiveConnections(c.env, c.var.db, { userIds: [principal.user.id], keepSessionId: principal.session.id }, 'signedOut')
}

/** Where a change to the person's own profile is logged: every account they belong to. */
function ownAccounts(principal: Principal) {
  return principal.memberships.map((m) => ({ id: m.accountId, path: m.path }))
}

/** True when the signed-in person reaches the account (through its own membership or one above it). */
async function reaches<E extends AppEnv>(c: Context<E>, accountId: string) {
  try {
    await loadAccess(c, accountId)
    return true
  } catch {
    return false
  }
}

export const me = createRouter('Auth')
  .openapi(
    route.get('/me', {
      operationId: 'getMe',
      guard: requireSignIn(),
      summary: 'The signed-in user, every account they are a member of (with level and roles), and any impersonation in progress',
      description: 'The signed-in person, every account they reach (with their level and roles there), the account their switcher opens first, and the impersonation they are running, if any. Needs a session.',
      responses: { 200: json(z.object({ user: User, accounts: z.array(MeAccount), lastAccountId: z.string().nullable(), impersonation: z.union([ImpersonationView, z.null()]) }), 'The current user') },
    }),
    async (c) => {
      const principal = c.var.signedIn
      const { user, memberships, impersonation } = principal
      // Everything comes with the session's one batch: no further reads.
      const accounts = memberships.map((m) => ({
        id: m.accountId,
        name: m.accountName,
        kind: m.kind,
        path: m.path,
        status: m.status,
        level: m.level,
        parent: m.parent,
        roles: m.roleNames,
      }))
      const last = principal.lastAccountId
      // The last account may be one reached through a membership above it (a customer, from its reseller).
      const lastAccountId = last && (accounts.some((a) => a.id === last) || (await reaches(c, last))) ? last : null
      const acting = impersonation
        ? {
            id: impersonation.id,
            impersonator: impersonation.impersonator,
            target: user,
            accountId: impersonation.accountId,
            accountName: memberships[0]?.accountName ?? '',
            reason: impersonation.reason,
            startedAt: impersonation.startedAt,
            expiresAt: impersonation.expiresAt,
          }
        : null
      return c.json({ user, accounts, lastAccountId: impersonation ? impersonation.accountId : lastAccountId, impersonation: acting }, 200)
    },
  )
  .openapi(
    route.put('/me/last-account', {
      operationId: 'setLastAccount',
      guard: requireSignIn(),
      summary: 'Remember the account the switcher opens by default',
      description: 'Remembers the account the person last worked in, so the next sign-in opens it. The account must be one they reach; anything else answers 404.',
      request: { body: body(z.object({ accountId: z.string().min(1).max(64) })) },
      responses: { 204: { description: 'Remembered' }, ...problems(404) },
    }),
    async (c) => {
      const principal = c.var.signedIn
      const { accountId } = c.req.valid('json')
      // Any account they reach, through its own membership or one above it (404 otherwise, as for every account id).
      if (!principal.memberships.some((m) => m.accountId === accountId)) await loadAccess(c, accountId)
      // Acting as someone else never changes their preferences.
      if (!principal.impersonation) await c.var.db.update(schema.users).set({ lastAccountId: accountId }).where(eq(schema.users.id, principal.user.id))
      return c.body(null, 204)
    },
  )
  .openapi(
    route.patch('/me', {
      operationId: 'updateMe',
      guard: requireSignIn(),
      summary: 'Change your name or email (refused while impersonating)',
      description: 'A new email needs the current password, checked with the same growing delay as sign-ins (429 with Retry-After, per user). It signs out every other session of the login, forgets the other browsers it was known on, and tells the old address.',
      request: { body: body(z
                .object({
                  name: z.string().trim().min(1, 'Enter a name.').max(120).optional(),
                  email: z.string().trim().max(254).email('Enter a valid email address.').optional(),
                  currentPassword: z.string().max(PASSWORD_MAX).optional(),
                })
                .openapi('UpdateMe')) },
      responses: { 200: json(z.object({ user: User }), 'Updated'), ...problems(403, 409, 429) },
    }),
    async (c) => {
      const principal = c.var.signedIn
      // The login is one person across tenants: whoever acts on their behalf changes none of it, not even the name.
      refuseWhileImpersonating(principal, 'the profile')
      const body = c.req.valid('json')
      const db = c.var.db
      const changes: { name?: string; email?: string; updatedAt: number } = { updatedAt: Date.now() }
      if (body.name !== undefined) changes.name = body.name
      if (body.email !== undefined && normalizeEmail(body.email) !== principal.user.email) {
        const self = (await findUserByEmail(db, principal.user.email))!
        if (!body.currentPassword || !(await checkCurrentPassword(c, self, body.currentPassword))) {
          throw fieldError('wrong_password', 'currentPassword', 'Enter your current password to change your email.')
        }
        if (await findUserByEmail(db, body.email)) throw fieldError('conflict', 'email', 'Another login uses this email.')
        changes.email = normalizeEmail(body.email)
      }
      if (changes.name === undefined && changes.email === undefined) return c.json({ user: principal.user }, 200)
      let ended: RevokedImpersonation[] = []
      try {
        if (changes.email) {
          // A new email is a credential change: the other sessions end with it (rule 15).
          const revoked = await changeEmail(db, principal.user.id, { email: changes.email, name: changes.name }, keepOf(c, principal), changes.updatedAt)
          ended = revoked.impersonations
        } else await db.update(schema.users).set(changes).where(eq(schema.users.id, principal.user.id))
      } catch (error) {
        if (isUniqueViolation(error, 'users.email')) throw fieldError('conflict', 'email', 'Another login uses this email.')
        throw error
      }
      if (changes.email) {
        await recordRevoked(c, principal, ended, 'signed out: their email changed')
        // The old address hears of it; a mail outage must not undo or fail the change (rule 17).
        try {
          const { brand, origin } = await emailBrandFor(db, ownAccounts(principal)[0]?.path ?? '/', c.env.PUBLIC_ORIGIN)
          await mailerFor(c.env, db).send(emailChangedNotice(brand, origin, { from: principal.user.email, to: changes.email, at: changes.updatedAt }))
        } catch (error) {
          console.error('email-change notice failed', error)
        }
      }
      const user = { ...principal.user, ...(changes.name ? { name: changes.name } : {}), ...(changes.email ? { email: changes.email } : {}) }
      const what = [changes.name !== undefined ? 'name' : null, changes.email ? 'email' : null].filter(Boolean).join(' and ')
      await Promise.all(
        ownAccounts(principal).map((a) =>
          audit(c, a, {
            type: 'update_user_profile',
            subject: { id: user.id, email: user.email },
            target: { kind: 'user', id: user.id, label: user.email },
            description: `${principal.user.email} changed the ${what} of their profile`,
          }),
        ),
      )
      return c.json({ user }, 200)
    },
  )
  .openapi(
    route.post('/me/password', {
      operationId: 'changePassword',
      guard: requireSignIn(),
      summary: 'Change your password (refused while impersonating); every other session is signed out',
      description: 'The current password is checked with the same growing delay as sign-ins (429 with Retry-After, per user). The change ends every other session of the login, the impersonations they ran, and forgets the other browsers it was known on; this session stays signed in.',
      request: { body: body(z.object({ currentPassword: z.string().max(PASSWORD_MAX), newPassword: z.string().max(PASSWORD_MAX) }).openapi('ChangePassword')) },
      responses: { 204: { description: 'Changed' }, ...problems(403, 429) },
    }),
    async (c) => {
      const principal = c.var.signedIn
      refuseWhileImpersonating(principal, 'the password')
      const body = c.req.valid('json')
      const self = (await findUserByEmail(c.var.db, principal.user.email))!
      if (!(await checkCurrentPassword(c, self, body.currentPassword))) throw fieldError('wrong_password', 'currentPassword', 'Your current password is not correct.')
      const chosen = await newPasswordHash(c.env, body.newPassword)
      if (!chosen.ok) throw fieldError('weak_password', 'newPassword', chosen.problem)
      const revoked = await changePassword(c.var.db, principal.user.id, chosen.hash, keepOf(c, principal))
      await recordRevoked(c, principal, revoked.impersonations, 'signed out: their password changed')
      await Promise.all(
        ownAccounts(principal).map((a) =>
          audit(c, a, {
            type: 'update_user_profile',
            subject: { id: principal.user.id, email: principal.user.email },
            target: { kind: 'user', id: principal.user.id, label: principal.user.email },
            description: `${principal.user.email} changed their password; ${revoked.sessions.length === 1 ? '1 other session was' : `${revoked.sessions.length} other sessions were`} signed out`,
          }),
        ),
      )
      return c.body(null, 204)
    },
  )
  .openapi(
    route.get('/me/access-log', {
      operationId: 'getAccessLog',
      guard: requireSignIn(),
      summary: 'Who accessed my account: every impersonation of you — who, when, where, why, and how long',
      description: 'Who signed in as this person, from where and with which browser, and who acted on their behalf (impersonations, with the reason). Refused while impersonating: it is the person’s own record.',
      responses: {
        200: json(
          z.object({
            items: z.array(
              z.object({
                id: z.string(),
                impersonator: z.object({ email: z.string(), name: z.string() }),
                accountId: z.string(),
                accountName: z.string(),
                reason: z.string(),
                startedAt: z.number(),
                expiresAt: z.number(),
                endedAt: z.number().nullable(),
                endReason: z.enum(['exit', 'logout', 'expired']).nullable(),
              }),
            ),
          }),
          'Newest first',
        ),
      },
    }),
    async (c) => {
      const principal = c.var.signedIn
      // While impersonating, the list is the target's own business.
      if (principal.impersonation) throw new AppError('impersonation_restricted', 'The access log is private to the person it is about.')
      return c.json({ items: await accessLog(c.var.db, principal.user.id) }, 200)
    },
  )

