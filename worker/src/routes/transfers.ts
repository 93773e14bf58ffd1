import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv } from '../env.ts'
import type { DB } from '../db.ts'
import { serviceTypes } from '../../../db/schema/services.ts'
import { transferStatuses } from '../../../db/schema/transfers.ts'
import { customerMayPropose, mayCancel, ownerSide, type TransferCaller } from '../authz/transfers.ts'
import { getServiceInTree, serviceFacts } from '../domain/services.ts'
import { accountOf, closeTransfer, confirmTransfer, customerUnder, getTransfer, listTransfers, proposeTransfer, type TransferRow } from '../domain/transfers.ts'
import { AppError, fieldError, found } from '../errors.ts'
import { authorize, decide, requirePermission, type Access } from '../middleware/access.ts'
import { auditWithParent } from '../middleware/audit-tree.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam, accountParams } from './schemas.ts'
import { decodeTimeCursor, encodeTimeCursor } from './cursor.ts'

const Side = z.object({ id: z.string(), name: z.string(), confirmedBy: z.string().nullable(), confirmedAt: z.number().nullable() })
const TransferView = z
  .object({
    id: z.string(),
    service: z.object({ id: z.string().nullable(), name: z.string(), type: z.enum(serviceTypes) }),
    from: Side,
    to: Side,
    parentId: z.string(),
    note: z.string().nullable(),
    status: z.enum(transferStatuses),
    proposedBy: z.string(),
    closedBy: z.string().nullable(),
    reason: z.string().nullable(),
    createdAt: z.number(),
    closedAt: z.number().nullable(),
    allowed: z.object({ confirm: z.boolean(), decline: z.boolean(), cancel: z.boolean() }),
  })
  .openapi('Transfer')

const TransferParams = accountParams('tid')

const ProposeBody = z.object({
  serviceId: z.string().min(1, 'Choose a service.').max(64),
  toAccountId: z.string().min(1, 'Choose the customer that receives it.').max(64),
  note: z.string().trim().max(500).optional(),
})
const ReasonBody = z.object({ reason: z.string().trim().max(500).optional() })

const ListQuery = z.object({
  status: z.enum(transferStatuses).optional(),
  q: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(512).optional(),
})

const caller = (ctx: Access): TransferCaller => ({ accountId: ctx.account.id, via: ctx.via, impersonating: ctx.ceiling !== null })

function allowedOn(ctx: Access, t: TransferRow) {
  if (t.status !== 'pending') return { confirm: false, decline: false, cancel: false }
  const owner = ownerSide(caller(ctx), t)
  const mine = owner.ok ? (owner.side === 'from' ? t.fromConfirmedAt : t.toConfirmedAt) : null
  return {
    confirm: owner.ok && mine === null,
    decline: owner.ok,
    cancel: mayCancel(caller(ctx), t, decide(ctx, 'transfers.manage').ok).ok,
  }
}

function view(ctx: Access, t: TransferRow) {
  return {
    id: t.id,
    service: { id: t.serviceId, name: t.serviceName, type: t.serviceType as (typeof serviceTypes)[number] },
    from: { id: t.fromAccountId, name: t.fromName, confirmedBy: t.fromConfirmedBy, confirmedAt: t.fromConfirmedAt },
    to: { id: t.toAccountId, name: t.toName, confirmedBy: t.toConfirmedBy, confirmedAt: t.toConfirmedAt },
    parentId: t.parentId,
    note: t.note,
    status: t.status,
    proposedBy: t.proposedByEmail,
    closedBy: t.closedByEmail,
    reason: t.reason,
    createdAt: t.createdAt,
    closedAt: t.closedAt,
    allowed: allowedOn(ctx, t),
  }
}

/** A transfer this account takes part in (404 otherwise). */
async function transferOf(db: DB, ctx: Access, tid: string) {
  return found(await getTransfer(db, ctx.account.id, tid), 'No transfer with that id.')
}

/** A transfer the caller may confirm or decline, and for which side: the owner of one of its customers, in person. */
async function answerable(db: DB, ctx: Access, tid: string) {
  const t = await transferOf(db, ctx, tid)
  const owner = ownerSide(caller(ctx), t)
  if (!owner.ok) throw new AppError(owner.code, owner.detail)
  return { t, side: owner.side }
}

const target = (t: TransferRow) => ({ kind: 'service', id: t.serviceId ?? t.id, label: t.serviceName })
const what = (t: TransferRow) => `${t.serviceType.replace('_', ' ')} ${t.serviceName} from ${t.fromName} to ${t.toName}`

/** The event in the logs of both customers (and so their parent's). */
async function inBothLogs<E extends AppEnv>(c: Context<E>, t: TransferRow, type: 'transfer_proposed' | 'transfer_confirmed' | 'transfer_completed' | 'transfer_declined' | 'transfer_cancelled', description: string) {
  const [from, to] = await Promise.all([accountOf(c.var.db, t.fromAccountId), accountOf(c.var.db, t.toAccountId)])
  for (const account of [from, to]) if (account) await auditWithParent(c, account, { type, target: target(t), description })
}

const listTransfersRoute = route.get('/accounts/{id}/transfers', 'listTransfers', requirePermission('transfers.view'), {
  request: { params: AccountParam, query: ListQuery }, responses: { 200: json(z.object({ items: z.array(TransferView), nextCursor: z.string().nullable() }), 'One page') },
})
const proposeTransferRoute = route.post('/accounts/{id}/transfers', 'proposeTransfer', requirePermission('transfers.manage'), {
  request: { params: AccountParam, body: body(ProposeBody) }, responses: { 201: json(z.object({ transfer: TransferView }), 'Proposed'), ...problems(409) },
})
const getTransferRoute = route.get('/accounts/{id}/transfers/{tid}', 'getTransfer', requirePermission('transfers.view'), {
  request: { params: TransferParams }, responses: { 200: json(z.object({ transfer: TransferView }), 'The transfer') },
})
const confirmTransferRoute = route.post('/accounts/{id}/transfers/{tid}/confirm', 'confirmTransfer', requirePermission('transfers.view'), {
  request: { params: TransferParams }, responses: { 200: json(z.object({ transfer: TransferView }), 'Confirmed (and maybe completed)'), ...problems(409, 422) },
})
const declineTransferRoute = route.post('/accounts/{id}/transfers/{tid}/decline', 'declineTransfer', requirePermission('transfers.view'), {
  request: { params: TransferParams, body: body(ReasonBody) }, responses: { 200: json(z.object({ transfer: TransferView }), 'Declined'), ...problems(409) },
})
const cancelTransferRoute = route.post('/accounts/{id}/transfers/{tid}/cancel', 'cancelTransfer', requirePermission('transfers.view'), {
  request: { params: TransferParams, body: body(ReasonBody) }, responses: { 200: json(z.object({ transfer: TransferView }), 'Cancelled'), ...problems(409) },
})

export const transfersRouter = createRouter('Transfers')
  .openapi(listTransfersRoute, async (c) => {
    const ctx = c.var.access
    const q = c.req.valid('query')
    const page = await listTransfers(c.var.db, { accountId: ctx.account.id, status: q.status, q: q.q, limit: q.limit, after: q.cursor ? decodeTimeCursor(q.cursor) : undefined })
    return c.json({ items: page.items.map((t) => view(ctx, t)), nextCursor: page.next ? encodeTimeCursor(page.next) : null }, 200)
  })
  .openapi(proposeTransferRoute, async (c) => {
    const ctx = c.var.access
    const input = c.req.valid('json')
    const fromCustomer = ctx.account.kind === 'customer'
    if (fromCustomer) {
      const may = customerMayPropose(caller(ctx))
      if (!may.ok) throw new AppError(may.code, may.detail)
    }
    const parentId = fromCustomer ? ctx.account.parentId : ctx.account.id
    if (!parentId) throw new AppError('not_found', 'No customer with that id.')
    const service = found(await getServiceInTree(c.var.db, ctx.account.path, input.serviceId), 'No service with that id.')
    authorize(ctx, 'services.view', serviceFacts(service), { id: service.accountId, path: service.accountPath, kind: service.accountKind })
    const from = await customerUnder(c.var.db, parentId, service.accountId)
    if (!from) throw fieldError('validation_failed', 'serviceId', 'Only a service of one of your customers can be transferred.')
    // Another parent's customer, a reseller, a deleted account: all "not found", so ids of other tenants cannot be probed.
    const to = await customerUnder(c.var.db, parentId, input.toAccountId)
    if (!to) throw new AppError('not_found', 'No customer with that id.')
    if (to.id === from.id) throw fieldError('validation_failed', 'toAccountId', 'Choose a different customer from the one that has the service.')
    const id = await proposeTransfer(c.var.db, {
      parentId,
      service: { id: service.id, name: service.name, type: service.type },
      from: { id: from.id, name: from.name },
      to: { id: to.id, name: to.name },
      note: input.note || null,
      by: ctx.principal.user.email,
      proposedFromId: ctx.account.id,
      fromConfirmed: fromCustomer,
    })
    const t = (await getTransfer(c.var.db, ctx.account.id, id))!
    await inBothLogs(c, t, 'transfer_proposed', `${ctx.principal.user.email} proposed moving the ${what(t)}`)
    return c.json({ transfer: view(ctx, t) }, 201)
  })
  .openapi(getTransferRoute, async (c) => {
    const ctx = c.var.access
    const t = await transferOf(c.var.db, ctx, c.req.valid('param').tid)
    return c.json({ transfer: view(ctx, t) }, 200)
  })
  .openapi(confirmTransferRoute, async (c) => {
    const ctx = c.var.access
    const { t, side } = await answerable(c.var.db, ctx, c.req.valid('param').tid)
    const destination = (await accountOf(c.var.db, t.toAccountId))!
    const outcome = await confirmTransfer(c.var.db, t, side, ctx.principal.user.email, destination.path)
    const after = (await getTransfer(c.var.db, ctx.account.id, t.id))!
    await inBothLogs(c, after, 'transfer_confirmed', `${ctx.principal.user.email} confirmed, for ${side === 'from' ? after.fromName : after.toName}, moving the ${what(after)}`)
    if (outcome === 'completed') await inBothLogs(c, after, 'transfer_completed', `The ${what(after)} moved: both owners confirmed`)
    return c.json({ transfer: view(ctx, after) }, 200)
  })
  .openapi(declineTransferRoute, async (c) => {
    const ctx = c.var.access
    const { t, side } = await answerable(c.var.db, ctx, c.req.valid('param').tid)
    const reason = c.req.valid('json').reason || null
    await closeTransfer(c.var.db, t.id, 'declined', ctx.principal.user.email, reason)
    const after = (await getTransfer(c.var.db, ctx.account.id, t.id))!
    await inBothLogs(c, after, 'transfer_declined', `${ctx.principal.user.email} declined, for ${side === 'from' ? after.fromName : after.toName}, moving the ${what(after)}`)
    return c.json({ transfer: view(ctx, after) }, 200)
  })
  .openapi(cancelTransferRoute, async (c) => {
    const ctx = c.var.access
    const t = await transferOf(c.var.db, ctx, c.req.valid('param').tid)
    const may = mayCancel(caller(ctx), t, decide(ctx, 'transfers.manage').ok)
    if (!may.ok) throw new AppError(may.code, may.detail)
    await closeTransfer(c.var.db, t.id, 'cancelled', ctx.principal.user.email, c.req.valid('json').reason || null)
    const after = (await getTransfer(c.var.db, ctx.account.id, t.id))!
    await inBothLogs(c, after, 'transfer_cancelled', `${ctx.principal.user.email} cancelled moving the ${what(after)}`)
    return c.json({ transfer: view(ctx, after) }, 200)
  })
