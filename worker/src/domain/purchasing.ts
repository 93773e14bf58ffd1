import { and, asc, desc, eq, or, sql } from 'drizzle-orm'
import type { OrderStatus, PlanPeriod } from '../../../db/schema/billing.ts'
import type { ServiceType } from '../../../db/schema/services.ts'
import { newId } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { errorText, schema } from '../db.ts'
import { parentPath } from '../durable/activity-log.ts'
import { DomainError } from '../errors.ts'
import { limitGuard, rethrowLimit } from './limits.ts'
import { keyOrderBy, keysetAfter, pageOf, type KeyOrder } from './keyset.ts'

const { accounts, plans, orders, services, memberships, users } = schema
const DAY = 24 * 60 * 60 * 1000

export interface PlanInput {
  name: string
  serviceType: ServiceType
  priceMinor: number
  currency: string
  period: PlanPeriod
  active: boolean
}

/** The catalogue an account publishes (inactive plans included), by name. */
export async function listPlans(db: DB, accountId: string, opts: { activeOnly?: boolean } = {}) {
  return db
    .select()
    .from(plans)
    .where(and(eq(plans.accountId, accountId), opts.activeOnly ? eq(plans.active, true) : undefined))
    .orderBy(asc(plans.name), asc(plans.id))
}

export async function getPlan(db: DB, accountId: string, planId: string) {
  return db.select().from(plans).where(and(eq(plans.id, planId), eq(plans.accountId, accountId))).get()
}

/** Plan names are unique in a catalogue: the refusal names the field. */
function planNameTaken(error: unknown): never {
  if (/UNIQUE constraint failed: plans\.account_id, plans\.name/.test(errorText(error))) throw new DomainError('conflict', 'The catalogue already has a plan with that name.', 'name')
  throw error
}

export async function createPlan(db: DB, accountId: string, input: PlanInput, now = Date.now()) {
  const id = newId('pln')
  try {
    await db.insert(plans).values({ id, accountId, ...input, createdAt: now, updatedAt: now })
  } catch (error) {
    planNameTaken(error)
  }
  return (await getPlan(db, accountId, id))!
}

export async function updatePlan(db: DB, accountId: string, planId: string, input: Partial<PlanInput>, now = Date.now()) {
  try {
    await db.update(plans).set({ ...input, updatedAt: now }).where(and(eq(plans.id, planId), eq(plans.accountId, accountId)))
  } catch (error) {
    planNameTaken(error)
  }
  return getPlan(db, accountId, planId)
}

const orderColumns = {
  id: orders.id,
  buyerAccountId: orders.buyerAccountId,
  sellerAccountId: orders.sellerAccountId,
  planId: orders.planId,
  planName: orders.planName,
  serviceType: orders.serviceType,
  priceMinor: orders.priceMinor,
  currency: orders.currency,
  period: orders.period,
  serviceName: orders.serviceName,
  status: orders.status,
  reason: orders.reason,
  orderedByEmail: orders.orderedByEmail,
  orderedById: orders.orderedById,
  decidedByEmail: orders.decidedByEmail,
  decidedAt: orders.decidedAt,
  serviceId: orders.serviceId,
  createdAt: orders.createdAt,
  buyerName: sql<string>`(SELECT name FROM accounts WHERE id = ${orders.buyerAccountId})`,
  buyerPath: sql<string>`(SELECT path FROM accounts WHERE id = ${orders.buyerAccountId})`,
  sellerName: sql<string>`(SELECT name FROM accounts WHERE id = ${orders.sellerAccountId})`,
  sellerPath: sql<string>`(SELECT path FROM accounts WHERE id = ${orders.sellerAccountId})`,
}

export type OrderRow = Awaited<ReturnType<typeof getOrder>> & {}

export async function getOrder(db: DB, orderId: string) {
  return db.select(orderColumns).from(orders).where(eq(orders.id, orderId)).get()
}

export interface CreatedCursor {
  at: number
  id: string
}

/** Orders newest first. */
const orderOrder: KeyOrder = { key: orders.createdAt, id: orders.id, keyDir: 'desc', idDir: 'asc' }
/** One page of the orders an account placed (`buyer`) or received (`seller`), newest first. */
export async function listOrders(db: DB, opts: { accountId: string; side: 'buyer' | 'seller'; status?: OrderStatus; limit: number; after?: CreatedCursor }) {
  const { after } = opts
  const rows = await db
    .select(orderColumns)
    .from(orders)
    .where(
      and(
        eq(opts.side === 'buyer' ? orders.buyerAccountId : orders.sellerAccountId, opts.accountId),
        opts.status ? eq(orders.status, opts.status) : undefined,
        after ? keysetAfter(orderOrder, after.at, after.id) : undefined,
      ),
    )
    .orderBy(...keyOrderBy(orderOrder))
    .limit(opts.limit + 1)
  return pageOf(rows, opts.limit, (last) => ({ at: last.createdAt, id: last.id }))
}

/**
 * Order an active plan of the buyer's parent. The plan is read in the insert
 * itself (INSERT … SELECT), so a plan withdrawn meanwhile orders nothing.
 */
export async function placeOrder(
  db: DB,
  buyer: { id: string; parentId: string },
  input: { planId: string; serviceName: string | null; by: { id: string | null; email: string } },
  now = Date.now(),
) {
  const id = newId('ord')
  const inserted = await db.run(sql`INSERT INTO orders (id, buyer_account_id, seller_account_id, plan_id, plan_name, service_type, price_minor, currency, period, service_name, status, ordered_by_id, ordered_by_email, created_at)
    SELECT ${id}, ${buyer.id}, p.account_id, p.id, p.name, p.service_type, p.price_minor, p.currency, p.period, ${input.serviceName}, 'pending', ${input.by.id}, ${input.by.email}, ${now}
    FROM plans p WHERE p.id = ${input.planId} AND p.account_id = ${buyer.parentId} AND p.active = 1`)
  if (!inserted.meta.changes) throw new DomainError('validation_failed', 'That plan is not in your catalogue, or no longer offered.', 'planId')
  return (await getOrder(db, id))!
}

/** Cancel one of the buyer's own pending orders; null when it is not pending any more. */
export async function cancelOrder(db: DB, buyerId: string, orderId: string, now = Date.now(), by: string) {
  const changed = await db
    .update(orders)
    .set({ status: 'cancelled', decidedAt: now, decidedByEmail: by })
    .where(and(eq(orders.id, orderId), eq(orders.buyerAccountId, buyerId), eq(orders.status, 'pending')))
    .returning({ id: orders.id })
  if (!changed.length) throw new DomainError('order_decided', 'This order is no longer pending: it cannot be cancelled.')
  return (await getOrder(db, orderId))!
}

export async function declineOrder(db: DB, sellerId: string, orderId: string, reason: string, by: string, now = Date.now()) {
  const changed = await db
    .update(orders)
    .set({ status: 'declined', reason, decidedAt: now, decidedByEmail: by })
    .where(and(eq(orders.id, orderId), eq(orders.sellerAccountId, sellerId), eq(orders.status, 'pending')))
    .returning({ id: orders.id })
  if (!changed.length) throw new DomainError('order_decided', 'This order is no longer pending: it was decided or cancelled meanwhile.')
  return (await getOrder(db, orderId))!
}

/** How long a new service runs before it is due for renewal. */
const termOf = (period: PlanPeriod) => (period === 'yearly' ? 365 : 30) * DAY

/**
 * Approve a pending order: in one atomic batch, mark it approved and create
 * its service in the buyer's account. The service's insert carries two guards
 * (domain/limits.ts): its `type` turns NULL when the reseller's
 * `max_services.<type>` is reached, its `name` when the order is no longer
 * pending (decided or cancelled meanwhile); the order is marked approved in
 * the same batch. Either failure
 * rolls the whole batch back, so two approvals racing for the last slot (or
 * for the same order) create exactly one service.
 */
export async function approveOrder(db: DB, order: NonNullable<OrderRow>, by: string, now = Date.now()) {
  const serviceId = newId('svc')
  const name = order.serviceName ?? order.planName
  const buyer = await db.select({ path: accounts.path, partnerAccessDefault: accounts.partnerAccessDefault }).from(accounts).where(eq(accounts.id, order.buyerAccountId)).get()
  if (!buyer) throw new DomainError('not_found', 'The account that placed this order no longer exists.')
  const limit = `max_services.${order.serviceType}` as const
  try {
    await db.batch([
      db.insert(services).values({
        id: serviceId,
        accountId: order.buyerAccountId,
        type: limitGuard(buyer.path, limit, order.serviceType),
        name: sql`CASE WHEN EXISTS (SELECT 1 FROM orders WHERE id = ${order.id} AND status = 'pending') THEN ${name} ELSE NULL END`,
        status: 'active',
        expiresAt: now + termOf(order.period),
        partnerAccess: buyer.partnerAccessDefault,
        createdAt: now,
        updatedAt: now,
      }),
      db.update(orders).set({ status: 'approved', decidedAt: now, decidedByEmail: by, serviceId }).where(and(eq(orders.id, order.id), eq(orders.status, 'pending'))),
    ])
  } catch (error) {
    if (/NOT NULL constraint failed: services\.name/.test(errorText(error))) throw new DomainError('order_decided', 'This order is no longer pending: it was decided or cancelled meanwhile.')
    rethrowLimit(error, limit, buyer.path)
  }
  return (await getOrder(db, order.id))!
}

/**
 * The logs an order's event goes to: the buyer's, and the seller's own when
 * the buyer's log does not forward there (a reseller's events stay out of the
 * platform's log), so each log has the event once.
 */
export function orderLogs(order: { buyerAccountId: string; buyerPath: string; sellerAccountId: string; sellerPath: string }) {
  const buyer = { id: order.buyerAccountId, path: order.buyerPath }
  for (let up = parentPath(order.buyerPath); up; up = parentPath(up.path)) if (up.path === order.sellerPath) return [buyer]
  return [buyer, { id: order.sellerAccountId, path: order.sellerPath }]
}

/** The people of an account with their membership ids (for per-member decisions). */
export async function membersOf(db: DB, accountId: string) {
  return db
    .select({ membershipId: memberships.id, userId: users.id, email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.accountId, accountId))
}
