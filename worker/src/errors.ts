import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** Stable, machine-readable error codes. Clients switch on these, never on text. */
export const errorCodes = {
  validation_failed: 'The request has fields that are missing or not valid.',
  malformed_json: 'The request body is not valid JSON.',
  payload_too_large: 'The request body is too large.',
  unsupported_media_type: 'The request body must be JSON.',
  unauthenticated: 'You need to sign in.',
  invalid_credentials: 'The email or password is incorrect.',
  rate_limited: 'Too many attempts. Try again later.',
  csrf_rejected: 'The request did not come from this site.',
  forbidden: 'You do not have permission to do that.',
  not_found: 'Not found.',
  consent_required: 'The customer has not granted partner access.',
  escalation: 'You cannot grant more than you hold.',
  self_change: 'You cannot change your own level or roles.',
  level_restriction: 'That level cannot hold this permission.',
  limit_reached: 'A limit has been reached.',
  conflict: 'That conflicts with existing data.',
  unsupported_action: 'That action is not available for this service.',
  weak_password: 'That password is not allowed.',
  already_member: 'That person is already a member of this account.',
  already_invited: 'That person already has a pending invitation.',
  invitation_not_found: 'This invitation link is not valid.',
  invitation_expired: 'This invitation has expired.',
  invitation_revoked: 'This invitation was withdrawn.',
  invitation_used: 'This invitation has already been used.',
  sign_in_required: 'Sign in to accept this invitation.',
  email_mismatch: 'You are signed in with a different email than the invitation was sent to.',
  impersonation_restricted: 'Not allowed while acting on someone else\'s behalf.',
  verification_failed: 'The DNS record that proves control of the hostname was not found.',
  claim_expired: 'This hostname claim has expired; claim the hostname again.',
  wrong_portal: 'This sign-in belongs to another portal.',
  account_suspended: 'This account is suspended.',
  internal: 'Something went wrong on our side.',
} as const

export type ErrorCode = keyof typeof errorCodes

/** The one error type of the API; `onError` renders it as problem+json (RFC 9457). */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    readonly detail: string = errorCodes[code],
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail)
  }
}

const titles: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
}

/** Render a problem+json response body. */
export function problemBody(status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
  return {
    type: `https://trellis.dev/problems/${code.replaceAll('_', '-')}`,
    title: titles[status] ?? 'Error',
    status,
    detail,
    code,
    ...extra,
  }
}

/** A problem+json Response. */
export function problemResponse(error: AppError): Response {
  return new Response(JSON.stringify(problemBody(error.status, error.code, error.detail, error.extra)), {
    status: error.status,
    headers: { 'content-type': 'application/problem+json', ...error.headers },
  })
}

/** A problem that names one field (for errors found after schema validation). */
export function fieldError(status: 400 | 403 | 404 | 409 | 422, code: ErrorCode, field: string, message: string) {
  return new AppError(status, code, `${field}: ${message}`, { errors: [{ field, message }] })
}
