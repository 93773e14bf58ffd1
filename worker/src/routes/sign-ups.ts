import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { signupModes } from '../../../db/schema/sign-ups.ts'
import { mailerFor } from '../adapters/email.ts'
import { PASSWORD_MAX } from '../crypto/password-policy.ts'
import { answerFloor } from '../domain/answer-floor.ts'
import { chosenPasswordHash } from '../domain/credentials.ts'
import { sha256Hex } from '../crypto/tokens.ts'
import { getAccount } from '../domain/accounts.ts'
import { domainOwnerFor } from '../domain/email-domains.ts'
import { emailBrandFor, inRecipientLanguage } from '../domain/emails.ts'
import { LimitReached } from '../domain/limits.ts'
import { resolveRoles } from '../domain/roles.ts'
import { clientOf, SIGNUP_LIMITS } from '../domain/sign-in-limits.ts'
import { signupEmail, signupExistingLoginEmail, signupDecidedEmail } from '../domain/signup-emails.ts'
import {
  approveSignup,
  completeSignup,
  createSignup,
  declineSignup,
  dropSignup,
  findSignup,
  getPendingSignup,
  listPendingSignups,
  pendingSignupOwner,
  roomForCustomer,
  setSignupMode,
  signupMode,
  signupPortal,
  type SignupPortal,
} from '../domain/signups.ts'
import { claimAttempt } from '../domain/throttles.ts'
import { findUserByEmail, normalizeEmail } from '../domain/users.ts'
import type { AppEnv } from '../env.ts'
import { AppError, found, rateLimited } from '../errors.ts'
import { audit, type AuditEntry } from '../middleware/audit.ts'
import { requirePermission } from '../middleware/access.ts'
import { signInHere } from '../middleware/session.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam, accountParams, TokenParam } from './schemas.ts'

/** Every answer to a sign-up request takes at least this long, new email or known: the difference hides inside it. */
const SIGNUP_ANSWER_FLOOR_MS = 250

const SignupRequest = z
  .object({
    email: z.string().trim().min(1, 'Enter your email address.').max(254).email('Enter a valid email address.'),
    name: z.string().trim().min(1, 'Enter your name.').max(120, 'At most 120 characters.'),
    password: z.string().min(1, 'Choose a password.').max(PASSWORD_MAX),
    organisationName: z.string().trim().min(1, 'Name your organisation.').max(120, 'At most 120 characters.'),
  })
  .openapi('SignupRequest')

const SignupAvailability = z
  .object({
    /** Whether this portal takes sign-ups. */
    open: z.boolean(),
    /** `approval`: new organisations wait for the portal's owner; `open`: they start at once. */
    mode: z.enum(signupModes),
    portalName: z.string(),
  })
  .openapi('SignupAvailability')

const SignupPreview = z
  .object({
    email: z.string(),
    name: z.string(),
    organisationName: z.string(),
    portalName: z.string(),
    /**
     * What confirming does: `create` the organisation (`pending` while it waits for approval), or `join` the
     * organisation that verified the email's domain (`held` until one of its admins approves).
     */
    outcome: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('create'), pending: z.boolean() }),
      z.object({ kind: z.literal('join'), accountName: z.string(), held: z.boolean() }),
    ]),
    expiresAt: z.number(),
  })
  .openapi('SignupPreview')

const SignupResult = z
  .object({
    /** `created` (signed in), `pending` (the organisation waits for approval), `joined` (signed in), `held` (waits for the organisation's admins). */
    status: z.enum(['created', 'pending', 'joined', 'held']),
    /** The account to open when signed in; null while waiting. */
    accountId: z.string().nullable(),
    /** The organisation created, or joined (or asked to join) through its verified domain. */
    accountName: z.string(),
    /** The portal's account, which approves a pending organisation. */
    portalName: z.string(),
  })
  .openapi('SignupResult')

const PendingSignup = z
  .object({ accountId: z.string(), name: z.string(), email: z.string(), ownerName: z.string().nullable(), createdAt: z.number() })
  .openapi('PendingSignup')

const SignupSettings = z.object({ mode: z.enum(signupModes) }).openapi('SignupSettings')

const ApprovalParams = accountParams('accountId')

const portalsOnly = { kinds: ['platform', 'reseller'], detail: 'Only the platform and resellers take sign-ups.' } as const

/** The portal of this request's host (a verified reseller hostname, else the platform), when it takes sign-ups. */
async function openPortal(c: Context<AppEnv>): Promise<SignupPortal & { mode: 'approval' | 'open' }> {
  const portal = await signupPortal(c.var.db, c.var.hostBrand.reseller)
  if (!portal || portal.mode === 'off') throw new AppError('signup_closed', 'This portal does not take sign-ups. Ask your provider for an invitation.')
  return portal as SignupPortal & { mode: 'approval' | 'open' }
}

/** Where a person at this email lands, with the default role they would get. */
async function landing(c: Context<AppEnv>, email: string, parentPath: string) {
  const owner = await domainOwnerFor(c.var.db, email, parentPath)
  if (!owner) return { owner: null, roleIds: [] as string[] }
  const roleIds = owner.defaultRole ? [owner.defaultRole] : []
  // A role deleted since the owner chose it is dropped, not granted.
  const { unknown } = await resolveRoles(c.var.db, owner.account.id, roleIds)
  return { owner, roleIds: roleIds.filter((r) => !unknown.includes(r)) }
}

const getSignupAvailabilityRoute = route.get('/signup', 'getSignupAvailability', { responses: { 200: json(SignupAvailability, 'Availability') } })
const requestSignupRoute = route.post('/signup', 'requestSignup', {
  request: { body: body(SignupRequest) }, responses: { 202: json(z.object({ sent: z.literal(true) }), 'The confirmation link is sent to the email (or, for an address with a login, a note to sign in instead)'), ...problems(403, 422, 429) },
})
const previewSignupRoute = route.get('/signup/{token}', 'previewSignup', {
  request: { params: TokenParam }, responses: { 200: json(SignupPreview, 'The link works'), ...problems(404, 410) },
})
const completeSignupRoute = route.post('/signup/{token}/complete', 'completeSignup', {
  request: { params: TokenParam }, responses: { 201: json(SignupResult, 'Done'), ...problems(403, 404, 409, 410, 422) },
})
const getSignupSettingsRoute = route.get('/accounts/{id}/signup-settings', 'getSignupSettings', requirePermission('settings.view', portalsOnly), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ settings: SignupSettings }), 'The setting') },
})
const updateSignupSettingsRoute = route.put('/accounts/{id}/signup-settings', 'updateSignupSettings', requirePermission('settings.manage', portalsOnly), {
  request: { params: AccountParam, body: body(SignupSettings) }, responses: { 200: json(z.object({ settings: SignupSettings }), 'Saved') },
})
const listPendingSignupsRoute = route.get('/accounts/{id}/signups', 'listPendingSignups', requirePermission('customers.view', portalsOnly), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ items: z.array(PendingSignup) }), 'Pending sign-ups') },
})
const approveSignupRoute = route.post('/accounts/{id}/signups/{accountId}/approve', 'approveSignup', requirePermission('customers.manage', portalsOnly), {
  request: { params: ApprovalParams }, responses: { 200: json(z.object({ accountId: z.string() }), 'Approved') },
})
const declineSignupRoute = route.post('/accounts/{id}/signups/{accountId}/decline', 'declineSignup', requirePermission('customers.manage', portalsOnly), {
  request: { params: ApprovalParams }, responses: { 204: { description: 'Declined' } },
})

export const signupRoutes = createRouter('Sign-up')
  .openapi(getSignupAvailabilityRoute, async (c) => {
    const portal = await signupPortal(c.var.db, c.var.hostBrand.reseller)
    return c.json({ open: Boolean(portal && portal.mode !== 'off'), mode: portal?.mode ?? 'off', portalName: c.var.hostBrand.brand.name }, 200)
  })
  .openapi(requestSignupRoute, async (c) => {
    const floor = answerFloor(SIGNUP_ANSWER_FLOOR_MS)
    const input = c.req.valid('json')
    const db = c.var.db
    const portal = await openPortal(c)
    const claim = await claimAttempt(db, [
      { key: `signup:email:${sha256Hex(normalizeEmail(input.email))}`, policy: SIGNUP_LIMITS.email },
      { key: `signup:client:${clientOf(c.var.clientIp)}`, policy: SIGNUP_LIMITS.client },
    ])
    if (!claim.allowed) throw rateLimited(claim.retryAfterMs, (seconds) => `Too many sign-ups. Try again in ${seconds} seconds.`)
    // The same checks whoever the email is: the answer depends on the portal, never on the address.
    const passwordHash = await chosenPasswordHash(c.env, input.password)
    const email = normalizeEmail(input.email)
    const { owner } = await landing(c, email, portal.account.path)
    if (!owner && !(await roomForCustomer(db, portal.account.path))) throw new LimitReached('max_customers', portal.account.path)
    const existing = await findUserByEmail(db, email)
    const { brand, origin } = await emailBrandFor(db, portal.account.kind === 'platform' ? '/' : portal.account.path, c.env.PUBLIC_ORIGIN)
    const created = await createSignup(db, { parentAccountId: portal.account.id, email, name: input.name, passwordHash, organisationName: input.organisationName })
    const message = await inRecipientLanguage(c.var.db, email, brand, () => (existing ? signupExistingLoginEmail(brand, origin, email) : signupEmail(brand, origin, email, created.token, created.expiresAt)))
    if (existing) {
      // A known address creates nothing: the row just written is dropped again (the same writes either way).
      await dropSignup(db, created.token)
    }
    try {
      await mailerFor(c.env, db).send(message)
    } catch (error) {
      // The answer must not differ; the person can ask again.
      console.error('sign-up email failed', error)
    }
    await audit(c, portal.account, {
      type: 'signup_requested',
      actor: null,
      description: `Someone asked to sign up on the ${portal.account.name} portal${portal.mode === 'approval' ? ' (pending approval)' : ''}`,
    })
    await floor()
    return c.json({ sent: true as const }, 202)
  })
  .openapi(previewSignupRoute, async (c) => {
    const signup = await findSignup(c.var.db, c.req.valid('param').token)
    const mode = await signupMode(c.var.db, signup.parentId)
    const { owner } = await landing(c, signup.email, signup.parentPath)
    return c.json(
      {
        email: signup.email,
        name: signup.name,
        organisationName: signup.organisationName,
        portalName: signup.parentName,
        outcome: owner ? { kind: 'join' as const, accountName: owner.account.name, held: owner.policy === 'approve' } : { kind: 'create' as const, pending: mode !== 'open' },
        expiresAt: signup.expiresAt,
      },
      200,
    )
  })
  .openapi(completeSignupRoute, async (c) => {
    const token = c.req.valid('param').token
    const db = c.var.db
    const signup = await findSignup(db, token)
    const portal = await signupPortal(db, { id: signup.parentId })
    if (!portal || portal.mode === 'off') throw new AppError('signup_closed', 'This portal no longer takes sign-ups.')
    if (c.var.hostBrand.reseller && c.var.hostBrand.reseller.id !== portal.account.id) throw new AppError('signup_link_invalid', 'This sign-up link belongs to another portal.')
    if (await findUserByEmail(db, signup.email)) throw new AppError('signup_link_used', `${signup.email} already has a login. Sign in instead.`)
    const { owner, roleIds } = await landing(c, signup.email, signup.parentPath)
    const outcome = await completeSignup(db, token, signup, { pending: portal.mode === 'approval', owner, roleIds })
    const actor = { id: outcome.userId, email: signup.email }
    let status: 'created' | 'pending' | 'joined' | 'held'
    let entry: AuditEntry
    if (outcome.kind === 'created') {
      status = outcome.pending ? 'pending' : 'created'
      entry = {
        type: 'account_created',
        target: { kind: 'account', id: outcome.accountId, label: signup.organisationName },
        description: outcome.pending
          ? `${signup.email} signed up and created ${signup.organisationName} under ${signup.parentName}, waiting for approval`
          : `${signup.email} signed up and created ${signup.organisationName} under ${signup.parentName}`,
      }
    } else if (outcome.kind === 'joined') {
      status = 'joined'
      entry = {
        type: 'member_joined',
        subject: actor,
        target: { kind: 'member', id: outcome.membershipId, label: signup.email },
        description: `${signup.email} signed up and joined ${owner!.account.name} as a user through its verified domain ${owner!.domain}`,
      }
    } else {
      status = 'held'
      entry = {
        type: 'join_requested',
        subject: actor,
        target: { kind: 'join_request', id: outcome.requestId, label: signup.email },
        description: `${signup.email} signed up with the verified domain ${owner!.domain} of ${owner!.account.name} and waits for approval`,
      }
    }
    await audit(c, { id: outcome.accountId, path: outcome.accountPath }, { ...entry, actor })
    const opens = status === 'created' || status === 'joined'
    if (opens && !c.var.principal) {
      await signInHere(c, outcome.userId)
    }
    const accountName = outcome.kind === 'created' ? signup.organisationName : owner!.account.name
    return c.json({ status, accountId: opens ? outcome.accountId : null, accountName, portalName: signup.parentName }, 201)
  })
  .openapi(getSignupSettingsRoute, async (c) => c.json({ settings: { mode: await signupMode(c.var.db, c.var.access.account.id) } }, 200))
  .openapi(updateSignupSettingsRoute, async (c) => {
    const ctx = c.var.access
    const { mode } = c.req.valid('json')
    await setSignupMode(c.var.db, ctx.account.id, mode)
    const words = { off: 'closed sign-up', approval: 'opened sign-up with approval', open: 'opened sign-up' }[mode]
    await audit(c, ctx.account, { type: 'signup_settings_updated', target: { kind: 'account', id: ctx.account.id, label: ctx.account.name }, description: `${ctx.principal.user.email} ${words} on the ${ctx.account.name} portal` })
    return c.json({ settings: { mode } }, 200)
  })
  .openapi(listPendingSignupsRoute, async (c) => c.json({ items: await listPendingSignups(c.var.db, c.var.access.account.id) }, 200))
  .openapi(approveSignupRoute, async (c) => {
    const ctx = c.var.access
    const pending = found(await getPendingSignup(c.var.db, ctx.account.id, c.req.valid('param').accountId), 'No pending sign-up with that id.')
    await approveSignup(c.var.db, ctx.account, pending.accountId)
    const account = (await getAccount(c.var.db, pending.accountId))!
    await audit(c, ctx.account, {
      type: 'signup_approved',
      target: { kind: 'account', id: account.id, label: account.name },
      description: `${ctx.principal.user.email} approved the sign-up of ${account.name} (${pending.email})`,
    })
    await notifyDecision(c, account.path, pending.email, account.name, true)
    return c.json({ accountId: account.id }, 200)
  })
  .openapi(declineSignupRoute, async (c) => {
    const ctx = c.var.access
    const pending = found(await getPendingSignup(c.var.db, ctx.account.id, c.req.valid('param').accountId), 'No pending sign-up with that id.')
    await declineSignup(c.var.db, ctx.account.id, pending.accountId, await pendingSignupOwner(c.var.db, pending.accountId))
    await audit(c, ctx.account, {
      type: 'signup_declined',
      target: { kind: 'account', id: pending.accountId, label: pending.name },
      description: `${ctx.principal.user.email} declined the sign-up of ${pending.name} (${pending.email})`,
    })
    await notifyDecision(c, ctx.account.path, pending.email, pending.name, false)
    return c.body(null, 204)
  })

/** Tell the person who signed up what was decided (a failed email never fails the decision). */
async function notifyDecision<E extends AppEnv>(c: Context<E>, path: string, email: string, organisation: string, approved: boolean) {
  try {
    const { brand, origin } = await emailBrandFor(c.var.db, path, c.env.PUBLIC_ORIGIN)
    await mailerFor(c.env, c.var.db).send(await inRecipientLanguage(c.var.db, email, brand, () => signupDecidedEmail(brand, origin, email, organisation, approved)))
  } catch (error) {
    console.error('sign-up decision email failed', error)
  }
}

