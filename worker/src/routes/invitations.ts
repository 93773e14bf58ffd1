import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { Permission } from '../authz/catalogue.ts'
import { PASSWORD_MAX } from '../crypto/password-policy.ts'
import { chosenPasswordHash } from '../domain/credentials.ts'
import { endTime } from '../domain/access-ends.ts'
import { sendInvitationEmail } from '../domain/invitation-emails.ts'
import {
  acceptInvitation,
  createInvitation,
  findByToken,
  getInvitation,
  isMember,
  listInvitations,
  resendInvitation,
  roomFor,
  revokeInvitation,
  type InvitationView,
  type TokenInvitation,
} from '../domain/invitations.ts'
import { LimitReached } from '../domain/limits.ts'
import { overLimit } from '../domain/rate-limits.ts'
import { listRoles, resolveRoles } from '../domain/roles.ts'
import { ScopeSchema } from '../domain/scope.ts'
import { invitationPortalRefusal } from '../domain/portal.ts'
import { domainOwnerFor } from '../domain/email-domains.ts'
import { findUserByEmail, normalizeEmail } from '../domain/users.ts'
import type { AppEnv } from '../env.ts'
import { AppError, fieldError, found, rateLimited } from '../errors.ts'
import { authorize, decide, requirePermission, type Access } from '../middleware/access.ts'
import { assertGrant } from '../middleware/grants.ts'
import { audit } from '../middleware/audit.ts'
import { signInHere } from '../middleware/session.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam, accountParams, EndsAt, TokenParam } from './schemas.ts'

/** Invitations an account may send per hour (both kinds together). */
export const INVITE_WINDOW = { max: 30, windowMs: 60 * 60 * 1000 }

const Email = z.string().trim().max(254).email('Enter a valid email address.')

/** When the access the invitation grants ends (ms since the epoch, in the future); absent or null: it lasts. */
const AccessEndsAt = EndsAt.optional()

const CreateInvitation = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('member'),
      email: Email,
      level: z.enum(['admin', 'user']),
      roleIds: z.array(z.string().min(1).max(64)).max(50).default([]),
      scope: ScopeSchema.default({ mode: 'none' }),
      accessEndsAt: AccessEndsAt,
    }),
    z.object({
      kind: z.literal('customer'),
      email: Email,
      name: z.string().trim().max(120).optional(),
    }),
  ])
  .openapi('CreateInvitation')

const AddMember = z
  .object({
    email: Email,
    /** Shown in the invitation; the person confirms their own name when they accept. */
    name: z.string().trim().max(120).optional(),
    /** Ignored: people always choose their own password when they accept. */
    password: z.string().max(PASSWORD_MAX).optional().openapi({ deprecated: true, description: 'Ignored: the person sets their own password when they accept.' }),
    level: z.enum(['admin', 'user']),
    roles: z.array(z.string().min(1).max(64)).max(50).default([]),
    scope: ScopeSchema.default({ mode: 'none' }),
    accessEndsAt: AccessEndsAt,
  })
  .openapi('AddMember')

const InvitationSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    kind: z.enum(['member', 'customer']),
    email: z.string(),
    level: z.enum(['owner', 'admin', 'user']).nullable(),
    roleIds: z.array(z.string()),
    roles: z.array(z.object({ id: z.string(), name: z.string() })),
    scope: ScopeSchema,
    suggestedName: z.string().nullable(),
    status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
    invitedBy: z.object({ id: z.string(), email: z.string(), name: z.string() }).nullable(),
    createdAt: z.number(),
    expiresAt: z.number(),
    acceptedAt: z.number().nullable(),
    createdAccountId: z.string().nullable(),
    /** When the access it grants ends (the membership carries it); null: it lasts. */
    accessEndsAt: z.number().nullable(),
  })
  .openapi('Invitation')

const InviteParams = accountParams('inviteId')

const Accept = z
  .object({
    name: z.string().trim().min(1, 'Enter your name.').max(120).optional(),
    password: z.string().max(PASSWORD_MAX).optional(),
    organisationName: z.string().trim().min(1, 'Name the organisation.').max(120).optional(),
  })
  .openapi('AcceptInvitation')

const PublicInvitation = z
  .object({
    kind: z.enum(['member', 'customer']),
    email: z.string(),
    accountName: z.string(),
    inviterName: z.string().nullable(),
    inviterEmail: z.string().nullable(),
    level: z.enum(['owner', 'admin', 'user']).nullable(),
    roles: z.array(z.string()),
    suggestedName: z.string().nullable(),
    existingUser: z.boolean(),
    expiresAt: z.number(),
    /**
     * Customer invitations only: a customer of the same tree verified the email's domain, so accepting joins it
     * instead of creating an organisation — as a user at once, or `held` until its admins approve.
     */
    joins: z.object({ accountName: z.string(), held: z.boolean() }).nullable(),
    /** When the access it grants ends; null: it lasts. */
    accessEndsAt: z.number().nullable(),
  })
  .openapi('PublicInvitation')

/** Count an invitation sent (or sent again) against the account's hourly budget; 429 once it is spent. */
async function admitInvitation<E extends AppEnv>(c: Context<E>, ctx: Access) {
  const wait = await overLimit(c.var.db, `invite:${ctx.account.id}`, INVITE_WINDOW)
  if (wait !== null) throw rateLimited(wait, 'Too many invitations from this account; try again later.')
}

/** The permission that governs invitations of a kind. */
const manageFor = (kind: 'member' | 'customer'): Permission => (kind === 'member' ? 'staff.manage' : 'customers.invite')

/** An invitation of the account the caller may resend or revoke (404 when there is none, 403 without the permission its kind needs). */
async function invitationToManage<E extends AppEnv>(c: Context<E>, ctx: Access, inviteId: string) {
  const invitation = found(await getInvitation(c.var.db, ctx.account.id, inviteId), 'No invitation with that id.')
  authorize(ctx, manageFor(invitation.kind))
  return invitation
}

async function present<E extends AppEnv>(c: Context<E>, accountId: string, items: InvitationView[]) {
  const roles = new Map((await listRoles(c.var.db, accountId)).map((r) => [r.id, r.name]))
  return items.map(({ inviter, ...inv }) => ({
    ...inv,
    invitedBy: inviter,
    roles: inv.roleIds.flatMap((id) => (roles.has(id) ? [{ id, name: roles.get(id)! }] : [])),
  }))
}

/**
 * Invite someone: to the account as a member (the grant checked like a
 * direct one, for the impersonator too while impersonating), or to become a
 * customer of a reseller. Limits, the per-account rate and duplicates are
 * checked; the link is emailed and the event recorded.
 */
async function invite<E extends AppEnv>(c: Context<E>, ctx: Access, body: z.infer<typeof CreateInvitation>) {
  let roleIds: string[] = []
  let accessEndsAt: number | null = null
  if (body.kind === 'member') {
    roleIds = [...new Set(body.roleIds)]
    accessEndsAt = (await assertGrant(c, ctx, { self: false, current: null }, { level: body.level, roleIds, scope: body.scope, endsAt: body.accessEndsAt ?? null })).endsAt
    if (await isMember(c.var.db, ctx.account.id, body.email)) throw fieldError('already_member', 'email', 'This person is already a member of this account.')
  } else if (ctx.account.kind !== 'reseller') {
    throw new AppError('forbidden', 'Only a reseller can invite new customers.')
  }
  // Tell the inviter now when the reseller's limits leave no room (accepting checks again, atomically).
  const limit = body.kind === 'customer' ? 'max_customers' : 'max_staff'
  if (!(await roomFor(c.var.db, ctx.account.path, limit))) throw new LimitReached(limit, ctx.account.path, 'email')
  await admitInvitation(c, ctx)
  const created = await createInvitation(c.var.db, {
    accountId: ctx.account.id,
    kind: body.kind,
    email: body.email,
    level: body.kind === 'member' ? body.level : null,
    roleIds,
    scope: body.kind === 'member' ? body.scope : { mode: 'none' },
    suggestedName: body.kind === 'customer' ? body.name || null : null,
    // An API key is no login (the column names one).
    invitedBy: ctx.principal.apiKey ? null : ctx.principal.user.id,
    accessEndsAt,
  })
  const invitation = (await getInvitation(c.var.db, ctx.account.id, created.id))!
  await sendInvitationEmail(c.env, c.var.db, ctx.account, ctx.principal.user, invitation, created.token)
  await audit(c, ctx.account, {
    type: 'invite_user',
    target: { kind: 'invitation', id: invitation.id, label: invitation.email },
    description:
      body.kind === 'customer'
        ? `${ctx.principal.user.email} invited ${invitation.email} to become a customer of ${ctx.account.name}`
        : `${ctx.principal.user.email} invited ${invitation.email} to ${ctx.account.name} as ${invitation.level}${accessEndsAt ? `, with access until ${endTime(accessEndsAt)}` : ''}`,
  })
  return (await present(c, ctx.account.id, [invitation]))[0]!
}

/** On another reseller's portal, send the person to the invitation's own portal (403 `wrong_portal` with its address). */
async function refuseForeignPortal(c: Context<AppEnv>, inv: TokenInvitation | undefined) {
  if (!inv || inv.account.status !== 'active') return
  const refusal = await invitationPortalRefusal(c.var.db, c.var.hostBrand.reseller, inv.account.path, new URL(c.req.url), c.env.PLATFORM_HOSTNAMES)
  if (refusal) throw new AppError('wrong_portal', refusal.detail, { portal: refusal.portal })
}

/**
 * A customer invitation whose email's domain a customer of the inviting tree
 * verified: the person joins that customer instead of creating an organisation.
 */
async function domainJoin<E extends AppEnv>(c: Context<E>, inv: TokenInvitation) {
  if (inv.kind !== 'customer') return null
  const owner = await domainOwnerFor(c.var.db, inv.email, inv.account.path)
  if (!owner) return null
  const wanted = owner.defaultRole ? [owner.defaultRole] : []
  const { unknown } = await resolveRoles(c.var.db, owner.account.id, wanted)
  return { owner, roleIds: wanted.filter((r) => !unknown.includes(r)) }
}

/** Refuse the token with the problem that explains why. */
function refuseToken(inv: TokenInvitation | undefined): asserts inv is TokenInvitation {
  if (!inv || inv.account.status !== 'active') throw new AppError('invitation_not_found', 'This invitation link is not valid. Ask for a new one.')
  if (inv.status === 'accepted') throw new AppError('invitation_used', 'This invitation has already been used. Sign in instead.')
  if (inv.status === 'revoked') throw new AppError('invitation_revoked', 'This invitation was withdrawn. Ask the sender for a new one.')
  if (inv.status === 'expired') throw new AppError('invitation_expired', 'This invitation has expired. Ask the sender to resend it.')
}

const createInvitationRoute = route.post('/accounts/{id}/invitations', 'createInvitation', requirePermission(['staff.manage', 'customers.invite']), {
  request: { params: AccountParam, body: body(CreateInvitation) }, responses: { 201: json(z.object({ invitation: InvitationSchema }), 'Created; the link is emailed'), ...problems(409, 422, 429) },
})
const addMemberRoute = route.post('/accounts/{id}/members', 'addMember', requirePermission('staff.manage'), {
  tags: ['Staff'], request: { params: AccountParam, body: body(AddMember) }, responses: { 201: json(z.object({ invitation: InvitationSchema }), 'Invited; the link is emailed'), ...problems(409, 422, 429) },
})
const listInvitationsRoute = route.get('/accounts/{id}/invitations', 'listInvitations', requirePermission(['staff.view', 'customers.view']), {
  request: { params: AccountParam, query: z.object({ status: z.enum(['pending', 'all']).default('pending'), kind: z.enum(['member', 'customer']).optional() }) }, responses: { 200: json(z.object({ items: z.array(InvitationSchema) }), 'OK') },
})
const resendInvitationRoute = route.post('/accounts/{id}/invitations/{inviteId}/resend', 'resendInvitation', requirePermission(['staff.manage', 'customers.invite']), {
  request: { params: InviteParams }, responses: { 200: json(z.object({ invitation: InvitationSchema }), 'Sent'), ...problems(409, 429) },
})
const revokeInvitationRoute = route.delete('/accounts/{id}/invitations/{inviteId}', 'revokeInvitation', requirePermission(['staff.manage', 'customers.invite']), {
  request: { params: InviteParams }, responses: { 204: { description: 'Revoked' }, ...problems(409) },
})
const previewInvitationRoute = route.get('/invitations/{token}', 'previewInvitation', {
  request: { params: TokenParam }, responses: { 200: json(PublicInvitation, 'OK'), ...problems(403, 404, 410) },
})
const acceptInvitationRoute = route.post('/invitations/{token}/accept', 'acceptInvitation', {
  request: { params: TokenParam, body: body(Accept) }, responses: { 201: json(z.object({ accountId: z.string(), userId: z.string(), held: z.boolean() }), 'Accepted'), ...problems(401, 403, 404, 409, 410, 422) },
})

export const invitationRoutes = createRouter('Invitations')
  .openapi(createInvitationRoute, async (c) => {
    const body = c.req.valid('json')
    authorize(c.var.access, manageFor(body.kind))
    return c.json({ invitation: await invite(c, c.var.access, body) }, 201)
  })
  .openapi(addMemberRoute, async (c) => {
    const body = c.req.valid('json')
    const invitation = await invite(c, c.var.access, { kind: 'member', email: body.email, level: body.level, roleIds: body.roles, scope: body.scope, accessEndsAt: body.accessEndsAt })
    return c.json({ invitation }, 201)
  })
  .openapi(listInvitationsRoute, async (c) => {
    const ctx = c.var.access
    const { status, kind } = c.req.valid('query')
    const viewFor = (k: 'member' | 'customer') => (k === 'member' ? 'staff.view' : 'customers.view') as Permission
    // A named kind needs its permission; otherwise every kind the caller may see (at least one).
    if (kind) authorize(ctx, viewFor(kind))
    const wanted = kind ? [kind] : (['member', 'customer'] as const).filter((k) => decide(ctx, viewFor(k)).ok)
    const items = await listInvitations(c.var.db, ctx.account.id, wanted, status === 'pending')
    return c.json({ items: await present(c, ctx.account.id, items) }, 200)
  })
  .openapi(resendInvitationRoute, async (c) => {
    const ctx = c.var.access
    const before = await invitationToManage(c, ctx, c.req.valid('param').inviteId)
    if (before.status === 'accepted' || before.status === 'revoked') throw new AppError('conflict', `This invitation was ${before.status}; it cannot be resent.`)
    await admitInvitation(c, ctx)
    const token = await resendInvitation(c.var.db, before.id)
    if (!token) throw new AppError('conflict', 'This invitation is no longer pending.')
    const invitation = (await getInvitation(c.var.db, ctx.account.id, before.id))!
    await sendInvitationEmail(c.env, c.var.db, ctx.account, ctx.principal.user, invitation, token)
    await audit(c, ctx.account, {
      type: 'invitation_resent',
      target: { kind: 'invitation', id: invitation.id, label: invitation.email },
      description: `${ctx.principal.user.email} resent the invitation of ${invitation.email}`,
    })
    return c.json({ invitation: (await present(c, ctx.account.id, [invitation]))[0]! }, 200)
  })
  .openapi(revokeInvitationRoute, async (c) => {
    const ctx = c.var.access
    const invitation = await invitationToManage(c, ctx, c.req.valid('param').inviteId)
    if (!(await revokeInvitation(c.var.db, invitation.id))) throw new AppError('conflict', `This invitation was already ${invitation.status}.`)
    await audit(c, ctx.account, {
      type: 'invitation_revoked',
      target: { kind: 'invitation', id: invitation.id, label: invitation.email },
      description: `${ctx.principal.user.email} revoked the invitation of ${invitation.email}`,
    })
    return c.body(null, 204)
  })
  .openapi(previewInvitationRoute, async (c) => {
    const inv = await findByToken(c.var.db, c.req.valid('param').token)
    await refuseForeignPortal(c, inv)
    refuseToken(inv)
    const roles = (await listRoles(c.var.db, inv.accountId)).filter((r) => inv.roleIds.includes(r.id)).map((r) => r.name)
    return c.json(
      {
        kind: inv.kind,
        email: inv.email,
        accountName: inv.account.name,
        inviterName: inv.inviter?.name ?? null,
        inviterEmail: inv.inviter?.email ?? null,
        level: inv.level,
        roles,
        suggestedName: inv.suggestedName,
        existingUser: Boolean(await findUserByEmail(c.var.db, inv.email)),
        expiresAt: inv.expiresAt,
        joins: await domainJoin(c, inv).then((j) => (j ? { accountName: j.owner.account.name, held: j.owner.policy === 'approve' } : null)),
        accessEndsAt: inv.accessEndsAt,
      },
      200,
    )
  })
  .openapi(acceptInvitationRoute, async (c) => {
    const token = c.req.valid('param').token
    const body = c.req.valid('json')
    const db = c.var.db
    const inv = await findByToken(db, token)
    await refuseForeignPortal(c, inv)
    refuseToken(inv)
    // The access it offered has already run out: accepting would grant nothing.
    if (inv.accessEndsAt !== null && inv.accessEndsAt <= Date.now()) throw new AppError('invitation_expired', 'The access this invitation offered has already ended. Ask the sender for a new one.')
    const join = await domainJoin(c, inv)
    if (inv.kind === 'customer' && !join && !body.organisationName) throw fieldError('validation_failed', 'organisationName', 'Name the organisation.')
    const principal = c.var.principal
    const existing = await findUserByEmail(db, inv.email)
    if (principal && normalizeEmail(principal.user.email) !== inv.email) {
      throw new AppError('email_mismatch', `This invitation is for ${inv.email}, but you are signed in as ${principal.user.email}. Sign out, then open the link again.`)
    }
    if (principal?.impersonation) throw new AppError('impersonation_restricted', 'An invitation cannot be accepted on someone else\'s behalf.')
    if (existing && !principal) throw new AppError('sign_in_required', `${inv.email} already has a login. Sign in, then accept the invitation.`)
    let newUser: { name: string; passwordHash: string } | undefined
    if (!existing) {
      if (!body.name) throw fieldError('validation_failed', 'name', 'Enter your name.')
      if (!body.password) throw fieldError('validation_failed', 'password', 'Choose a password.')
      newUser = { name: body.name, passwordHash: await chosenPasswordHash(c.env, body.password) }
    } else if (inv.kind === 'member' && (await isMember(db, inv.accountId, inv.email))) {
      throw new AppError('already_member', 'You are already a member of this account.')
    }
    // Roles deleted since the invitation was sent are dropped, not granted.
    const { unknown } = await resolveRoles(db, inv.accountId, inv.roleIds)
    const accepting = { ...inv, roleIds: inv.roleIds.filter((r) => !unknown.includes(r)) }
    const result = await acceptInvitation(db, token, accepting, { existingUserId: existing?.id ?? null, newUser, organisationName: body.organisationName, join: join ?? undefined })
    const actor = { id: result.userId, email: inv.email }
    if (join && result.joined) {
      await audit(c, join.owner.account, {
        type: result.joined.held ? 'join_requested' : 'member_joined',
        actor,
        subject: actor,
        target: result.joined.held ? { kind: 'join_request', id: result.membershipId, label: inv.email } : { kind: 'member', id: result.membershipId, label: inv.email },
        description: result.joined.held
          ? `${inv.email} accepted ${inv.account.name}'s invitation; the verified domain ${join.owner.domain} holds them for ${join.owner.account.name}'s approval`
          : `${inv.email} accepted ${inv.account.name}'s invitation and joined ${join.owner.account.name} as a user through its verified domain ${join.owner.domain}`,
      })
    } else if (inv.kind === 'customer') {
      const account = { id: result.accountId, path: `${inv.account.path}${result.accountId}/` }
      await audit(c, account, {
        type: 'account_created',
        actor,
        target: { kind: 'account', id: result.accountId, label: body.organisationName! },
        description: `${inv.email} accepted ${inv.inviter?.email ?? 'a partner'}'s invitation and created ${body.organisationName} under ${inv.account.name}`,
      })
    } else {
      await audit(c, inv.account, {
        type: 'invitation_accepted',
        actor,
        subject: actor,
        target: { kind: 'member', id: result.membershipId, label: inv.email },
        description: `${inv.email} accepted the invitation to ${inv.account.name} as ${inv.level}`,
      })
    }
    if (!principal && !result.joined?.held) {
      await signInHere(c, result.userId)
    }
    return c.json({ accountId: result.accountId, userId: result.userId, held: Boolean(result.joined?.held) }, 201)
  })
