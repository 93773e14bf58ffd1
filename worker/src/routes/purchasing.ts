import { z } from '@hono/zod-openapi'
import { orderStatuses, planPeriods } from '../../../db/schema/billing.ts'
import { serviceTypes } from '../../../db/schema/services.ts'
import { formatMoney } from '../domain/billing.ts'
import { emailOrderDecided, emailOrderPlaced } from '../domain/purchasing-emails.ts'
import {
  approveOrder,
  cancelOrder,
  createPlan,
  declineOrder,
  getOrder,
  getPlan,
  listOrders,
  listPlans,
  orderLogs,
  placeOrder,
  updatePlan,
  type OrderRow,
} from '../domain/purchasing.ts'
import { found } from '../errors.ts'
import { decide, requirePermission, type Access, type AccessEnv } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import type { Context } from 'hono'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { AccountParam, accountParams } from './schemas.ts'

const SELLERS = { kinds: ['platform', 'reseller'] as const, detail: 'Only the platform and resellers publish a catalogue.' }
const BUYERS = { kinds: ['reseller', 'customer'] as const, detail: 'The platform has no parent to order from.' }

const Currency = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, 'Use a three-letter currency code, such as EUR.')
  .transform((c) => c.toUpperCase())
const PlanName = z.string().trim().min(1, 'Enter a name.').max(80)
const Price = z.number().int('Give the price in minor units (cents), a whole number.').min(0).max(100_000_000)

const PlanView = z
  .object({
    id: z.string(),
    name: z.string(),
    serviceType: z.enum(serviceTypes),
    priceMinor: z.number().int(),
    currency: z.string(),
    period: z.enum(planPeriods),
    active: z.boolean(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .openapi('Plan')

const PlanBody = z.object({ name: PlanName, serviceType: z.enum(serviceTypes), priceMinor: Price, currency: Currency, period: z.enum(planPeriods), active: z.boolean().default(true) })
const PlanPatch = z.object({ name: PlanName.optional(), priceMinor: Price.optional(), currency: Currency.optional(), period: z.enum(planPeriods).optional(), active: z.boolean().optional() })

const OrderView = z
  .object({
    id: z.string(),
    status: z.enum(orderStatuses),
    plan: z.object({ id: z.string().nullable(), name: z.string(), serviceType: z.enum(serviceTypes), priceMinor: z.number().int(), currency: z.string(), period: z.enum(planPeriods) }),
    serviceName: z.string().nullable(),
    buyer: z.object({ id: z.string(), name: z.string() }),
    seller: z.object({ id: z.string(), name: z.string() }),
    orderedBy: z.string(),
    decidedBy: z.string().nullable(),
    decidedAt: z.number().nullable(),
    reason: z.string().nullable(),
    serviceId: z.string().nullable(),
    createdAt: z.number(),
    allowed: z.object({ cancel: z.boolean(), decide: z.boolean() }),
  })
  .openapi('Order')

const OrderQuery = z.object({
  status: z.enum(orderStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(512).optional(),
})
const OrderPage = z.object({ items: z.array(OrderView), nextCursor: z.string().nullable() })

const PlanParams = accountParams('planId')
const OrderParams = accountParams('orderId')

type Order = NonNullable<OrderRow>

function planView(p: NonNullable<Awaited<ReturnType<typeof getPlan>>>) {
  return { id: p.id, name: p.name, serviceType: p.serviceType, priceMinor: p.priceMinor, currency: p.currency, period: p.period, active: p.active, createdAt: p.createdAt, updatedAt: p.updatedAt }
}

/** An order as the caller in `ctx.account` sees it, with what they may do to it there. */
function orderView(ctx: Access, o: Order) {
  const pending = o.status === 'pending'
  return {
    id: o.id,
    status: o.status,
    plan: { id: o.planId, name: o.planName, serviceType: o.serviceType, priceMinor: o.priceMinor, currency: o.currency, period: o.period },
    serviceName: o.serviceName,
    buyer: { id: o.buyerAccountId, name: o.buyerName },
    seller: { id: o.sellerAccountId, name: o.sellerName },
    orderedBy: o.orderedByEmail,
    decidedBy: o.decidedByEmail,
    decidedAt: o.decidedAt,
    reason: o.reason,
    serviceId: o.serviceId,
    createdAt: o.createdAt,
    allowed: {
      cancel: pending && ctx.account.id === o.buyerAccountId && decide(ctx, 'purchasing.buy').ok,
      decide: pending && ctx.account.id === o.sellerAccountId && decide(ctx, 'purchasing.manage').ok,
    },
  }
}

/** Cursors over (created_at, id), newest first. */
const encodeOrderCursor = (c: { at: number; id: string }) => encodeCursor({ name: String(c.at), id: c.id })
function decodeOrderCursor(raw: string) {
  const c = decodeCursor(raw)
  return { at: Number(c.name) || 0, id: c.id }
}

const price = (o: Order) => `${formatMoney(o.priceMinor, o.currency)}/${o.period === 'yearly' ? 'year' : 'month'}`
const orderTarget = (o: Order) => ({ kind: 'order', id: o.id, label: o.planName })

/** The order's event in the buyer's and the seller's logs (each once). */
async function recordOrder(c: Context<AccessEnv>, o: Order, type: 'order_placed' | 'order_cancelled' | 'order_approved' | 'order_declined', description: string) {
  for (const account of orderLogs(o)) await audit(c, account, { type, target: orderTarget(o), description })
}

/** Email best effort: the order's state is already durable and logged. */
async function tell(what: Promise<unknown>) {
  try {
    await what
  } catch (error) {
    console.error('order email failed', error)
  }
}

/** The seller decided an order: both accounts' logs record it, its buyer is emailed; the answer is the order as the caller sees it. */
async function decided(c: Context<AccessEnv>, order: Order, type: 'order_approved' | 'order_declined', description: string) {
  await recordOrder(c, order, type, description)
  await tell(emailOrderDecided(c.env, c.var.db, order))
  return { order: orderView(c.var.access, order) }
}

/** One page of the orders the route's account placed (`buyer`) or received (`seller`), newest first. */
async function orderPage(c: Context<AccessEnv>, side: 'buyer' | 'seller', q: z.infer<typeof OrderQuery>) {
  const ctx = c.var.access
  const page = await listOrders(c.var.db, { accountId: ctx.account.id, side, status: q.status, limit: q.limit, after: q.cursor ? decodeOrderCursor(q.cursor) : undefined })
  return { items: page.items.map((o) => orderView(ctx, o)), nextCursor: page.next ? encodeOrderCursor(page.next) : null }
}

/** The order `{orderId}` placed by (`buyer`) or with (`seller`) the route's account; any other id is not found. */
async function orderOf(c: Context<AccessEnv>, side: 'buyer' | 'seller') {
  const o = await getOrder(c.var.db, c.req.param('orderId') ?? '')
  const account = c.var.access.account.id
  return found(o && (side === 'buyer' ? o.buyerAccountId : o.sellerAccountId) === account ? o : undefined, 'No order with that id.')
}

const listPlansRoute = route.get('/accounts/{id}/plans', 'listPlans', requirePermission('purchasing.view', SELLERS), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ items: z.array(PlanView) }), 'The catalogue') },
})
const createPlanRoute = route.post('/accounts/{id}/plans', 'createPlan', requirePermission('purchasing.manage', SELLERS), {
  request: { params: AccountParam, body: body(PlanBody) }, responses: { 201: json(z.object({ plan: PlanView }), 'Created'), ...problems(409) },
})
const updatePlanRoute = route.patch('/accounts/{id}/plans/{planId}', 'updatePlan', requirePermission('purchasing.manage', SELLERS), {
  request: { params: PlanParams, body: body(PlanPatch) }, responses: { 200: json(z.object({ plan: PlanView }), 'Changed'), ...problems(409) },
})
const listOffersRoute = route.get('/accounts/{id}/offers', 'listOffers', requirePermission('purchasing.view', BUYERS), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ seller: z.object({ id: z.string(), name: z.string() }), items: z.array(PlanView) }), 'The catalogue on offer') },
})
const listOrdersRoute = route.get('/accounts/{id}/orders', 'listOrders', requirePermission('purchasing.view', BUYERS), {
  request: { params: AccountParam, query: OrderQuery }, responses: { 200: json(OrderPage, 'One page') },
})
const placeOrderRoute = route.post('/accounts/{id}/orders', 'placeOrder', requirePermission('purchasing.buy', BUYERS), {
  request: { params: AccountParam, body: body(z.object({ planId: z.string().min(1).max(64), serviceName: z.string().trim().min(1).max(200).optional() })) }, responses: { 201: json(z.object({ order: OrderView }), 'Placed') },
})
const cancelOrderRoute = route.post('/accounts/{id}/orders/{orderId}/cancel', 'cancelOrder', requirePermission('purchasing.buy', BUYERS), {
  request: { params: OrderParams }, responses: { 200: json(z.object({ order: OrderView }), 'Cancelled'), ...problems(409) },
})
const listReceivedOrdersRoute = route.get('/accounts/{id}/received-orders', 'listReceivedOrders', requirePermission('purchasing.view', SELLERS), {
  request: { params: AccountParam, query: OrderQuery }, responses: { 200: json(OrderPage, 'One page') },
})
const approveOrderRoute = route.post('/accounts/{id}/received-orders/{orderId}/approve', 'approveOrder', requirePermission('purchasing.manage', SELLERS), {
  request: { params: OrderParams }, responses: { 200: json(z.object({ order: OrderView }), 'Approved'), ...problems(409, 422) },
})
const declineOrderRoute = route.post('/accounts/{id}/received-orders/{orderId}/decline', 'declineOrder', requirePermission('purchasing.manage', SELLERS), {
  request: { params: OrderParams, body: body(z.object({ reason: z.string().trim().min(1, 'Say why the order is declined.').max(500) })) }, responses: { 200: json(z.object({ order: OrderView }), 'Declined'), ...problems(409) },
})

export const purchasing = createRouter('Purchasing')
  .openapi(listPlansRoute, async (c) => c.json({ items: (await listPlans(c.var.db, c.var.access.account.id)).map(planView) }, 200))
  .openapi(createPlanRoute, async (c) => {
    const ctx = c.var.access
    const plan = await createPlan(c.var.db, ctx.account.id, c.req.valid('json'))
    await audit(c, ctx.account, {
      type: 'plan_created',
      target: { kind: 'plan', id: plan.id, label: plan.name },
      description: `${ctx.principal.user.email} added the plan ${plan.name} (${plan.serviceType.replace('_', ' ')}, ${formatMoney(plan.priceMinor, plan.currency)} ${plan.period}) to the catalogue`,
    })
    return c.json({ plan: planView(plan) }, 201)
  })
  .openapi(updatePlanRoute, async (c) => {
    const ctx = c.var.access
    const { planId } = c.req.valid('param')
    found(await getPlan(c.var.db, ctx.account.id, planId), 'No plan with that id.')
    const input = c.req.valid('json')
    const plan = found(await updatePlan(c.var.db, ctx.account.id, planId, input), 'No plan with that id.')
    const what = input.active === false ? 'withdrew' : input.active === true ? 'offered again' : 'changed'
    await audit(c, ctx.account, { type: 'plan_updated', target: { kind: 'plan', id: plan.id, label: plan.name }, description: `${ctx.principal.user.email} ${what} the plan ${plan.name}` })
    return c.json({ plan: planView(plan) }, 200)
  })
  .openapi(listOffersRoute, async (c) => {
    const { account } = c.var.access
    const parent = account.trail.at(-2)!
    return c.json({ seller: { id: parent.id, name: parent.name }, items: (await listPlans(c.var.db, parent.id, { activeOnly: true })).map(planView) }, 200)
  })
  .openapi(listOrdersRoute, async (c) => c.json(await orderPage(c, 'buyer', c.req.valid('query')), 200))
  .openapi(placeOrderRoute, async (c) => {
    const ctx = c.var.access
    const { planId, serviceName } = c.req.valid('json')
    const parentId = ctx.account.trail.at(-2)!.id
    const order = await placeOrder(c.var.db, { id: ctx.account.id, parentId }, { planId, serviceName: serviceName ?? null, by: { id: ctx.principal.user.id, email: ctx.principal.user.email } })
    await recordOrder(c, order, 'order_placed', `${ctx.principal.user.email} of ${order.buyerName} ordered ${order.planName} (${price(order)}) from ${order.sellerName}`)
    await tell(emailOrderPlaced(c.env, c.var.db, order))
    return c.json({ order: orderView(ctx, order) }, 201)
  })
  .openapi(cancelOrderRoute, async (c) => {
    const ctx = c.var.access
    const order = await cancelOrder(c.var.db, ctx.account.id, (await orderOf(c, 'buyer')).id, Date.now(), ctx.principal.user.email)
    await recordOrder(c, order, 'order_cancelled', `${ctx.principal.user.email} of ${order.buyerName} cancelled the order of ${order.planName} from ${order.sellerName}`)
    return c.json({ order: orderView(ctx, order) }, 200)
  })
  .openapi(listReceivedOrdersRoute, async (c) => c.json(await orderPage(c, 'seller', c.req.valid('query')), 200))
  .openapi(approveOrderRoute, async (c) => {
    const ctx = c.var.access
    const order = await approveOrder(c.var.db, await orderOf(c, 'seller'), ctx.principal.user.email)
    return c.json(await decided(c, order, 'order_approved', `${ctx.principal.user.email} of ${order.sellerName} approved the order of ${order.planName} by ${order.buyerName}: the service ${order.serviceName ?? order.planName} was created`), 200)
  })
  .openapi(declineOrderRoute, async (c) => {
    const ctx = c.var.access
    const target = await orderOf(c, 'seller')
    const order = await declineOrder(c.var.db, ctx.account.id, target.id, c.req.valid('json').reason, ctx.principal.user.email)
    return c.json(await decided(c, order, 'order_declined', `${ctx.principal.user.email} of ${order.sellerName} declined the order of ${order.planName} by ${order.buyerName}: ${order.reason}`), 200)
  })
