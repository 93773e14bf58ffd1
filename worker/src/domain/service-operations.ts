import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm'
import type { ServerAction, ServiceAction } from '../../../db/schema/service-operations.ts'
import { open, seal } from '../crypto/secret-box.ts'
import { newId } from '../crypto/tokens.ts'
import { isUniqueViolation, schema, type DB } from '../db.ts'
import { DomainError } from '../errors.ts'

const { serviceActions, serviceLicenses, serviceGroups, services } = schema

/** The reason a pending action gets when the backend never answered (the worker running it was gone). */
export const NO_ANSWER = 'The provisioning backend did not answer in time.'

/** An action as people see it: a pending row past its deadline has failed. */
export function presentAction(row: ServiceAction, now = Date.now()) {
  const expired = row.status === 'pending' && row.deadlineAt <= now
  return {
    id: row.id,
    action: row.action,
    newName: row.newName,
    status: expired ? ('failed' as const) : row.status,
    reason: expired ? NO_ANSWER : row.reason,
    requestedBy: row.requestedBy,
    createdAt: row.createdAt,
    finishedAt: expired ? row.deadlineAt : row.finishedAt,
  }
}

/**
 * Record a pending action for a service. One pending action per service: the
 * partial unique index refuses a second one (also when two requests race), so
 * a pending action left past its deadline is closed as failed in the same batch first.
 */
export async function startServerAction(
  db: DB,
  input: { serviceId: string; accountId: string; action: ServerAction; newName: string | null; requestedBy: string; timeoutMs: number; now?: number },
) {
  const now = input.now ?? Date.now()
  // A little beyond the adapter's own timeout, so the adapter's outcome normally wins.
  const row = {
    id: newId('act'),
    serviceId: input.serviceId,
    accountId: input.accountId,
    action: input.action,
    newName: input.newName,
    status: 'pending' as const,
    reason: null,
    requestedBy: input.requestedBy,
    createdAt: now,
    deadlineAt: now + input.timeoutMs + 15_000,
    finishedAt: null,
  }
  try {
    await db.batch([
      db
        .update(serviceActions)
        .set({ status: 'failed', reason: NO_ANSWER, finishedAt: now })
        .where(and(eq(serviceActions.serviceId, input.serviceId), eq(serviceActions.status, 'pending'), lt(serviceActions.deadlineAt, now))),
      db.insert(serviceActions).values(row),
    ])
  } catch (error) {
    if (isUniqueViolation(error, 'service_actions.service_id')) throw new DomainError('action_pending')
    throw error
  }
  return row
}

/**
 * Record the backend's outcome of a pending action. A done action updates the
 * service (its last action; for `rename` its name) in the same batch. Returns
 * false when the action was no longer pending (closed as failed past its deadline).
 */
export async function finishServerAction(db: DB, actionId: string, outcome: { status: 'done' } | { status: 'failed'; reason: string }, now = Date.now()) {
  const [finished] = await db.batch([
    db
      .update(serviceActions)
      .set({ status: outcome.status, reason: outcome.status === 'failed' ? outcome.reason : null, finishedAt: now })
      .where(and(eq(serviceActions.id, actionId), eq(serviceActions.status, 'pending')))
      .returning({ id: serviceActions.id }),
    db
      .update(services)
      .set({
        lastAction: sql`(SELECT action FROM service_actions WHERE id = ${actionId})`,
        lastActionAt: now,
        updatedAt: now,
        name: sql`coalesce((SELECT new_name FROM service_actions WHERE id = ${actionId}), ${services.name})`,
      })
      .where(
        and(
          eq(services.id, sql`(SELECT service_id FROM service_actions WHERE id = ${actionId})`),
          sql`EXISTS (SELECT 1 FROM service_actions WHERE id = ${actionId} AND status = 'done' AND finished_at = ${now})`,
        ),
      ),
  ])
  return finished.length > 0
}

/** The newest actions of a service, newest first. */
export async function recentServerActions(db: DB, serviceId: string, limit = 10, now = Date.now()) {
  const rows = await db.select().from(serviceActions).where(eq(serviceActions.serviceId, serviceId)).orderBy(desc(serviceActions.createdAt), desc(serviceActions.id)).limit(limit)
  return rows.map((r) => presentAction(r, now))
}

// Licences -----------------------------------------------------------------

const licenceContext = (serviceId: string) => `licence:${serviceId}`

/** A service's licence without its key (what lists, pages and events may carry). */
export async function getLicence(db: DB, serviceId: string) {
  const row = await db.select().from(serviceLicenses).where(eq(serviceLicenses.serviceId, serviceId)).get()
  return row ? { product: row.product, seats: row.seats, expiresAt: row.expiresAt, updatedAt: row.updatedAt } : null
}

/** The licence key, opened. Null when the service has no licence. */
export async function revealLicenceKey(db: DB, secret: string, serviceId: string) {
  const row = await db.select({ sealedKey: serviceLicenses.sealedKey }).from(serviceLicenses).where(eq(serviceLicenses.serviceId, serviceId)).get()
  if (!row) return null
  return new TextDecoder().decode(await open(secret, row.sealedKey, licenceContext(serviceId)))
}

/**
 * Give a service a licence or change it. The key is sealed for this service;
 * omitted on a change, the current key stays. Returns whether a licence existed before.
 */
export async function setLicence(db: DB, secret: string, serviceId: string, input: { product: string; seats: number; expiresAt: number | null; key?: string | undefined }) {
  const existing = await db.select({ serviceId: serviceLicenses.serviceId }).from(serviceLicenses).where(eq(serviceLicenses.serviceId, serviceId)).get()
  if (!existing && !input.key) throw new DomainError('validation_failed', 'Enter the licence key.', 'key')
  const now = Date.now()
  const fields = { product: input.product, seats: input.seats, expiresAt: input.expiresAt, updatedAt: now }
  if (input.key) {
    const sealedKey = await seal(secret, new TextEncoder().encode(input.key), licenceContext(serviceId))
    await db
      .insert(serviceLicenses)
      .values({ serviceId, ...fields, sealedKey })
      .onConflictDoUpdate({ target: serviceLicenses.serviceId, set: { ...fields, sealedKey } })
  } else {
    await db.update(serviceLicenses).set(fields).where(eq(serviceLicenses.serviceId, serviceId))
  }
  return !!existing
}

/** Revoke (remove) a service's licence. Returns false when it had none. */
export async function revokeLicence(db: DB, serviceId: string) {
  const gone = await db.delete(serviceLicenses).where(eq(serviceLicenses.serviceId, serviceId)).returning({ id: serviceLicenses.serviceId })
  return gone.length > 0
}

// Service groups -------------------------------------------------------------

/** The account's own groups, by name, with how many of its services each holds. */
export async function listGroups(db: DB, accountId: string) {
  return db
    .select({
      id: serviceGroups.id,
      name: serviceGroups.name,
      // Spelled out: inside the subquery drizzle would leave `id` unqualified (services.id).
      services: sql<number>`(SELECT count(*) FROM services s WHERE s.group_id = "service_groups"."id")`.as('services'),
    })
    .from(serviceGroups)
    .where(eq(serviceGroups.accountId, accountId))
    .orderBy(serviceGroups.name)
}

/** One group of the account, or undefined (another account's id is not found). */
export async function getGroup(db: DB, accountId: string, groupId: string) {
  return db.select().from(serviceGroups).where(and(eq(serviceGroups.id, groupId), eq(serviceGroups.accountId, accountId))).get()
}

const nameTaken = () => new DomainError('conflict', 'This account already has a group with that name.', 'name')

export async function createGroup(db: DB, accountId: string, name: string) {
  const id = newId('grp')
  try {
    await db.insert(serviceGroups).values({ id, accountId, name })
  } catch (error) {
    if (isUniqueViolation(error, 'service_groups.name')) throw nameTaken()
    throw error
  }
  return id
}

export async function renameGroup(db: DB, accountId: string, groupId: string, name: string) {
  try {
    await db.update(serviceGroups).set({ name }).where(and(eq(serviceGroups.id, groupId), eq(serviceGroups.accountId, accountId)))
  } catch (error) {
    if (isUniqueViolation(error, 'service_groups.name')) throw nameTaken()
    throw error
  }
}

/** Delete a group; its services stay, ungrouped (in the same batch). Returns how many were ungrouped. */
export async function deleteGroup(db: DB, accountId: string, groupId: string) {
  const [ungrouped] = await db.batch([
    db.update(services).set({ groupId: null, updatedAt: Date.now() }).where(and(eq(services.groupId, groupId), eq(services.accountId, accountId))).returning({ id: services.id }),
    db.delete(serviceGroups).where(and(eq(serviceGroups.id, groupId), eq(serviceGroups.accountId, accountId))),
  ])
  return ungrouped.length
}

/** Put services into a group and take others out of it, in one batch. */
export async function assignGroup(db: DB, accountId: string, groupId: string, add: string[], remove: string[]) {
  const now = Date.now()
  const writes = [
    ...(add.length ? [db.update(services).set({ groupId, updatedAt: now }).where(and(eq(services.accountId, accountId), inArray(services.id, add)))] : []),
    ...(remove.length
      ? [db.update(services).set({ groupId: null, updatedAt: now }).where(and(eq(services.accountId, accountId), eq(services.groupId, groupId), inArray(services.id, remove)))]
      : []),
  ]
  if (writes.length) await db.batch(writes as [(typeof writes)[number], ...(typeof writes)[number][]])
}
