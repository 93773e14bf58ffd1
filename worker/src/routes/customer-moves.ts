import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import {
  acceptMove,
  cancelMove,
  closeSocketsAfterMove,
  declineMove,
  getMove,
  listMoves,
  movableOrganisations,
  moveByToken,
  ownerToAsk,
  requestMove,
  type TokenMove,
} from '../domain/customer-moves.ts'
import { activityLog } from '../domain/activity.ts'
import type { DB } from '../db.ts'
import { roomFor } from '../domain/invitations.ts'
import { LimitReached } from '../domain/limits.ts'
import { sendMoveRequestEmail } from '../domain/ownership-emails.ts'
import { overLimit } from '../domain/rate-limits.ts'
import type { Principal } from '../domain/sessions.ts'
import { normalizeEmail } from '../domain/users.ts'
import type { AppEnv } from '../env.ts'
import { AppError, fieldError, found, rateLimited } from '../errors.ts'
import { requirePermission, requireSignIn } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam, accountParams, TokenParam } from './schemas.ts'

/** Requests a reseller may send per hour (on top of its invitations' own budget). */
export const MOVE_WINDOW = { max: 30, windowMs: 60 * 60 * 1000 }

const resellerOnly = { kinds: ['reseller'] as const, detail: 'Only a reseller brings organisations under it.' }

const MoveRequest = z
  .object({
    id: z.string(),
    email: z.string(),
    /** `pending` until the owner accepts or the request expires: a declined request reads the same (nothing tells whether the email owns an organisation). */
    status: z.enum(['pending', 'expired', 'accepted', 'cancelled']),
    requestedBy: z.string().nullable(),
    createdAt: z.number(),
    expiresAt: z.number(),
    decidedAt: z.number().nullable(),
    /** The organisation that moved in (accepted requests only). */
    customer: z.object({ id: z.string(), name: z.string() }).nullable(),
  })
  .openapi('CustomerMoveRequest')

const MovePreview = z
  .object({
    reseller: z.object({ name: z.string() }),
    email: z.string(),
    expiresAt: z.number(),
    /** The signed-in person is the one it was sent to (and not acting for someone): they may answer. */
    forYou: z.boolean(),
    /** The organisations they own that could move (only when `forYou`). */
    organisations: z.array(z.object({ id: z.string(), name: z.string(), parentName: z.string().nullable() })),
  })
  .openapi('CustomerMovePreview')

const MoveParams = accountParams('moveId')

/** Refuse a link that opens nothing open, with the problem that says why. */
function refuseClosed(move: TokenMove | undefined, now = Date.now()): asserts move is TokenMove {
  if (!move || move.resellerStatus !== 'active') throw new AppError('offer_not_found', 'This link is not valid. Ask the partner for a new one.')
  if (move.status !== 'pending') throw new AppError('offer_closed', `This request was already ${move.status}.`)
  if (move.expiresAt <= now) throw new AppError('offer_expired', 'This request has expired. Ask the partner to send it again.')
}

/** The open request behind a link, for the person it was sent to, in person (who alone may answer it). */
async function moveToAnswer(db: DB, token: string, principal: Principal) {
  const move = await moveByToken(db, token)
  refuseClosed(move)
  if (principal.impersonation) throw new AppError('impersonation_restricted', 'Only the organisation’s owner in person may answer, not someone acting as them.')
  if (normalizeEmail(principal.user.email) !== move.email) throw new AppError('email_mismatch', `This request was sent to ${move.email}; sign in with that login to answer it.`)
  return move
}

async function logDecline<E extends AppEnv>(c: Context<E>, principal: Principal, move: TokenMove) {
  // Logged only in the person's own organisations: the reseller learns nothing from a refusal.
  for (const org of await movableOrganisations(c.var.db, principal.user.id, move.reseller.id)) {
    await audit(c, org, {
      type: 'customer_move_declined',
      target: { kind: 'account', id: org.id, label: org.name },
      description: `${principal.user.email} declined ${move.reseller.name}'s request to bring ${org.name} under it`,
    })
  }
}

const requestCustomerMoveRoute = route.post('/accounts/{id}/customer-moves', 'requestCustomerMove', requirePermission('customers.invite', resellerOnly), {
  request: { params: AccountParam, body: body(z.object({ email: z.string().trim().max(254).email('Enter a valid email address.') }).openapi('RequestCustomerMove')) }, responses: { 202: json(z.object({ request: MoveRequest }), 'Recorded; the owner is emailed when the address owns an organisation'), ...problems(422, 429) },
})
const listCustomerMovesRoute = route.get('/accounts/{id}/customer-moves', 'listCustomerMoves', requirePermission('customers.view', resellerOnly), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ items: z.array(MoveRequest) }), 'Requests') },
})
const cancelCustomerMoveRoute = route.delete('/accounts/{id}/customer-moves/{moveId}', 'cancelCustomerMove', requirePermission('customers.invite', resellerOnly), {
  request: { params: MoveParams }, responses: { 204: { description: 'Withdrawn' }, ...problems(404, 409) },
})
const previewCustomerMoveRoute = route.get('/customer-moves/{token}', 'previewCustomerMove', requireSignIn(), {
  request: { params: TokenParam }, responses: { 200: json(MovePreview, 'The request'), ...problems(404, 410) },
})
const acceptCustomerMoveRoute = route.post('/customer-moves/{token}/accept', 'acceptCustomerMove', requireSignIn(), {
  request: { params: TokenParam, body: body(z.object({ organisationId: z.string().min(1, 'Choose the organisation to move.').max(64) }).openapi('AcceptCustomerMove')) }, responses: { 200: json(z.object({ accountId: z.string() }).openapi('CustomerMoved'), 'Moved'), ...problems(403, 404, 410, 422) },
})
const declineCustomerMoveRoute = route.post('/customer-moves/{token}/decline', 'declineCustomerMove', requireSignIn(), {
  request: { params: TokenParam }, responses: { 204: { description: 'Declined' }, ...problems(403, 404, 410) },
})

export const customerMoveRoutes = createRouter('Customers')
  .openapi(requestCustomerMoveRoute, async (c) => {
    const ctx = c.var.access
    const { email } = c.req.valid('json')
    if (!(await roomFor(c.var.db, ctx.account.path, 'max_customers'))) throw new LimitReached('max_customers', ctx.account.path, 'email')
    const wait = await overLimit(c.var.db, `customer-move:${ctx.account.id}`, MOVE_WINDOW)
    if (wait !== null) throw rateLimited(wait, 'Too many requests from this account; try again later.')
    const created = await requestMove(c.var.db, { resellerId: ctx.account.id, email, requestedBy: ctx.principal.apiKey ? null : ctx.principal.user.id })
    const owner = await ownerToAsk(c.var.db, created.email, ctx.account.id)
    if (owner) await sendMoveRequestEmail(c.env, c.var.db, ctx.account, ctx.principal.user, { to: { email: created.email }, token: created.token, expiresAt: created.expiresAt })
    await audit(c, ctx.account, {
      type: 'customer_move_requested',
      target: { kind: 'customer_move', id: created.id, label: created.email },
      description: `${ctx.principal.user.email} asked ${created.email} to bring their organisation under ${ctx.account.name}`,
    })
    return c.json({ request: (await getMove(c.var.db, ctx.account.id, created.id))! }, 202)
  })
  .openapi(listCustomerMovesRoute, async (c) => c.json({ items: await listMoves(c.var.db, c.var.access.account.id) }, 200))
  .openapi(cancelCustomerMoveRoute, async (c) => {
    const ctx = c.var.access
    const { moveId } = c.req.valid('param')
    const move = found(await getMove(c.var.db, ctx.account.id, moveId), 'No request with that id.')
    if (!(await cancelMove(c.var.db, ctx.account.id, moveId))) throw new AppError('conflict', `This request is ${move.status}; it cannot be withdrawn.`)
    await audit(c, ctx.account, {
      type: 'customer_move_cancelled',
      target: { kind: 'customer_move', id: move.id, label: move.email },
      description: `${ctx.principal.user.email} withdrew the request to ${move.email}`,
    })
    return c.body(null, 204)
  })
  .openapi(previewCustomerMoveRoute, async (c) => {
    const move = await moveByToken(c.var.db, c.req.valid('param').token)
    refuseClosed(move)
    const principal = c.var.signedIn
    const forYou = !principal.impersonation && normalizeEmail(principal.user.email) === move.email
    const organisations = forYou ? await movableOrganisations(c.var.db, principal.user.id, move.reseller.id) : []
    return c.json(
      { reseller: { name: move.reseller.name }, email: move.email, expiresAt: move.expiresAt, forYou, organisations: organisations.map((o) => ({ id: o.id, name: o.name, parentName: o.parentName })) },
      200,
    )
  })
  .openapi(acceptCustomerMoveRoute, async (c) => {
    const token = c.req.valid('param').token
    const principal = c.var.signedIn
    const move = await moveToAnswer(c.var.db, token, principal)
    const { organisationId } = c.req.valid('json')
    const org = (await movableOrganisations(c.var.db, principal.user.id, move.reseller.id)).find((o) => o.id === organisationId)
    if (!org || !org.parentId) throw fieldError('not_found', 'organisationId', 'None of your organisations that could move has that id.')
    const outcome = await acceptMove(c.var.db, token, move, principal.user.id, { id: org.id, path: org.path, parentId: org.parentId })
    await closeSocketsAfterMove(c.env, c.var.db, org.id, outcome)
    // Its log forwards to the new parent from now on (what the old one was owed goes there first).
    await activityLog(c.env, org.id).rehome(outcome.newPath)
    const target = { kind: 'account', id: org.id, label: org.name }
    await audit(c, { id: org.id, path: outcome.newPath }, {
      type: 'customer_moved_in',
      target,
      description: `${principal.user.email} brought ${org.name} under ${move.reseller.name} (from ${org.parentName ?? 'its previous partner'}); partner access to its services is off`,
    })
    await audit(c, outcome.from, {
      type: 'customer_moved_out',
      target,
      description: `${principal.user.email} moved ${org.name} to another partner; it is no longer under ${org.parentName ?? 'this account'}`,
    })
    return c.json({ accountId: org.id }, 200)
  })
  .openapi(declineCustomerMoveRoute, async (c) => {
    const principal = c.var.signedIn
    const move = await moveToAnswer(c.var.db, c.req.valid('param').token, principal)
    if (!(await declineMove(c.var.db, move.id))) throw new AppError('offer_closed', 'This request is no longer open.')
    await logDecline(c, principal, move)
    return c.body(null, 204)
  })
