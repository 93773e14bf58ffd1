import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { localizeSentence } from './i18n/field-messages.ts'
import { m } from './i18n/paraglide/messages.js'
import { getLocale } from './i18n/paraglide/runtime.js'

/**
 * Stable, machine-readable error codes: each with its HTTP status, a short
 * title (the problem type's name, RFC 9457) and a default detail. Clients
 * switch on the code, never on text.
 */
export const errorCodes = {
  validation_failed: { status: 400, title: 'Invalid request', detail: 'The request has fields that are missing or not valid.' },
  malformed_json: { status: 400, title: 'Malformed JSON', detail: 'The request body is not valid JSON.' },
  payload_too_large: { status: 413, title: 'Request too large', detail: 'The request body is too large.' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type', detail: 'The request body must be JSON.' },
  unauthenticated: { status: 401, title: 'Sign-in required', detail: 'You need to sign in.' },
  invalid_credentials: { status: 401, title: 'Wrong email or password', detail: 'The email or password is incorrect.' },
  rate_limited: { status: 429, title: 'Too many attempts', detail: 'Too many attempts. Try again later.' },
  csrf_rejected: { status: 403, title: 'Cross-site request refused', detail: 'The request did not come from this site.' },
  forbidden: { status: 403, title: 'Not allowed', detail: 'You do not have permission to do that.' },
  not_found: { status: 404, title: 'Not found', detail: 'Not found.' },
  consent_required: { status: 403, title: 'Customer consent required', detail: 'The customer has not granted partner access.' },
  escalation: { status: 403, title: 'Beyond your own rights', detail: 'You cannot grant more than you hold.' },
  self_change: { status: 403, title: 'Cannot change yourself', detail: 'You cannot change your own level or roles.' },
  level_restriction: { status: 422, title: 'Not allowed at this level', detail: 'That level cannot hold this permission.' },
  limit_reached: { status: 422, title: 'Limit reached', detail: 'A limit has been reached.' },
  conflict: { status: 409, title: 'Conflict', detail: 'That conflicts with existing data.' },
  review_stale: { status: 409, title: 'The review is out of date', detail: 'Some lines changed since they were listed; reload the review.' },
  action_pending: { status: 409, title: 'An action is still running', detail: 'This service already has an action waiting for the provisioning backend.' },
  unsupported_action: { status: 422, title: 'Action not available', detail: 'That action is not available for this service.' },
  weak_password: { status: 400, title: 'Password not allowed', detail: 'That password is not allowed.' },
  already_member: { status: 409, title: 'Already a member', detail: 'That person is already a member of this account.' },
  already_invited: { status: 409, title: 'Already invited', detail: 'That person already has a pending invitation.' },
  invitation_not_found: { status: 404, title: 'Invitation not found', detail: 'This invitation link is not valid.' },
  invitation_expired: { status: 410, title: 'Invitation expired', detail: 'This invitation has expired.' },
  invitation_revoked: { status: 410, title: 'Invitation withdrawn', detail: 'This invitation was withdrawn.' },
  invitation_used: { status: 410, title: 'Invitation already used', detail: 'This invitation has already been used.' },
  sign_in_required: { status: 401, title: 'Sign-in required to accept', detail: 'Sign in to accept this invitation.' },
  email_mismatch: { status: 403, title: 'Signed in as someone else', detail: 'You are signed in with a different email than the invitation was sent to.' },
  impersonation_restricted: { status: 403, title: 'Not while acting for someone', detail: 'Not allowed while acting on someone else\'s behalf.' },
  verification_failed: { status: 422, title: 'Hostname not verified', detail: 'The DNS record that proves control of the hostname was not found.' },
  email_provider_unconfigured: { status: 422, title: 'No email provider', detail: 'This deployment sends no email through a provider, so it cannot verify sending domains.' },
  provider_unavailable: { status: 503, title: 'Provider unavailable', detail: 'An outside service could not be reached. Try again in a few minutes.' },
  tls_unmanaged: { status: 422, title: 'Certificates not managed here', detail: 'This deployment does not obtain certificates through Cloudflare for SaaS.' },
  claim_expired: { status: 410, title: 'Hostname claim expired', detail: 'This hostname claim has expired; claim the hostname again.' },
  wrong_portal: { status: 403, title: 'Wrong portal', detail: 'This sign-in belongs to another portal.' },
  account_suspended: { status: 403, title: 'Account suspended', detail: 'This account is suspended.' },
  order_decided: { status: 409, title: 'Order already decided', detail: 'This order is no longer pending.' },
  public_mail_domain: { status: 422, title: 'Public mail domain', detail: 'A public mail domain (such as gmail.com) cannot be claimed by one organisation.' },
  signup_closed: { status: 403, title: 'Sign-up closed', detail: 'This portal does not take sign-ups.' },
  signup_link_invalid: { status: 404, title: 'Sign-up link not valid', detail: 'This sign-up link is not valid. Sign up again.' },
  signup_link_used: { status: 410, title: 'Sign-up link already used', detail: 'This sign-up link has already been used. Sign in instead.' },
  signup_link_expired: { status: 410, title: 'Sign-up link expired', detail: 'This sign-up link has expired. Sign up again.' },
  internal: { status: 500, title: 'Internal error', detail: 'Something went wrong on our side.' },
  upgrade_required: { status: 426, title: 'WebSocket required', detail: 'Connect with a WebSocket upgrade.' },
  api_key_invalid: { status: 401, title: 'API key not valid', detail: 'The API key is unknown, revoked or expired.' },
  api_key_forbidden: { status: 403, title: 'Not for API keys', detail: 'This route is for people signed in to the portal; an API key cannot use it.' },
  reset_link_invalid: { status: 404, title: 'Reset link not valid', detail: 'This password reset link is not valid. Ask for a new one.' },
  reset_link_used: { status: 410, title: 'Reset link already used', detail: 'This password reset link has already been used. Ask for a new one if you need to.' },
  reset_link_expired: { status: 410, title: 'Reset link expired', detail: 'This password reset link has expired. Ask for a new one.' },
  verification_link_invalid: { status: 404, title: 'Link not valid', detail: 'This email confirmation link is not valid.' },
  verification_link_used: { status: 410, title: 'Link already used', detail: 'This email confirmation link has already been used.' },
  verification_link_expired: { status: 410, title: 'Link expired', detail: 'This email confirmation link has expired. Ask for a new one.' },
  delivery_gone: { status: 410, title: 'Event no longer in the log', detail: 'The event of this delivery has left the activity log (retention), so it cannot be sent again.' },
  wrong_password: { status: 403, title: 'Wrong current password', detail: 'Your current password is not correct.' },
  invalid_code: { status: 403, title: 'Wrong code', detail: 'That code is not right, or it was already used.' },
  step_required: { status: 401, title: 'Sign in again', detail: 'Sign in with your email and password first.' },
  step_expired: { status: 410, title: 'Sign-in step expired', detail: 'This sign-in took too long. Sign in again with your email and password.' },
  enrolment_expired: { status: 410, title: 'Set-up expired', detail: 'This set-up expired. Start again to get a new key.' },
  two_factor_required: { status: 409, title: 'Two-factor sign-in required', detail: 'Your account requires two-factor sign-in: keep at least one second factor.' },
  passkey_invalid: { status: 400, title: 'Passkey not accepted', detail: 'The passkey answer could not be verified.' },
  offer_not_found: { status: 404, title: 'Link not valid', detail: 'This link is not valid. Ask for a new one.' },
  offer_closed: { status: 410, title: 'No longer open', detail: 'This request was already answered or withdrawn.' },
  offer_expired: { status: 410, title: 'Request expired', detail: 'This request has expired. Ask for a new one.' },
  passwordless_not_allowed: { status: 403, title: 'Passwordless sign-in not allowed', detail: 'Your account does not allow signing in with a passkey alone. Sign in with your password.' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string; detail: string }>

export type ErrorCode = keyof typeof errorCodes

/** The one error type of the API; `onError` renders it as problem+json (RFC 9457). Its status comes from the catalogue. */
export class AppError extends Error {
  readonly status: ContentfulStatusCode
  constructor(
    readonly code: ErrorCode,
    readonly detail: string = errorCodes[code].detail,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail)
    this.status = errorCodes[code].status
  }
}

/**
 * A refusal found below the routes (a limit, a lost race, a name already
 * taken): a catalogue code, what to tell the caller and the field that caused
 * it. The domain knows no HTTP: it throws these, and the app's `onError`
 * translates them, once, into problems (limits first learn their value).
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string = errorCodes[code].detail,
    readonly field?: string,
  ) {
    super(detail)
  }
}

/**
 * A problem's title in the request's language (decision 034); the catalogue's English title is
 * the message's English text (test/worker/unit/messages.test.ts keeps them equal).
 */
export function problemTitle(code: ErrorCode): string {
  const message = (m as unknown as Record<string, (() => string) | undefined>)[`error_${code}`]
  return message ? message() : errorCodes[code].title
}

/**
 * What the detail says, in the request's language, when it is not English and the API has the
 * words (decision 034): the detail's own sentence, or the one field's message it repeats. Absent
 * otherwise (English readers have `detail`; others fall back to `title`).
 */
function localizedDetail(detail: string, errors: unknown): string | undefined {
  if (getLocale() === 'en') return undefined
  const list = Array.isArray(errors) ? (errors as { field?: unknown; message?: unknown }[]) : []
  // A detail that only repeats one field's message says it without the field's name.
  const one = list.length === 1 ? list[0] : undefined
  const english = one && typeof one.message === 'string' && detail === `${String(one.field)}: ${one.message}` ? one.message : detail
  const message = localizeSentence(english)
  return message !== english ? message : undefined
}

/**
 * Render a problem+json response body: `title` in the request's language, `detail` in English,
 * `code` stable, and `message` — the detail in the request's language — when it has one.
 */
export function problemBody(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) {
  const { status } = errorCodes[code]
  const title = problemTitle(code)
  // What a person reads beside a field comes in their language too (the detail stays English).
  const errors = Array.isArray(extra.errors)
    ? (extra.errors as { field: string; message: string }[]).map((e) => (typeof e?.message === 'string' ? { ...e, message: localizeSentence(e.message) } : e))
    : undefined
  const message = localizedDetail(detail, extra.errors)
  return {
    type: `https://trellis.dev/problems/${code.replaceAll('_', '-')}`,
    title,
    status,
    detail,
    code,
    ...extra,
    ...(errors ? { errors } : {}),
    ...(message ? { message } : {}),
  }
}

/** A problem+json Response. */
export function problemResponse(error: AppError): Response {
  return new Response(JSON.stringify(problemBody(error.code, error.detail, error.extra)), {
    status: error.status,
    headers: { 'content-type': 'application/problem+json', ...error.headers },
  })
}

/**
 * 429 `rate_limited` with Retry-After: the next attempt is allowed in `retryAfterMs` (at least a
 * second); `detail` may name the wait, in seconds.
 */
export function rateLimited(retryAfterMs: number, detail: string | ((seconds: number) => string)) {
  const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000))
  return new AppError('rate_limited', typeof detail === 'function' ? detail(retryAfter) : detail, { retryAfter }, { 'retry-after': String(retryAfter) })
}

/** `value` when there is one; otherwise a 404 that says what was not found (`No member with that id.`). */
export function found<T>(value: T | null | undefined, detail: string): T {
  if (value === null || value === undefined) throw new AppError('not_found', detail)
  return value
}

/** A problem that names one field (for errors found after schema validation). */
export function fieldError(code: ErrorCode, field: string, message: string) {
  return new AppError(code, `${field}: ${message}`, { errors: [{ field, message }] })
}
