import { claimableHostname } from '../domain/hostnames.ts'
import type { Bindings } from '../env.ts'
import { fieldError } from '../errors.ts'
import { z } from '@hono/zod-openapi'
import { accountKinds, accountStatuses } from '../../../db/schema/accounts.ts'
import { membershipLevels } from '../../../db/schema/memberships.ts'

// The problem document and its response entries live with the route helpers; re-exported for the routes that import them from here.
export { Problem, problems } from '../openapi.ts'

export const User = z.object({ id: z.string(), email: z.string(), name: z.string() }).openapi('User')

export const Account = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(accountKinds),
    status: z.enum(accountStatuses),
    path: z.string(),
    parentId: z.string().nullable(),
    createdAt: z.number(),
    adminCap: z.number().int(),
    pageViewLogging: z.boolean().nullable(),
    /** A customer's consent for all its services: new services start with partner access on when true. */
    partnerAccessDefault: z.boolean(),
  })
  .openapi('Account')

/** A path parameter named `name` in the document: an id of 1 to `max` characters. */
export const pathParam = (name: string, max = 64) => z.string().min(1).max(max).openapi({ param: { name, in: 'path' } })

export const AccountParam = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: 'acc_abc123' }),
})

/** The account's `{id}` and one id below it: `accountParams('siteId')` for `/accounts/{id}/sites/{siteId}`. */
export const accountParams = <const K extends string>(name: K) => AccountParam.extend({ [name]: pathParam(name) } as Record<K, ReturnType<typeof pathParam>>)

/** A link's secret token, the last part of its path (`/invitations/{token}`). */
export const TokenParam = z.object({ token: pathParam('token', 128) })

export const level = z.enum(membershipLevels)

/** When some access ends: an instant (ms since the epoch) before 2100; null, it lasts. */
export const EndsAt = z
  .number()
  .int('Give the end as a whole number of milliseconds.')
  .positive()
  .max(Date.UTC(2100, 0, 1), 'Choose an end date before 2100.')
  .nullable()

/** The claimable form of a hostname from a request body, or the problem that names the field. */
export function hostnameFrom(env: Bindings, raw: string, field = 'hostname') {
  const claim = claimableHostname(raw, env.PLATFORM_HOSTNAMES)
  if (!claim.ok) throw fieldError(claim.code, field, claim.message)
  return claim.hostname
}

/** A support session on someone's behalf, as the API shows it. */
export const ImpersonationView = z
  .object({
    id: z.string(),
    impersonator: User,
    target: User,
    accountId: z.string(),
    accountName: z.string(),
    reason: z.string(),
    startedAt: z.number(),
    expiresAt: z.number(),
  })
  .openapi('Impersonation')

/** What a sign-in needs after the password: a second factor (`verify`) or a new one (`enrol`). */
export const NextStepView = z
  .object({
    step: z.enum(['verify', 'enrol']),
    methods: z.array(z.enum(['totp', 'recovery', 'passkey'])),
    expiresAt: z.number(),
    trustDays: z.number().int(),
  })
  .openapi('SignInStep')

/** A WebAuthn public-key credential's response fields, base64url (what the browser's PublicKeyCredential carries). */
export const b64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'Must be base64url.')

/** An assertion (navigator.credentials.get) as the browser sends it, each field base64url. */
export const PasskeyAssertion = z
  .object({
    credentialId: b64url(1400),
    clientDataJSON: b64url(4000),
    authenticatorData: b64url(4000),
    signature: b64url(2000),
  })
  .openapi('PasskeyAssertion')

/** Options for navigator.credentials.get, binary fields base64url. */
export const PasskeyRequestOptions = z
  .object({
    challenge: z.string(),
    rpId: z.string(),
    timeout: z.number(),
    userVerification: z.literal('required'),
    allowCredentials: z.array(z.object({ type: z.literal('public-key'), id: z.string() })),
  })
  .openapi('PasskeyRequestOptions')

/** A location (IPv4 /24, IPv6 /64) where a login skips the second factor. */
export const TrustedLocation = z
  .object({ id: z.string(), network: z.string(), place: z.string().nullable(), createdAt: z.number(), lastUsedAt: z.number(), expiresAt: z.number() })
  .openapi('TrustedLocation')

/** Options for navigator.credentials.create, binary fields base64url. */
export const PasskeyCreationOptions = z
  .object({
    challenge: z.string(),
    rp: z.object({ id: z.string(), name: z.string() }),
    user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
    pubKeyCredParams: z.array(z.object({ type: z.literal('public-key'), alg: z.number() })),
    timeout: z.number(),
    attestation: z.literal('none'),
    authenticatorSelection: z.object({ residentKey: z.literal('required'), userVerification: z.literal('required') }),
    excludeCredentials: z.array(z.object({ type: z.literal('public-key'), id: z.string() })),
  })
  .openapi('PasskeyCreationOptions')
