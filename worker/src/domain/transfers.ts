import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import { and, desc, eq, isNotNull, or, sql } from 'drizzle-orm'
import type { TransferStatus } from '../../../db/schema/transfers.ts'
import type { ServiceType } from '../../../db/schema/services.ts'
import { newId, randomToken } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { isUniqueViolation, schema } from '../db.ts'
import { DomainError } from '../errors.ts'
import { underDeleted } from './lifecycle.ts'
import { LimitReached, resellerOf } from './limits.ts'
import { keyOrderBy, keysetAfter, pageOf, type KeyOrder } from './keyset.ts'

const { serviceTransfers, accounts, services } = schema

export type TransferRow = typeof serviceTransfers.$inferSelect

/** A live customer directly under `parentId` (anything else, another reseller's included, is not found). */
export async function customerUnder(db: DB, parentId: string, customerId: string) {
  return db
    .select({ id: accounts.id, name: accounts.name, path: accounts.path, status: accounts.status })
    .from(accounts)
    .where(and(eq(accounts.id, customerId), eq(accounts.parentId, parentId), eq(accounts.kind, 'customer'), eq(accounts.status, 'active'), sql`NOT ${underDeleted(sql`${accounts.path}`)}`))
    .get()
}

/** Transfers an account sees: as the parent of both customers, or as one of them. */
const visibleFrom = (accountId: string) =>
  or(eq(serviceTransfers.parentId, accountId), eq(serviceTransfers.fromAccountId, accountId), eq(serviceTransfers.toAccountId, accountId))

export interface TransferCursor {
  createdAt: number
  id: string
}

/** Transfers newest first. */
const newestFirst: KeyOrder = { key: serviceTransfers.createdAt, id: serviceTransfers.id, keyDir: 'desc', idDir: 'desc' }
/** One page of the transfers visible from an account, newest first; `q` matches the service and both customers' names. */
export async function listTransfers(db: DB, opts: { accountId: string; status?: TransferStatus; q?: string; limit: number; after?: TransferCursor }) {
  const contains = (column: SQLiteColumn) => sql`instr(lower(${column}), lower(${opts.q})) > 0`
  const { after } = opts
  const rows = await db
    .select()
    .from(serviceTransfers)
    .where(
      and(
        visibleFrom(opts.accountId),
        opts.status ? eq(serviceTransfers.status, opts.status) : undefined,
        opts.q ? or(contains(serviceTransfers.serviceName), contains(serviceTransfers.fromName), contains(serviceTransfers.toName)) : undefined,
        after ? keysetAfter(newestFirst, after.createdAt, after.id) : undefined,
      ),
    )
    .orderBy(...keyOrderBy(newestFirst))
    .limit(opts.limit + 1)
  return pageOf(rows, opts.limit, (last) => ({ createdAt: last.createdAt, id: last.id }))
}

/** One transfer visible from an account, or undefined. */
export async function getTransfer(db: DB, accountId: string, transferId: string) {
  return db.select().from(serviceTransfers).where(and(eq(serviceTransfers.id, transferId), visibleFrom(accountId))).get()
}

/**
 * Propose moving `service` from its customer to `to`. When the source
 * customer's owner proposes it, their side is confirmed at once. One
 * pending transfer per service (409 otherwise).
 */
export async function proposeTransfer(
  db: DB,
  input: {
    parentId: string
    service: { id: string; name: string; type: ServiceType }
    from: { id: string; name: string }
    to: { id: string; name: string }
    note: string | null
    by: string
    proposedFromId: string
    fromConfirmed: boolean
  },
) {
  const id = newId('trf')
  const now = Date.now()
  try {
    await db.insert(serviceTransfers).values({
      id,
      parentId: input.parentId,
      serviceId: input.service.id,
      serviceName: input.service.name,
      serviceType: input.service.type,
      fromAccountId: input.from.id,
      fromName: input.from.name,
      toAccountId: input.to.id,
      toName: input.to.name,
      note: input.note,
      proposedByEmail: input.by,
      proposedFromId: input.proposedFromId,
      ...(input.fromConfirmed && { fromConfirmedBy: input.by, fromConfirmedAt: now }),
      createdAt: now,
    })
  } catch (error) {
    if (isUniqueViolation(error, 'service_transfers.service_id')) throw new DomainError('conflict', 'This service already has a pending transfer.', 'serviceId')
    throw error
  }
  return id
}

/**
 * SQL: the reseller's limit on services of `type` still holds with the
 * service in the destination — counted without the service itself, so a move
 * inside one tree passes unless the tree is already over its limit (lowered
 * since). Platform-level customers have no limits.
 */
function destinationFits(destinationPath: string, type: string, serviceId: string) {
  const reseller = resellerOf(destinationPath)
  if (!reseller) return sql`1`
  const limit = sql`(SELECT json_extract(limits, ${`$.max_services.${type}`}) FROM accounts WHERE id = ${reseller.id})`
  const used = sql`(SELECT count(*) FROM services s JOIN accounts a ON a.id = s.account_id WHERE s.type = ${type} AND s.id != ${serviceId} AND a.path >= ${reseller.path} AND a.path < ${`${reseller.path}\x7f`})`
  return sql`(${limit} IS NULL OR ${used} < ${limit})`
}

/**
 * Confirm one side. In the same batch (one transaction, D1 runs batches one
 * after another): record the confirmation; when both sides have confirmed and
 * the service is still the source's and the destination still a live
 * customer of the same parent, close the transfer and move the service — its
 * group (the source's) dropped, partner access reset to the destination's own
 * default (the new owner's consent), the reseller's service limit checked in
 * the move itself — and drop the service from the source's members', keys'
 * and invitations' selected scopes. Two owners confirming at once: the
 * second batch sees both confirmations and moves it; exactly once.
 */
export async function confirmTransfer(db: DB, t: TransferRow, side: 'from' | 'to', by: string, destinationPath: string): Promise<'confirmed' | 'completed'> {
  const now = Date.now()
  const token = randomToken(10)
  const confirm =
    side === 'from'
      ? db.update(serviceTransfers).set({ fromConfirmedBy: by, fromConfirmedAt: now }).where(and(eq(serviceTransfers.id, t.id), eq(serviceTransfers.status, 'pending'), sql`${serviceTransfers.fromConfirmedAt} IS NULL`)).returning({ id: serviceTransfers.id })
      : db.update(serviceTransfers).set({ toConfirmedBy: by, toConfirmedAt: now }).where(and(eq(serviceTransfers.id, t.id), eq(serviceTransfers.status, 'pending'), sql`${serviceTransfers.toConfirmedAt} IS NULL`)).returning({ id: serviceTransfers.id })
  const complete = db
    .update(serviceTransfers)
    .set({ status: 'completed', completion: token, closedAt: now })
    .where(
      and(
        eq(serviceTransfers.id, t.id),
        eq(serviceTransfers.status, 'pending'),
        isNotNull(serviceTransfers.fromConfirmedAt),
        isNotNull(serviceTransfers.toConfirmedAt),
        sql`EXISTS (SELECT 1 FROM services WHERE id = ${t.serviceId} AND account_id = ${t.fromAccountId})`,
        sql`EXISTS (SELECT 1 FROM accounts WHERE id = ${t.toAccountId} AND parent_id = ${t.parentId} AND kind = 'customer' AND status = 'active')`,
      ),
    )
    .returning({ id: serviceTransfers.id })
  const completedNow = sql`EXISTS (SELECT 1 FROM service_transfers WHERE id = ${t.id} AND completion = ${token})`
  const move = db
    .update(services)
    .set({
      accountId: t.toAccountId,
      groupId: null,
      partnerAccess: sql`(SELECT partner_access_default FROM accounts WHERE id = ${t.toAccountId})`,
      // The limit guard: NULL into a NOT NULL column fails the whole batch (see domain/limits.ts).
      type: sql`CASE WHEN ${destinationFits(destinationPath, t.serviceType, t.serviceId ?? '')} THEN ${services.type} ELSE NULL END`,
      updatedAt: now,
    })
    .where(and(eq(services.id, t.serviceId ?? ''), eq(services.accountId, t.fromAccountId), completedNow))
  const drop = (table: typeof schema.memberships | typeof schema.apiKeys | typeof schema.invitations) =>
    db
      .update(table)
      .set({ scope: sql`json_set(scope, '$.services', json((SELECT json_group_array(value) FROM json_each(scope, '$.services') WHERE value != ${t.serviceId})))` })
      .where(
        and(
          eq(table.accountId, t.fromAccountId),
          sql`json_extract(scope, '$.mode') = 'selected'`,
          sql`EXISTS (SELECT 1 FROM json_each(scope, '$.services') WHERE value = ${t.serviceId})`,
          completedNow,
        ),
      )
  let results
  try {
    results = await db.batch([confirm, complete, move, drop(schema.memberships), drop(schema.apiKeys), drop(schema.invitations)])
  } catch (error) {
    const message = String((error as Error)?.message ?? error) + String((error as { cause?: Error })?.cause?.message ?? '')
    if (message.includes('NOT NULL constraint failed: services.type')) throw new LimitReached(`max_services.${t.serviceType as ServiceType}`, destinationPath)
    throw error
  }
  const [confirmed, completed] = results
  if (completed.length) return 'completed'
  if (!confirmed.length) throw new DomainError('conflict', 'This side has already confirmed, or the transfer is no longer pending.')
  return 'confirmed'
}

/** Close a pending transfer without moving anything: declined by a customer's owner, or cancelled. */
export async function closeTransfer(db: DB, transferId: string, status: 'declined' | 'cancelled', by: string, reason: string | null) {
  const changed = await db
    .update(serviceTransfers)
    .set({ status, closedByEmail: by, reason, closedAt: Date.now() })
    .where(and(eq(serviceTransfers.id, transferId), eq(serviceTransfers.status, 'pending')))
    .returning({ id: serviceTransfers.id })
  if (!changed.length) throw new DomainError('conflict', 'This transfer is no longer pending.')
}

/** An account's id and path, for events. */
export async function accountOf(db: DB, accountId: string) {
  return db.select({ id: accounts.id, path: accounts.path, name: accounts.name }).from(accounts).where(eq(accounts.id, accountId)).get()
}
