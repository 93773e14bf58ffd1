import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { mailerFor } from '../adapters/email.ts'
import { PASSWORD_MAX } from '../crypto/password-policy.ts'
import { changePassword, chosenPasswordHash } from '../domain/credentials.ts'
import { confirmEmailChangeMessage, verifyEmailMessage } from '../domain/link-emails.ts'
import { overLimit } from '../domain/rate-limits.ts'
import { createUserLink, pendingEmailChange } from '../domain/user-links.ts'
import { emailBrandFor, inRecipientLanguage } from '../domain/emails.ts'
import { accessLog } from '../domain/impersonation.ts'
import { deviceIdOf } from '../domain/known-devices.ts'
import type { Principal } from '../domain/sessions.ts'
import { findUserByEmail, normalizeEmail, rememberLastAccount, updateProfile } from '../domain/users.ts'
import type { AppEnv } from '../env.ts'
import { AppError, fieldError, rateLimited } from '../errors.ts'
import { loadAccess, requireSignIn } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { recordSessionsEnded } from '../middleware/session-ends.ts'
import { checkCurrentPassword, deviceCookie } from '../middleware/password-guard.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { Account, ImpersonationView, level, User } from './schemas.ts'

/** Confirmation emails a login may ask for per hour. */
const VERIFY_WINDOW = { max: 5, windowMs: 60 * 60 * 1000 }

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

/** The signed-in person, the accounts they reach, and the impersonation they run. */
const MeAnswer = z.object({
  user: User,
  /** Whether the signed-in person's own login has confirmed its email (the banner asks for it until then). */
  emailVerified: z.boolean(),
  accounts: z.array(MeAccount),
  lastAccountId: z.string().nullable(),
  /** The language the person chose for pages and emails; null follows the portal, then the browser. */
  locale: z.enum(['en', 'fr']).nullable(),
  impersonation: z.union([ImpersonationView, z.null()]),
})

const UpdateMe = z
  .object({
    name: z.string().trim().min(1, 'Enter a name.').max(120).optional(),
    email: z.string().trim().max(254).email('Enter a valid email address.').optional(),
    currentPassword: z.string().max(PASSWORD_MAX).optional(),
    /** The language for pages and emails: 'en' or 'fr'; null to follow the portal, then the browser. */
    locale: z.enum(['en', 'fr'], 'Choose English or French.').nullable().optional(),
  })
  .openapi('UpdateMe')

const getMeRoute = route.get('/me', 'getMe', requireSignIn(), {
  responses: { 200: json(MeAnswer, 'The current user') },
})
const setLastAccountRoute = route.put('/me/last-account', 'setLastAccount', requireSignIn(), {
  request: { body: body(z.object({ accountId: z.string().min(1).max(64) })) }, responses: { 204: { description: 'Remembered' }, ...problems(404) },
})
const updateMeRoute = route.patch('/me', 'updateMe', requireSignIn(), {
  request: { body: body(UpdateMe) }, responses: { 200: json(z.object({ user: User, pendingEmail: z.string().nullable(), locale: z.enum(['en', 'fr']).nullable() }), 'Updated'), ...problems(403, 409, 429) },
})
const getMyEmailRoute = route.get('/me/email', 'getMyEmail', requireSignIn(), {
  responses: { 200: json(z.object({ email: z.string(), verified: z.boolean(), pendingEmail: z.string().nullable() }).openapi('MyEmail'), 'The email and its state'), ...problems(403) },
})
const resendEmailVerificationRoute = route.post('/me/email/verification', 'resendEmailVerification', requireSignIn(), {
  responses: { 202: json(z.object({ sent: z.literal(true) }), 'Sent'), ...problems(403, 409, 429) },
})
const changePasswordRoute = route.post('/me/password', 'changePassword', requireSignIn(), {
  request: { body: body(z.object({ currentPassword: z.string().max(PASSWORD_MAX), newPassword: z.string().max(PASSWORD_MAX) }).openapi('ChangePassword')) }, responses: { 204: { description: 'Changed' }, ...problems(403, 429) },
})
const getAccessLogRoute = route.get('/me/access-log', 'getAccessLog', requireSignIn(), {
  responses: { 200: json(z.object({ items: z.array(z.object({ id: z.string(), impersonator: z.object({ email: z.string(), name: z.string() }), accountId: z.string(), accountName: z.string(), reason: z.string(), startedAt: z.number(), expiresAt: z.number(), endedAt: z.number().nullable(), endReason: z.enum(['exit', 'logout', 'expired']).nullable() })) }), 'Newest first') },
})

export const me = createRouter('Auth')
  .openapi(getMeRoute, async (c) => {
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
    return c.json({ user, emailVerified: principal.emailVerified, accounts, lastAccountId: impersonation ? impersonation.accountId : lastAccountId, locale: principal.locale, impersonation: acting }, 200)
  })
  .openapi(setLastAccountRoute, async (c) => {
    const principal = c.var.signedIn
    const { accountId } = c.req.valid('json')
    // Any account they reach, through its own membership or one above it (404 otherwise, as for every account id).
    if (!principal.memberships.some((m) => m.accountId === accountId)) await loadAccess(c, accountId)
    // Acting as someone else never changes their preferences.
    if (!principal.impersonation) await rememberLastAccount(c.var.db, principal.user.id, accountId)
    return c.body(null, 204)
  })
  .openapi(updateMeRoute, async (c) => {
    const principal = c.var.signedIn
    // The login is one person across tenants: whoever acts on their behalf changes none of it, not even the name.
    refuseWhileImpersonating(principal, 'the profile')
    const body = c.req.valid('json')
    const db = c.var.db
    let pendingEmail: string | null = null
    if (body.email !== undefined && normalizeEmail(body.email) !== principal.user.email) {
      const self = (await findUserByEmail(db, principal.user.email))!
      if (!body.currentPassword || !(await checkCurrentPassword(c, self, body.currentPassword))) {
        throw fieldError('wrong_password', 'currentPassword', 'Enter your current password to change your email.')
      }
      if (await findUserByEmail(db, body.email)) throw fieldError('conflict', 'email', 'Another login uses this email.')
      pendingEmail = normalizeEmail(body.email)
    }
    const user = { ...principal.user, ...(body.name !== undefined ? { name: body.name } : {}) }
    // Each of their own accounts' logs says what changed in their profile.
    const recordChange = (description: string) =>
      Promise.all(
        ownAccounts(principal).map((a) =>
          audit(c, a, { type: 'update_user_profile', subject: { id: user.id, email: user.email }, target: { kind: 'user', id: user.id, label: user.email }, description }),
        ),
      )
    if (body.locale !== undefined && body.locale !== principal.locale) {
      await updateProfile(db, principal.user.id, { locale: body.locale })
    }
    if (body.name !== undefined && body.name !== principal.user.name) {
      await updateProfile(db, principal.user.id, { name: body.name })
      await recordChange(`${principal.user.email} changed the name of their profile`)
    }
    if (pendingEmail) {
      // Nothing changes until the new address confirms (POST /auth/verify-email/{token}).
      const link = await createUserLink(db, principal.user.id, 'change_email', pendingEmail)
      const { brand, origin } = await emailBrandFor(db, ownAccounts(principal)[0]?.path ?? '/', c.env.PUBLIC_ORIGIN)
      // The new address is the same person's: their own language (looked up by their current email).
      await mailerFor(c.env, db).send(await inRecipientLanguage(db, principal.user.email, brand, () => confirmEmailChangeMessage(brand, origin, { from: principal.user.email, to: pendingEmail }, link.token, link.expiresAt)))
      await recordChange(`${principal.user.email} asked to change their email; a confirmation link was sent to the new address`)
    }
    const locale = body.locale !== undefined ? body.locale : principal.locale
    return c.json({ user, pendingEmail: pendingEmail ?? (await pendingEmailChange(db, principal.user.id))?.email ?? null, locale }, 200)
  })
  .openapi(getMyEmailRoute, async (c) => {
    const principal = c.var.signedIn
    refuseWhileImpersonating(principal, 'the email')
    const pending = await pendingEmailChange(c.var.db, principal.user.id)
    return c.json({ email: principal.user.email, verified: principal.emailVerified, pendingEmail: pending?.email ?? null }, 200)
  })
  .openapi(resendEmailVerificationRoute, async (c) => {
    const principal = c.var.signedIn
    refuseWhileImpersonating(principal, 'the email')
    if (principal.emailVerified) throw new AppError('conflict', 'Your email is verified already.')
    const wait = await overLimit(c.var.db, `verify-email:${principal.user.id}`, VERIFY_WINDOW)
    if (wait !== null) throw rateLimited(wait, 'Too many confirmation emails; try again later.')
    const link = await createUserLink(c.var.db, principal.user.id, 'verify_email', principal.user.email)
    const { brand, origin } = await emailBrandFor(c.var.db, ownAccounts(principal)[0]?.path ?? '/', c.env.PUBLIC_ORIGIN)
    await mailerFor(c.env, c.var.db).send(await inRecipientLanguage(c.var.db, principal.user.email, brand, () => verifyEmailMessage(brand, origin, principal.user.email, link.token, link.expiresAt)))
    return c.json({ sent: true as const }, 202)
  })
  .openapi(changePasswordRoute, async (c) => {
    const principal = c.var.signedIn
    refuseWhileImpersonating(principal, 'the password')
    const body = c.req.valid('json')
    const self = (await findUserByEmail(c.var.db, principal.user.email))!
    if (!(await checkCurrentPassword(c, self, body.currentPassword))) throw fieldError('wrong_password', 'currentPassword', 'Your current password is not correct.')
    const hash = await chosenPasswordHash(c.env, body.newPassword, 'newPassword')
    const revoked = await changePassword(c.var.db, principal.user.id, hash, keepOf(c, principal))
    await recordSessionsEnded(c, principal.user, principal.memberships, revoked.impersonations, 'signed out: their password changed', { keepSessionId: principal.session.id })
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
  })
  .openapi(getAccessLogRoute, async (c) => {
    const principal = c.var.signedIn
    // While impersonating, the list is the target's own business.
    if (principal.impersonation) throw new AppError('impersonation_restricted', 'The access log is private to the person it is about.')
    return c.json({ items: await accessLog(c.var.db, principal.user.id) }, 200)
  })

