import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { mailerFor } from '../adapters/email.ts'
import { PASSWORD_MAX } from '../crypto/password-policy.ts'
import { sha256Hex } from '../crypto/tokens.ts'
import { answerFloor } from '../domain/answer-floor.ts'
import { accountsOfUser } from '../domain/accounts.ts'
import { changeEmail, changePassword, chosenPasswordHash, emailChangedNotice } from '../domain/credentials.ts'
import { emailBrandFor, renderEmail, inRecipientLanguage } from '../domain/emails.ts'
import { passwordResetEmail } from '../domain/link-emails.ts'
import { clientOf, RESET_LIMITS } from '../domain/sign-in-limits.ts'
import { claimAttempt } from '../domain/throttles.ts'
import { consumeUserLink, createNoLink, createUserLink, dropUserLinks, findUserLink, markEmailVerified } from '../domain/user-links.ts'
import { findUserByEmail, normalizeEmail } from '../domain/users.ts'
import type { AppEnv } from '../env.ts'
import { AppError, rateLimited } from '../errors.ts'
import { audit } from '../middleware/audit.ts'
import { recordSessionsEnded } from '../middleware/session-ends.ts'
import { clearSessionCookie } from '../middleware/session.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { TokenParam } from './schemas.ts'

/**
 * Every answer to a reset request takes at least this long, known email or
 * not: what differs between the two (an email handed to the provider) then
 * hides inside the same wait.
 */
export const RESET_ANSWER_FLOOR_MS = 250

const LinkInfo = z.object({ email: z.string(), expiresAt: z.number() }).openapi('LinkInfo')

/** Refuse a reset link with the problem that says why. */
function refuseReset(link: Awaited<ReturnType<typeof findUserLink>>): asserts link is NonNullable<typeof link> & { state: 'valid' } {
  if (!link) throw new AppError('reset_link_invalid')
  if (link.state === 'used') throw new AppError('reset_link_used')
  if (link.state === 'expired') throw new AppError('reset_link_expired')
}

/** Refuse an email confirmation link with the problem that says why. */
function refuseVerification(link: Awaited<ReturnType<typeof findUserLink>>): asserts link is NonNullable<typeof link> & { state: 'valid' } {
  if (!link) throw new AppError('verification_link_invalid')
  if (link.state === 'used') throw new AppError('verification_link_used')
  if (link.state === 'expired') throw new AppError('verification_link_expired')
}

/** "a•••@example.com": enough for the person to recognise, not enough to harvest. */
function masked(email: string) {
  const [name = '', domain = ''] = email.split('@')
  return `${name.slice(0, 1)}•••@${domain}`
}

/** The email link of either purpose, found by its token. */
async function verificationLink<E extends AppEnv>(c: Context<E>, token: string) {
  return (await findUserLink(c.var.db, token, 'verify_email')) ?? (await findUserLink(c.var.db, token, 'change_email'))
}

const requestPasswordResetRoute = route.post('/auth/password-reset', 'requestPasswordReset', {
  request: { body: body(z.object({ email: z.string().trim().min(1, 'Enter your email address.').max(254).email('Enter a valid email address.') }).openapi('PasswordResetRequest')) }, responses: { 202: json(z.object({ sent: z.literal(true) }), 'Sent, if the email has a login'), ...problems(403, 429) },
})
const getPasswordResetRoute = route.get('/auth/password-reset/{token}', 'getPasswordReset', {
  request: { params: TokenParam }, responses: { 200: json(LinkInfo, 'The link works'), ...problems(404, 410) },
})
const resetPasswordRoute = route.post('/auth/password-reset/{token}', 'resetPassword', {
  request: { params: TokenParam, body: body(z.object({ password: z.string().max(PASSWORD_MAX) }).openapi('ResetPassword')) }, responses: { 204: { description: 'Password set; every session ended' }, ...problems(404, 410) },
})
const getEmailVerificationRoute = route.get('/auth/verify-email/{token}', 'getEmailVerification', {
  request: { params: TokenParam }, responses: { 200: json(LinkInfo.extend({ change: z.boolean() }).openapi('VerificationInfo'), 'The link works'), ...problems(404, 410) },
})
const confirmEmailRoute = route.post('/auth/verify-email/{token}', 'confirmEmail', {
  request: { params: TokenParam }, responses: { 200: json(z.object({ email: z.string(), changed: z.boolean() }), 'Confirmed'), ...problems(404, 409, 410) },
})

export const recovery = createRouter('Auth')
  .openapi(requestPasswordResetRoute, async (c) => {
    const floor = answerFloor(RESET_ANSWER_FLOOR_MS)
    const { email } = c.req.valid('json')
    const db = c.var.db
    const claim = await claimAttempt(db, [
      { key: `reset:email:${sha256Hex(normalizeEmail(email))}`, policy: RESET_LIMITS.email },
      { key: `reset:client:${clientOf(c.var.clientIp)}`, policy: RESET_LIMITS.client },
    ])
    if (!claim.allowed) throw rateLimited(claim.retryAfterMs, (seconds) => `Too many reset requests. Try again in ${seconds} seconds.`)
    const user = await findUserByEmail(db, email)
    // The same reads, writes and rendering either way; only a login's link is stored and sent.
    const where = user ? await accountsOfUser(db, user.id) : await accountsOfUser(db, '')
    const { brand, origin } = await emailBrandFor(db, where[0]?.path ?? c.var.hostBrand.reseller?.path ?? '/', c.env.PUBLIC_ORIGIN)
    if (user) {
      const link = await createUserLink(db, user.id, 'password_reset', user.email)
      try {
        await mailerFor(c.env, db).send(await inRecipientLanguage(db, user.email, brand, () => passwordResetEmail(brand, origin, user.email, link.token, link.expiresAt)))
      } catch (error) {
        // The answer must not differ; the person can ask again.
        console.error('password reset email failed', error)
      }
    } else {
      await createNoLink(db)
      renderEmail(brand, normalizeEmail(email), 'Reset your password', { paragraphs: [''], action: { label: '', url: `${origin}/reset-password/x` } })
    }
    await floor()
    return c.json({ sent: true as const }, 202)
  })
  .openapi(getPasswordResetRoute, async (c) => {
    const link = await findUserLink(c.var.db, c.req.valid('param').token, 'password_reset')
    refuseReset(link)
    return c.json({ email: masked(link.userEmail), expiresAt: link.expiresAt }, 200)
  })
  .openapi(resetPasswordRoute, async (c) => {
    const db = c.var.db
    const link = await findUserLink(db, c.req.valid('param').token, 'password_reset')
    refuseReset(link)
    const hash = await chosenPasswordHash(c.env, c.req.valid('json').password)
    // Exactly one of racing uses gets here.
    if (!(await consumeUserLink(db, link.id))) throw new AppError('reset_link_used')
    const revoked = await changePassword(db, link.userId, hash, { sessionId: null, deviceId: null })
    await dropUserLinks(db, link.userId, 'password_reset')
    // The link reached the login's address: it reads its email.
    if (link.email === link.userEmail) await markEmailVerified(db, link.userId)
    const person = { id: link.userId, email: link.userEmail }
    await recordSessionsEnded(c, person, [], revoked.impersonations, 'signed out: their password was reset', { keepSessionId: null })
    // This browser's own session (if it was one of the login's) is gone too.
    if (c.var.principal?.user.id === link.userId || c.var.principal?.impersonation?.impersonator.id === link.userId) clearSessionCookie(c)
    const n = revoked.sessions.length
    await Promise.all(
      (await accountsOfUser(db, link.userId)).map((a) =>
        audit(c, a, {
          type: 'password_reset',
          actor: person,
          impersonator: null,
          subject: null,
          target: { kind: 'user', id: link.userId, label: link.userEmail },
          description: `${link.userEmail} reset their password from an emailed link; ${n === 1 ? '1 session was' : `${n} sessions were`} signed out`,
        }),
      ),
    )
    return c.body(null, 204)
  })
  .openapi(getEmailVerificationRoute, async (c) => {
    const link = await verificationLink(c, c.req.valid('param').token)
    refuseVerification(link)
    return c.json({ email: link.email, expiresAt: link.expiresAt, change: link.email !== link.userEmail }, 200)
  })
  .openapi(confirmEmailRoute, async (c) => {
    const db = c.var.db
    const link = await verificationLink(c, c.req.valid('param').token)
    refuseVerification(link)
    const principal = c.var.principal
    const person = { id: link.userId, email: link.userEmail }
    if (link.email === link.userEmail) {
      if (!(await consumeUserLink(db, link.id))) throw new AppError('verification_link_used')
      await markEmailVerified(db, link.userId)
      return c.json({ email: link.email, changed: false }, 200)
    }
    if (await findUserByEmail(db, link.email)) throw new AppError('conflict', 'Another login uses this email now; ask for the change again with another address.')
    if (!(await consumeUserLink(db, link.id))) throw new AppError('verification_link_used')
    const keep = principal && !principal.apiKey && !principal.impersonation && principal.user.id === link.userId ? principal.session.id : null
    const now = Date.now()
    const revoked = await changeEmail(db, link.userId, { email: link.email }, { sessionId: keep, deviceId: null }, now)
    await markEmailVerified(db, link.userId, now)
    await recordSessionsEnded(c, person, [], revoked.impersonations, 'signed out: their email changed', { keepSessionId: keep })
    const where = await accountsOfUser(db, link.userId)
    try {
      const { brand, origin } = await emailBrandFor(db, where[0]?.path ?? '/', c.env.PUBLIC_ORIGIN)
      // The login now answers to the new address: its owner's language is found by it.
      await mailerFor(c.env, db).send(await inRecipientLanguage(db, link.email, brand, () => emailChangedNotice(brand, origin, { from: link.userEmail, to: link.email, at: now })))
    } catch (error) {
      console.error('email-change notice failed', error)
    }
    await Promise.all(
      where.map((a) =>
        audit(c, a, {
          type: 'update_user_profile',
          actor: { id: link.userId, email: link.email },
          impersonator: null,
          subject: null,
          target: { kind: 'user', id: link.userId, label: link.email },
          description: `${link.userEmail} confirmed ${link.email} as their new email`,
        }),
      ),
    )
    return c.json({ email: link.email, changed: true }, 200)
  })
