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

export const AccountParam = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: 'acc_abc123' }),
})

export const level = z.enum(membershipLevels)

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
