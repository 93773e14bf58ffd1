import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { DEV_TOTP_ENCRYPTION_KEY } from '../crypto/totp.ts'
import { totpSealingSecret } from '../crypto/secret-box.ts'
import { accountsOfUser } from '../domain/accounts.ts'
import { loginRefusal, refusalMessage } from '../domain/lifecycle.ts'
import { portalRefusal } from '../domain/portal.ts'
import { clientOf } from '../domain/sign-in-limits.ts'
import { claimFactorAttempt, createStep, factorSucceeded, factorsOfUsers, loginPolicy, networkOf, stepOf, trustLocation, useTrustedLocation, type StepKind } from '../domain/two-factor.ts'
import type { AppEnv } from '../env.ts'
import { AppError, rateLimited } from '../errors.ts'
import { audit } from './audit.ts'
import { cookieSecure, newSession, setSessionCookie } from './session.ts'

/** The cookie of a sign-in step (a right password, a second factor still owed). */
export const STEP_COOKIE = 'trellis_step'

type Person = { id: string; email: string; name: string }

/** The secret TOTP keys are sealed with (crypto/secret-box.ts). */
export function sealingSecret<E extends AppEnv>(c: Context<E>) {
  return totpSealingSecret(c.env, DEV_TOTP_ENCRYPTION_KEY)
}

/** The refusal for a user signing in on another reseller's portal, or null when this portal is theirs. */
export async function wrongPortal<E extends AppEnv>(c: Context<E>, user: { id: string }) {
  const portal = c.var.hostBrand.reseller
  if (!portal) return null
  const refusal = await portalRefusal(c.var.db, portal, await accountsOfUser(c.var.db, user.id), new URL(c.req.url), c.env.PLATFORM_HOSTNAMES)
  return refusal ? { host: portal.hostname, error: new AppError('wrong_portal', refusal.detail, { portal: refusal.portal }) } : null
}

/** Refuse a login whose every account is suspended or deleted (rule 8), logging the refusal. */
export async function refuseSuspended<E extends AppEnv>(c: Context<E>, user: Person) {
  const suspended = await loginRefusal(c.var.db, user.id)
  if (!suspended) return
  const actor = { id: user.id, email: user.email }
  const where = await accountsOfUser(c.var.db, user.id)
  await Promise.all(where.map((a) => audit(c, a, { type: 'login_refused', actor, description: `Sign-in refused for ${user.email}: ${suspended.accountName} is ${suspended.status === 'deleted' ? 'deleted' : 'suspended'}` })))
  throw new AppError('account_suspended', refusalMessage(suspended), { reason: suspended.showReason ? suspended.reason : null })
}

/** The IP location (IPv4 /24, IPv6 /64) of this request, as trusted locations key it. */
export function networkOfRequest<E extends AppEnv>(c: Context<E>) {
  return networkOf(clientOf(c.var.clientIp))
}

/** "City, Country" from Cloudflare's request data when it knows; null locally. */
export function placeOfRequest<E extends AppEnv>(c: Context<E>): string | null {
  const cf = (c.req.raw as { cf?: { city?: unknown; country?: unknown } }).cf
  const parts = [cf?.city, cf?.country].filter((p): p is string => typeof p === 'string' && p.length > 0)
  return parts.length ? parts.join(', ').slice(0, 120) : null
}

/** What the sign-in page does next: nothing (signed in), a second factor, or enrolment. */
export interface NextStep {
  step: StepKind
  methods: ('totp' | 'recovery' | 'passkey')[]
  expiresAt: number
  /** Days the location may be trusted after this step (0 = the account never trusts locations). */
  trustDays: number
}

function setStepCookie<E extends AppEnv>(c: Context<E>, token: string, expiresAt: number) {
  setCookie(c, STEP_COOKIE, token, { httpOnly: true, sameSite: 'Lax', secure: cookieSecure(c.env, c.req.url), path: '/', expires: new Date(expiresAt) })
}

/** Forget the step cookie. */
export function clearStepCookie<E extends AppEnv>(c: Context<E>) {
  deleteCookie(c, STEP_COOKIE, { path: '/', secure: cookieSecure(c.env, c.req.url), httpOnly: true, sameSite: 'Lax' })
}

/** The methods a login with these factors may use for its second factor. */
function methodsOf(f: { totp: boolean; passkeys: number }): NextStep['methods'] {
  return [...(f.totp ? (['totp', 'recovery'] as const) : []), ...(f.passkeys > 0 ? (['passkey'] as const) : [])]
}

/**
 * After a right password: the second factor the login owes, or null when a
 * session may start now. A login with a factor owes it unless this location
 * is trusted; a login without one, whose accounts require 2FA, must enrol
 * first (a step that reaches only enrolment). The step is a cookie, not a session.
 */
export async function secondFactorGate<E extends AppEnv>(c: Context<E>, user: Person): Promise<NextStep | null> {
  const db = c.var.db
  const [factors, policy] = await Promise.all([factorsOfUsers(db, [user.id]), loginPolicy(db, user.id)])
  const methods = methodsOf(factors.get(user.id)!)
  if (methods.length > 0) {
    if (await useTrustedLocation(db, user.id, networkOfRequest(c), policy.trustedLocationDays)) return null
  } else if (!policy.requireTwoFactor) return null
  const kind: StepKind = methods.length > 0 ? 'verify' : 'enrol'
  const { token, expiresAt } = await createStep(db, user.id, kind)
  setStepCookie(c, token, expiresAt)
  return { step: kind, methods, expiresAt, trustDays: policy.trustedLocationDays }
}

/** The open sign-in step of this browser, or the problem for a missing or expired one. */
export async function requireStep<E extends AppEnv>(c: Context<E>, kind?: StepKind) {
  const found = await stepOf(c.var.db, getCookie(c, STEP_COOKIE))
  if (found.state === 'missing') throw new AppError('step_required')
  if (found.state === 'expired') {
    clearStepCookie(c)
    throw new AppError('step_expired')
  }
  if (kind && found.step.kind !== kind) {
    throw new AppError('step_required', kind === 'enrol' ? 'This sign-in asks for your second factor, not a new one.' : 'Set up a second factor first.')
  }
  return found.step
}

/** The step as the sign-in page shows it. */
export async function stepView<E extends AppEnv>(c: Context<E>, step: { userId: string; kind: StepKind; expiresAt: number }): Promise<NextStep> {
  const [factors, policy] = await Promise.all([factorsOfUsers(c.var.db, [step.userId]), loginPolicy(c.var.db, step.userId)])
  return { step: step.kind, methods: methodsOf(factors.get(step.userId)!), expiresAt: step.expiresAt, trustDays: policy.trustedLocationDays }
}

/**
 * Start the session (after the password alone, a second factor, or a passkey
 * alone), log `login` in every account of the login and, when asked and
 * allowed, trust this location (event `update_trusted_connection`).
 */
export async function startSession<E extends AppEnv>(c: Context<E>, user: Person, how: string, opts: { trust?: boolean } = {}) {
  const db = c.var.db
  const { token, session } = await newSession(c, user.id)
  const actor = { id: user.id, email: user.email }
  const where = await accountsOfUser(db, user.id)
  await Promise.all(where.map((a) => audit(c, a, { type: 'login', actor, description: `${user.email} signed in${how}` })))
  if (opts.trust) {
    const policy = await loginPolicy(db, user.id)
    if (policy.trustedLocationDays > 0) {
      const location = await trustLocation(db, user.id, networkOfRequest(c), placeOfRequest(c), policy.trustedLocationDays)
      const target = { kind: 'trusted_location', id: location.id, label: location.network }
      await Promise.all(
        where.map((a) =>
          audit(c, a, { type: 'update_trusted_connection', actor, target, description: `${user.email} trusted ${location.network}${location.place ? ` (${location.place})` : ''} for ${policy.trustedLocationDays} days` }),
        ),
      )
    }
  }
  setSessionCookie(c, token, session.expiresAt)
  return session
}

/**
 * The WebAuthn relying party of this request: its hostname as rpId and its
 * exact origin. Only the platform's own hostnames and verified reseller
 * hostnames are relying parties: a forged or unverified Host gets no passkey.
 */
export function relyingParty<E extends AppEnv>(c: Context<E>) {
  const url = new URL(c.req.url)
  const listed = (c.env.PLATFORM_HOSTNAMES ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)
  const host = url.hostname.toLowerCase()
  if (!c.var.hostBrand.reseller && host !== 'localhost' && !listed.includes(host)) {
    throw new AppError('passkey_invalid', "Passkeys work only on this portal's own address.")
  }
  return { id: host, origin: url.origin, name: c.var.hostBrand.brand.name }
}

/**
 * Count a second-factor attempt of a login before its code is checked, like a
 * password (decision record 010): 429 with Retry-After while it must wait.
 */
export async function admitFactorAttempt<E extends AppEnv>(c: Context<E>, userId: string) {
  const claim = await claimFactorAttempt(c.var.db, userId)
  if (!claim.allowed) throw rateLimited(claim.retryAfterMs, (s) => `Too many wrong codes. Try again in ${s < 60 ? `${s} seconds` : `${Math.ceil(s / 60)} minutes`}.`)
  return { succeeded: () => factorSucceeded(c.var.db, userId) }
}
