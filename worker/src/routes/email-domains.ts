import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { domainPolicies } from '../../../db/schema/sign-ups.ts'
import { getAccount } from '../domain/accounts.ts'
import { appendSystemEvent } from '../domain/activity.ts'
import { challengeName, claimLapsed, requireChallenge } from '../domain/dns-challenge.ts'
import {
  addDomain,
  approveJoinRequest,
  claimableDomain,
  declineJoinRequest,
  deleteDomain,
  getDomain,
  getJoinRequest,
  listDomains,
  listJoinRequests,
  updateDomainPolicy,
  verifyDomainClaim,
  type EmailDomainRow,
} from '../domain/email-domains.ts'
import { listRoles } from '../domain/roles.ts'
import type { AppEnv } from '../env.ts'
import { AppError, fieldError, found } from '../errors.ts'
import { requirePermission, type Access } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { assertGrant } from '../middleware/grants.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam, accountParams } from './schemas.ts'

const EmailDomainView = z
  .object({
    id: z.string(),
    domain: z.string(),
    status: z.enum(['pending', 'verified']),
    /** The TXT record that proves control of the domain. */
    record: z.object({ type: z.literal('TXT'), name: z.string(), value: z.string() }),
    /** `join`: people at the domain become users at once with `defaultRole`; `approve`: they wait for an admin. */
    policy: z.enum(domainPolicies),
    defaultRole: z.object({ id: z.string(), name: z.string() }).nullable(),
    createdAt: z.number(),
    verifiedAt: z.number().nullable(),
    /** A pending claim lapses at this time unless verified; null once verified. */
    expiresAt: z.number().nullable(),
  })
  .openapi('EmailDomain')

const DomainPolicyInput = z.object({
  policy: z.enum(domainPolicies).default('approve'),
  /** A built-in role key or a custom role of the account that a user-level member may hold; null = no role. */
  defaultRole: z.string().min(1).max(64).nullable().default(null),
})

const AddEmailDomain = DomainPolicyInput.extend({ domain: z.string().trim().min(1, 'Enter a domain.').max(253, 'At most 253 characters.') }).openapi('AddEmailDomain')
const UpdateEmailDomain = DomainPolicyInput.openapi('UpdateEmailDomain')

const JoinRequestView = z
  .object({ id: z.string(), email: z.string(), name: z.string(), domain: z.string(), createdAt: z.number() })
  .openapi('JoinRequest')

const DomainParams = accountParams('domainId')
const RequestParams = accountParams('requestId')

/** Email domains belong to customer organisations: elsewhere the collection does not exist. */
const customersOnly = { kinds: ['customer'], detail: 'Only customer organisations verify email domains.' } as const

async function present<E extends AppEnv>(c: Context<E>, accountId: string, rows: EmailDomainRow[]) {
  const roles = new Map((await listRoles(c.var.db, accountId)).map((r) => [r.id, r.name]))
  return rows.map((r) => ({
    id: r.id,
    domain: r.domain,
    status: r.status,
    record: { type: 'TXT' as const, name: challengeName(r.domain), value: r.verificationToken },
    policy: r.policy,
    defaultRole: r.defaultRole && roles.has(r.defaultRole) ? { id: r.defaultRole, name: roles.get(r.defaultRole)! } : null,
    createdAt: r.createdAt,
    verifiedAt: r.verifiedAt,
    expiresAt: r.status === 'pending' ? r.expiresAt : null,
  }))
}

/** The default role must be one the caller could grant a user-level member by hand (never beyond their own rights). */
async function checkDefaultRole<E extends AppEnv>(c: Context<E>, access: Access, defaultRole: string | null) {
  if (!defaultRole) return
  try {
    await assertGrant(c, access, { self: false, current: null }, { level: 'user', roleIds: [defaultRole], scope: { mode: 'all' } })
  } catch (error) {
    if (error instanceof AppError) throw fieldError(error.code, 'defaultRole', error.detail)
    throw error
  }
}

/** A domain of the account as it is stored now, as the API shows it. */
async function reread<E extends AppEnv>(c: Context<E>, accountId: string, domainId: string) {
  return (await present(c, accountId, [(await getDomain(c.var.db, accountId, domainId))!]))[0]!
}

async function one<E extends AppEnv>(c: Context<E>, accountId: string, domainId: string) {
  return found(await getDomain(c.var.db, accountId, domainId), 'No email domain with that id.')
}

/** Make the claim the domain's verified owner; others' pending claims end, each told in its own log. */
async function verifyClaim<E extends AppEnv>(c: Context<E>, ctx: Access, row: EmailDomainRow, how: string) {
  const outcome = await verifyDomainClaim(c.var.db, ctx.account.id, row.id)
  if (!outcome.ok) {
    if (outcome.reason === 'gone') throw new AppError('not_found', 'No email domain with that id.')
    if (outcome.reason === 'expired') throw new AppError('claim_expired', `The claim on ${row.domain} has expired (claims last 7 days). Remove it and add the domain again for a new token.`)
    throw new AppError('conflict', 'Another organisation verified this domain first. Its claim here has ended.')
  }
  await audit(c, ctx.account, {
    type: 'domain_verified',
    target: { kind: 'email_domain', id: row.id, label: row.domain },
    description: `${ctx.principal.user.email} ${how} the email domain ${row.domain} of ${ctx.account.name}`,
  })
  for (const lost of outcome.dropped) {
    const account = await getAccount(c.var.db, lost.accountId)
    if (!account) continue
    await appendSystemEvent(
      c.env,
      account,
      { type: 'domain_removed', target: { kind: 'email_domain', id: lost.id, label: lost.domain }, description: `The claim of ${account.name} on the email domain ${lost.domain} ended: another organisation verified it first` },
      'system',
    )
  }
}

const listEmailDomainsRoute = route.get('/accounts/{id}/email-domains', 'listEmailDomains', requirePermission('settings.view', customersOnly), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ items: z.array(EmailDomainView), devTools: z.boolean() }), 'Email domains') },
})
const createEmailDomainRoute = route.post('/accounts/{id}/email-domains', 'createEmailDomain', requirePermission('settings.manage', customersOnly), {
  request: { params: AccountParam, body: body(AddEmailDomain) }, responses: { 201: json(z.object({ domain: EmailDomainView }), 'Added'), ...problems(409, 422) },
})
const updateEmailDomainRoute = route.patch('/accounts/{id}/email-domains/{domainId}', 'updateEmailDomain', requirePermission('settings.manage', customersOnly), {
  request: { params: DomainParams, body: body(UpdateEmailDomain) }, responses: { 200: json(z.object({ domain: EmailDomainView }), 'Saved') },
})
const verifyEmailDomainRoute = route.post('/accounts/{id}/email-domains/{domainId}/verify', 'verifyEmailDomain', requirePermission('settings.manage', customersOnly), {
  request: { params: DomainParams }, responses: { 200: json(z.object({ domain: EmailDomainView }), 'Verified'), ...problems(409, 410, 422) },
})
const markEmailDomainVerifiedRoute = route.post('/accounts/{id}/email-domains/{domainId}/dev-verify', 'markEmailDomainVerified', requirePermission('settings.manage', customersOnly), {
  request: { params: DomainParams }, responses: { 200: json(z.object({ domain: EmailDomainView }), 'Verified'), ...problems(409, 410) },
})
const deleteEmailDomainRoute = route.delete('/accounts/{id}/email-domains/{domainId}', 'deleteEmailDomain', requirePermission('settings.manage', customersOnly), {
  request: { params: DomainParams }, responses: { 204: { description: 'Removed' } },
})
const listJoinRequestsRoute = route.get('/accounts/{id}/join-requests', 'listJoinRequests', requirePermission('staff.view', customersOnly), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ items: z.array(JoinRequestView) }), 'Held people') },
})
const approveJoinRequestRoute = route.post('/accounts/{id}/join-requests/{requestId}/approve', 'approveJoinRequest', requirePermission('staff.manage', customersOnly), {
  request: { params: RequestParams }, responses: { 200: json(z.object({ memberId: z.string() }), 'Approved'), ...problems(422) },
})
const declineJoinRequestRoute = route.post('/accounts/{id}/join-requests/{requestId}/decline', 'declineJoinRequest', requirePermission('staff.manage', customersOnly), {
  request: { params: RequestParams }, responses: { 204: { description: 'Declined' } },
})

export const emailDomainsRouter = createRouter('Email domains')
  .openapi(listEmailDomainsRoute, async (c) => c.json({ items: await present(c, c.var.access.account.id, await listDomains(c.var.db, c.var.access.account.id)), devTools: c.env.DEV_TOOLS === 'true' }, 200))
  .openapi(createEmailDomainRoute, async (c) => {
    const ctx = c.var.access
    const input = c.req.valid('json')
    const claim = claimableDomain(input.domain)
    if (!claim.ok) throw fieldError(claim.code, 'domain', claim.message)
    await checkDefaultRole(c, ctx, input.defaultRole)
    const row = await addDomain(c.var.db, ctx.account.id, { domain: claim.domain, policy: input.policy, defaultRole: input.defaultRole })
    await audit(c, ctx.account, {
      type: 'domain_added',
      target: { kind: 'email_domain', id: row.id, label: row.domain },
      description: `${ctx.principal.user.email} added the email domain ${row.domain} to ${ctx.account.name}`,
    })
    return c.json({ domain: (await present(c, ctx.account.id, [row]))[0]! }, 201)
  })
  .openapi(updateEmailDomainRoute, async (c) => {
    const ctx = c.var.access
    const { domainId } = c.req.valid('param')
    const input = c.req.valid('json')
    const row = await one(c, ctx.account.id, domainId)
    await checkDefaultRole(c, ctx, input.defaultRole)
    await updateDomainPolicy(c.var.db, ctx.account.id, row.id, input)
    await audit(c, ctx.account, {
      type: 'domain_updated',
      target: { kind: 'email_domain', id: row.id, label: row.domain },
      description: `${ctx.principal.user.email} set people at ${row.domain} to ${input.policy === 'join' ? 'join at once' : 'wait for approval'}${input.defaultRole ? ` with the role ${input.defaultRole}` : ''}`,
    })
    return c.json({ domain: await reread(c, ctx.account.id, row.id) }, 200)
  })
  .openapi(verifyEmailDomainRoute, async (c) => {
    const ctx = c.var.access
    const row = await one(c, ctx.account.id, c.req.valid('param').domainId)
    if (row.status !== 'verified') {
      if (claimLapsed(row)) throw new AppError('claim_expired', `The claim on ${row.domain} has expired (claims last 7 days). Remove it and add the domain again for a new token.`)
      await requireChallenge(c.env, row.domain, row.verificationToken)
      await verifyClaim(c, ctx, row, 'verified')
    }
    return c.json({ domain: await reread(c, ctx.account.id, row.id) }, 200)
  })
  .openapi(markEmailDomainVerifiedRoute, async (c) => {
    if (c.env.DEV_TOOLS !== 'true') throw new AppError('not_found', 'No such route.')
    const ctx = c.var.access
    const row = await one(c, ctx.account.id, c.req.valid('param').domainId)
    if (row.status !== 'verified') await verifyClaim(c, ctx, row, 'used the development switch to verify')
    return c.json({ domain: await reread(c, ctx.account.id, row.id) }, 200)
  })
  .openapi(deleteEmailDomainRoute, async (c) => {
    const ctx = c.var.access
    const row = await one(c, ctx.account.id, c.req.valid('param').domainId)
    await deleteDomain(c.var.db, ctx.account.id, row.id)
    await audit(c, ctx.account, {
      type: 'domain_removed',
      target: { kind: 'email_domain', id: row.id, label: row.domain },
      description: `${ctx.principal.user.email} removed the email domain ${row.domain} from ${ctx.account.name}`,
    })
    return c.body(null, 204)
  })
  .openapi(listJoinRequestsRoute, async (c) => {
    const rows = await listJoinRequests(c.var.db, c.var.access.account.id)
    return c.json({ items: rows.map(({ userId: _, ...r }) => r) }, 200)
  })
  .openapi(approveJoinRequestRoute, async (c) => {
    const ctx = c.var.access
    const request = found(await getJoinRequest(c.var.db, ctx.account.id, c.req.valid('param').requestId), 'No held person with that id.')
    const domain = (await listDomains(c.var.db, ctx.account.id)).find((d) => d.domain === request.domain)
    const roleIds = domain?.defaultRole && (await listRoles(c.var.db, ctx.account.id)).some((r) => r.id === domain.defaultRole) ? [domain.defaultRole] : []
    if (roleIds.length) await checkDefaultRole(c, ctx, roleIds[0]!)
    const memberId = found(await approveJoinRequest(c.var.db, ctx.account, request, roleIds), 'No held person with that id.')
    await audit(c, ctx.account, {
      type: 'join_approved',
      subject: { id: request.userId, email: request.email },
      target: { kind: 'member', id: memberId, label: request.email },
      description: `${ctx.principal.user.email} let ${request.email} join ${ctx.account.name} as a user`,
    })
    return c.json({ memberId }, 200)
  })
  .openapi(declineJoinRequestRoute, async (c) => {
    const ctx = c.var.access
    const request = found(await getJoinRequest(c.var.db, ctx.account.id, c.req.valid('param').requestId), 'No held person with that id.')
    await declineJoinRequest(c.var.db, ctx.account.id, request.id)
    await audit(c, ctx.account, {
      type: 'join_declined',
      target: { kind: 'join_request', id: request.id, label: request.email },
      description: `${ctx.principal.user.email} declined ${request.email}'s request to join ${ctx.account.name}`,
    })
    return c.body(null, 204)
  })
