import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { handoffStatuses } from '../../../db/schema/ownership-moves.ts'
import { isOwnerInPerson, mayAnswerOffer, mayOfferOwnership } from '../authz/ownership.ts'
import { PASSWORD_MAX } from '../crypto/password-policy.ts'
import { getAccount } from '../domain/accounts.ts'
import type { DB } from '../db.ts'
import { liveRightsChanged } from '../domain/live.ts'
import { getMember } from '../domain/members.ts'
import { acceptHandoff, closeHandoff, handoffByToken, offerOwnership, openHandoff, type Handoff } from '../domain/ownership.ts'
import { sendHandoffEmail } from '../domain/ownership-emails.ts'
import type { Principal } from '../domain/sessions.ts'
import { findUserById } from '../domain/users.ts'
import type { AppEnv } from '../env.ts'
import { AppError, fieldError, found } from '../errors.ts'
import { requireAccount, requireSignIn, suspended, type Access } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { checkCurrentPassword } from '../middleware/password-guard.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam, TokenParam } from './schemas.ts'

const Person = z.object({ name: z.string(), email: z.string() })

const OwnershipOffer = z
  .object({
    id: z.string(),
    status: z.enum(handoffStatuses),
    from: Person,
    to: Person.extend({ membershipId: z.string() }),
    createdAt: z.number(),
    expiresAt: z.number(),
  })
  .openapi('OwnershipOffer')

const Ownership = z
  .object({
    /** The open offer, shown to the owner and to the admin it names (null for everyone else). */
    offer: z.union([OwnershipOffer, z.null()]),
    /** What the caller may do now (the same rules the API enforces). */
    allowed: z.object({ offer: z.boolean(), cancel: z.boolean(), answer: z.boolean() }),
  })
  .openapi('Ownership')

const OfferBody = z
  .object({
    memberId: z.string().min(1, 'Choose the admin who becomes owner.').max(64),
    password: z.string().min(1, 'Enter your password to confirm.').max(PASSWORD_MAX),
  })
  .openapi('OfferOwnership')

const OfferPreview = z
  .object({
    account: z.object({ id: z.string(), name: z.string() }),
    from: Person,
    to: z.object({ email: z.string() }),
    expiresAt: z.number(),
    /** The signed-in person is the admin it names (and not acting for someone): they may answer. */
    forYou: z.boolean(),
  })
  .openapi('OwnershipOfferPreview')

const view = (h: Handoff) => ({
  id: h.id,
  status: h.status,
  from: { name: h.from.name, email: h.from.email },
  to: { name: h.to.name, email: h.to.email, membershipId: h.to.membershipId },
  createdAt: h.createdAt,
  expiresAt: h.expiresAt,
})

const ownerCaller = (ctx: Access) => ({ accountId: ctx.account.id, via: ctx.via, impersonating: Boolean(ctx.principal.impersonation) })

/** Refuse a link that opens nothing open, with the problem that says why. */
function refuseClosed(h: Handoff | undefined): asserts h is Handoff {
  if (!h) throw new AppError('offer_not_found', 'This link is not valid. Ask the owner for a new one.')
  if (h.status === 'expired') throw new AppError('offer_expired', 'This offer has expired. Ask the owner to make it again.')
  if (h.status !== 'pending') throw new AppError('offer_closed', `This offer was ${h.status}.`)
}

/** The account's open offer, when it names the caller: only the person it names learns it exists (404 for anyone else). */
async function offerToMe(db: DB, ctx: Access) {
  const offer = found(await openHandoff(db, ctx.account.id), 'No offer of ownership is open.')
  if (offer.to.userId !== ctx.principal.user.id) throw new AppError('not_found', 'No offer of ownership is open.')
  return offer
}

/**
 * The named admin accepts, in person: one batch swaps the two levels; both
 * people's live sockets reconnect with their new rights (decision 011); the
 * account's log records it.
 */
async function accept<E extends AppEnv>(c: Context<E>, principal: Principal, h: Handoff) {
  const who = mayAnswerOffer({ userId: principal.user.id, impersonating: Boolean(principal.impersonation) }, h.to.userId)
  if (!who.ok) throw new AppError(who.code, who.detail)
  const account = await getAccount(c.var.db, h.accountId)
  if (!account) throw new AppError('offer_not_found', 'This link is not valid. Ask the owner for a new one.')
  if (account.blocked) throw suspended(account.blocked)
  await acceptHandoff(c.var.db, h, principal.user.id)
  await liveRightsChanged(c.env, c.var.db, [h.from.membershipId, h.to.membershipId])
  await audit(c, account, {
    type: 'ownership_transferred',
    target: { kind: 'account', id: account.id, label: account.name },
    subject: { id: h.from.userId, email: h.from.email },
    description: `${h.to.email} accepted ownership of ${account.name} from ${h.from.email}, who is now an admin`,
  })
  return { accountId: account.id }
}

/** The named admin declines: the offer closes and the owner's log says so. */
async function decline<E extends AppEnv>(c: Context<E>, principal: Principal, h: Handoff) {
  const who = mayAnswerOffer({ userId: principal.user.id, impersonating: Boolean(principal.impersonation) }, h.to.userId)
  if (!who.ok) throw new AppError(who.code, who.detail)
  if (!(await closeHandoff(c.var.db, h.id, 'declined'))) throw new AppError('offer_closed', 'This offer is no longer open.')
  await audit(c, h.account, {
    type: 'ownership_offer_declined',
    target: { kind: 'account', id: h.accountId, label: h.account.name },
    description: `${h.to.email} declined ownership of ${h.account.name}`,
  })
}

const answered = { 200: json(z.object({ accountId: z.string() }).openapi('OwnershipAccepted'), 'Accepted: you are the owner now'), ...problems(403, 404, 410) }

const getOwnershipRoute = route.get('/accounts/{id}/ownership', 'getOwnership', requireAccount(), {
  request: { params: AccountParam }, responses: { 200: json(Ownership, 'The offer and what the caller may do') },
})
const offerOwnershipRoute = route.post('/accounts/{id}/ownership/offer', 'offerOwnership', requireAccount(), {
  request: { params: AccountParam, body: body(OfferBody) }, responses: { 201: json(z.object({ offer: OwnershipOffer }), 'Offered; the link is emailed'), ...problems(403, 404, 409, 429) },
})
const cancelOwnershipOfferRoute = route.delete('/accounts/{id}/ownership/offer', 'cancelOwnershipOffer', requireAccount(), {
  request: { params: AccountParam }, responses: { 204: { description: 'Withdrawn' }, ...problems(403, 404) },
})
const acceptOwnershipInAppRoute = route.post('/accounts/{id}/ownership/offer/accept', 'acceptOwnershipInApp', requireAccount(), { request: { params: AccountParam }, responses: answered })
const declineOwnershipInAppRoute = route.post('/accounts/{id}/ownership/offer/decline', 'declineOwnershipInApp', requireAccount(), {
  request: { params: AccountParam }, responses: { 204: { description: 'Declined' }, ...problems(403, 404, 410) },
})
const previewOwnershipOfferRoute = route.get('/ownership-offers/{token}', 'previewOwnershipOffer', requireSignIn(), {
  request: { params: TokenParam }, responses: { 200: json(OfferPreview, 'The offer'), ...problems(404, 410) },
})
const acceptOwnershipOfferRoute = route.post('/ownership-offers/{token}/accept', 'acceptOwnershipOffer', requireSignIn(), { request: { params: TokenParam }, responses: answered })
const declineOwnershipOfferRoute = route.post('/ownership-offers/{token}/decline', 'declineOwnershipOffer', requireSignIn(), {
  request: { params: TokenParam }, responses: { 204: { description: 'Declined' }, ...problems(403, 404, 410) },
})

export const ownershipRoutes = createRouter('Ownership')
  .openapi(getOwnershipRoute, async (c) => {
    const ctx = c.var.access
    const offer = await openHandoff(c.var.db, ctx.account.id)
    const owner = isOwnerInPerson(ownerCaller(ctx), 'hand over ownership').ok
    const mine = Boolean(offer && !ctx.principal.impersonation && offer.to.userId === ctx.principal.user.id)
    return c.json({ offer: offer && (owner || mine) ? view(offer) : null, allowed: { offer: owner && !offer, cancel: owner && Boolean(offer), answer: mine } }, 200)
  })
  .openapi(offerOwnershipRoute, async (c) => {
    const ctx = c.var.access
    const { memberId, password } = c.req.valid('json')
    const owner = isOwnerInPerson(ownerCaller(ctx), 'hand over ownership')
    if (!owner.ok) throw new AppError(owner.code, owner.detail)
    const member = await getMember(c.var.db, ctx.account.id, memberId)
    if (!member) throw fieldError('not_found', 'memberId', 'No member with that id in this account.')
    const rule = mayOfferOwnership(ownerCaller(ctx), { level: member.level, self: member.user.id === ctx.principal.user.id })
    if (!rule.ok) throw rule.code === 'validation_failed' ? fieldError('validation_failed', 'memberId', rule.detail) : new AppError(rule.code, rule.detail)
    const self = await findUserById(c.var.db, ctx.principal.user.id)
    if (!self || !(await checkCurrentPassword(c, self, password))) throw fieldError('wrong_password', 'password', 'Your password is not correct.')
    const created = await offerOwnership(c.var.db, { accountId: ctx.account.id, fromMembershipId: ctx.via.membershipId, toMembershipId: member.id })
    const offer = (await openHandoff(c.var.db, ctx.account.id))!
    await sendHandoffEmail(c.env, c.var.db, ctx.account, ctx.principal.user, { to: member.user, token: created.token, expiresAt: created.expiresAt })
    await audit(c, ctx.account, {
      type: 'ownership_offered',
      target: { kind: 'member', id: member.id, label: member.user.email },
      subject: { id: member.user.id, email: member.user.email },
      description: `${ctx.principal.user.email} offered ownership of ${ctx.account.name} to ${member.user.email}`,
    })
    return c.json({ offer: view(offer) }, 201)
  })
  .openapi(cancelOwnershipOfferRoute, async (c) => {
    const ctx = c.var.access
    const owner = isOwnerInPerson(ownerCaller(ctx), 'withdraw the offer')
    if (!owner.ok) throw new AppError(owner.code, owner.detail)
    const offer = found(await openHandoff(c.var.db, ctx.account.id), 'No offer of ownership is open.')
    if (!(await closeHandoff(c.var.db, offer.id, 'cancelled'))) throw new AppError('not_found', 'No offer of ownership is open.')
    await audit(c, ctx.account, {
      type: 'ownership_offer_cancelled',
      target: { kind: 'member', id: offer.to.membershipId, label: offer.to.email },
      description: `${ctx.principal.user.email} withdrew the offer of ownership of ${ctx.account.name} to ${offer.to.email}`,
    })
    return c.body(null, 204)
  })
  .openapi(acceptOwnershipInAppRoute, async (c) => c.json(await accept(c, c.var.access.principal, await offerToMe(c.var.db, c.var.access)), 200))
  .openapi(declineOwnershipInAppRoute, async (c) => {
    const ctx = c.var.access
    await decline(c, ctx.principal, await offerToMe(c.var.db, ctx))
    return c.body(null, 204)
  })
  .openapi(previewOwnershipOfferRoute, async (c) => {
    const h = await handoffByToken(c.var.db, c.req.valid('param').token)
    refuseClosed(h)
    const principal = c.var.signedIn
    return c.json(
      {
        account: { id: h.accountId, name: h.account.name },
        from: { name: h.from.name, email: h.from.email },
        to: { email: h.to.email },
        expiresAt: h.expiresAt,
        forYou: !principal.impersonation && principal.user.id === h.to.userId,
      },
      200,
    )
  })
  .openapi(acceptOwnershipOfferRoute, async (c) => {
    const h = await handoffByToken(c.var.db, c.req.valid('param').token)
    refuseClosed(h)
    return c.json(await accept(c, c.var.signedIn, h), 200)
  })
  .openapi(declineOwnershipOfferRoute, async (c) => {
    const h = await handoffByToken(c.var.db, c.req.valid('param').token)
    refuseClosed(h)
    await decline(c, c.var.signedIn, h)
    return c.body(null, 204)
  })
