import { and, asc, eq, gt, inArray, lte, ne, or, sql, type SQL } from 'drizzle-orm'
import type { AccountKind } from '../../../db/schema/accounts.ts'
import type { ServiceStatus, ServiceType } from '../../../db/schema/services.ts'
import type { Scope, TargetService } from '../authz/decide.ts'
import { newId } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { schema, withAccount } from '../db.ts'
import { underDeleted } from './lifecycle.ts'
import { limitGuard, rethrowLimit } from './limits.ts'
import { scopeCondition } from './scope.ts'
import { keyOrderBy, keysetAfter, pageOf, type KeyOrder } from './keyset.ts'

const { accounts, services, serviceGroups, serviceTags } = schema
const DAY = 24 * 60 * 60 * 1000

export interface ServiceFilters {
  type?: ServiceType
  status?: ServiceStatus
  group?: string
  tag?: string
  expiringWithinDays?: number
  q?: string
}

export interface ServiceCursor {
  name: string
  id: string
}

const tagsJson = sql<string>`(SELECT json_group_array(${serviceTags.tag}) FROM ${serviceTags} WHERE ${serviceTags.serviceId} = ${services.id})`

const columns = {
  id: services.id,
  accountId: services.accountId,
  accountName: accounts.name,
  accountKind: accounts.kind,
  accountPath: accounts.path,
  type: services.type,
  name: services.name,
  status: services.status,
  expiresAt: services.expiresAt,
  groupId: services.groupId,
  groupName: serviceGroups.name,
  partnerAccess: services.partnerAccess,
  lastAction: services.lastAction,
  lastActionAt: services.lastActionAt,
  createdAt: services.createdAt,
  tags: tagsJson,
}

function readTags(json: string | null): string[] {
  try {
    const value: unknown = JSON.parse(json ?? '[]')
    return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string').sort() : []
  } catch {
    return []
  }
}

type Row = { tags: string | null } & Record<string, unknown>
const present = <R extends Row>(row: R) => ({ ...row, tags: readTags(row.tags) })

export type ServiceRow = ReturnType<typeof present<Awaited<ReturnType<typeof baseQuery>>[number]>>

function baseQuery(db: DB) {
  return withAccount(db, services, columns).leftJoin(serviceGroups, eq(serviceGroups.id, services.groupId))
}

/**
 * Names containing `q`, ASCII case folded (as LIKE would): instr() takes `q`
 * literally at any length, where a LIKE pattern needs escaping and D1 refuses
 * patterns over 50 bytes ("LIKE or GLOB pattern too complex").
 */
const nameContains = (q: string) => sql`instr(lower(${services.name}), lower(${q})) > 0`

/** Accounts whose path starts with `prefix`: an index range scan (paths are ASCII). */
const inSubtree = (prefix: string) => sql`(${accounts.path} >= ${prefix} AND ${accounts.path} < ${`${prefix}\x7f`})`

/**
 * Services of the account itself and of the descendant kinds the caller may read.
 * The subtree's path range comes first and holds for both sides: SQLite then reads the
 * subtree's accounts by path and their services by account. Written as
 * `own OR (in subtree AND …)` it found no index to drive it and scanned every service
 * of every tenant (110 ms at 150,000 services for a customer with five).
 */
function visibleFrom(account: { id: string; path: string }, descendantKinds: AccountKind[]) {
  return descendantKinds.length
    ? and(
        inSubtree(account.path),
        or(
          eq(services.accountId, account.id),
          and(inArray(accounts.kind, descendantKinds), sql`${accounts.status} != 'deleted'`, sql`NOT ${underDeleted(sql`${accounts.path}`)}`),
        ),
      )
    : eq(services.accountId, account.id)
}

/** Services by name. */
const byName: KeyOrder = { key: services.name, id: services.id, keyDir: 'asc', idDir: 'asc' }
/**
 * One page of the services visible from an account: its own, and those of the
 * descendant kinds in `descendantKinds` (what the caller may read below it),
 * narrowed by the caller's scope and the filters. Ordered by name.
 */
export async function listServices(
  db: DB,
  opts: {
    account: { id: string; path: string }
    descendantKinds: AccountKind[]
    scope: Scope | null
    /** A second scope that must also hold (the impersonator's, while impersonating). */
    ceilingScope?: Scope | null
    filters: ServiceFilters
    limit: number
    after?: ServiceCursor
    now?: number
  },
) {
  const { account, filters, after } = opts
  const now = opts.now ?? Date.now()
  const where: (SQL | undefined)[] = [
    visibleFrom(account, opts.descendantKinds),
    opts.scope ? scopeCondition(opts.scope) : undefined,
    opts.ceilingScope ? scopeCondition(opts.ceilingScope) : undefined,
    filters.type ? eq(services.type, filters.type) : undefined,
    filters.status ? eq(services.status, filters.status) : undefined,
    filters.group ? eq(services.groupId, filters.group) : undefined,
    filters.tag ? sql`EXISTS (SELECT 1 FROM ${serviceTags} WHERE ${serviceTags.serviceId} = ${services.id} AND ${serviceTags.tag} = ${filters.tag})` : undefined,
    filters.expiringWithinDays !== undefined
      ? and(gt(services.expiresAt, now), lte(services.expiresAt, now + filters.expiringWithinDays * DAY))
      : undefined,
    filters.q ? nameContains(filters.q) : undefined,
    after ? keysetAfter(byName, after.name, after.id) : undefined,
  ]
  const rows = await baseQuery(db)
    .where(and(...where))
    .orderBy(...keyOrderBy(byName))
    .limit(opts.limit + 1)
  return pageOf(rows.map(present), opts.limit, (last) => ({ name: last.name, id: last.id }))
}

/** A service inside the subtree at `rootPath`, with its owning account's facts. */
export async function getServiceInTree(db: DB, rootPath: string, serviceId: string) {
  const row = await baseQuery(db)
    .where(and(eq(services.id, serviceId), inSubtree(rootPath), sql`${accounts.status} != 'deleted'`, sql`NOT ${underDeleted(sql`${accounts.path}`)}`))
    .get()
  return row ? present(row) : undefined
}

/** The facts the decision function needs about a service. */
export function serviceFacts(s: { id: string; groupId: string | null; tags: string[]; partnerAccess: boolean }): TargetService {
  return { id: s.id, groupId: s.groupId, tags: s.tags, partnerAccess: s.partnerAccess }
}

/** Groups and tags of the services visible from an account (for filters and forms). */
export async function serviceFacets(db: DB, account: { id: string; path: string }, descendantKinds: AccountKind[]) {
  const visible = visibleFrom(account, descendantKinds)
  const [groups, tags] = await db.batch([
    db
      // Distinct column names: batch rows are objects.
      .selectDistinct({ id: serviceGroups.id, name: serviceGroups.name, accountId: serviceGroups.accountId, accountName: sql<string>`${accounts.name}`.as('account_name') })
      .from(serviceGroups)
      .innerJoin(accounts, eq(accounts.id, serviceGroups.accountId))
      .leftJoin(services, eq(services.groupId, serviceGroups.id))
      .where(or(eq(serviceGroups.accountId, account.id), visible))
      .orderBy(accounts.name, serviceGroups.name),
    db
      .selectDistinct({ tag: serviceTags.tag })
      .from(serviceTags)
      .innerJoin(services, eq(services.id, serviceTags.serviceId))
      .innerJoin(accounts, eq(accounts.id, services.accountId))
      .where(visible)
      .orderBy(serviceTags.tag),
  ])
  return { groups, tags: tags.map((t) => t.tag) }
}

/** True when the group belongs to the account. */
export async function groupInAccount(db: DB, accountId: string, groupId: string) {
  return !!(await db.select({ id: serviceGroups.id }).from(serviceGroups).where(and(eq(serviceGroups.id, groupId), eq(serviceGroups.accountId, accountId))).get())
}

export interface ServiceInput {
  type: ServiceType
  name: string
  status: ServiceStatus
  expiresAt: number | null
  groupId: string | null
  tags: string[]
  partnerAccess: boolean
}

/**
 * Create a service with its tags in one batch. The reseller's
 * `max_services.<type>` limit is checked in the insert itself (throws `LimitReached`).
 */
export async function createService(db: DB, accountId: string, input: ServiceInput) {
  const id = newId('svc')
  const { tags, ...fields } = input
  const path = (await db.select({ path: accounts.path }).from(accounts).where(eq(accounts.id, accountId)).get())?.path
  try {
    await db.batch([
      db.insert(services).values({ id, accountId, ...fields, ...(path && { type: limitGuard(path, `max_services.${input.type}`, input.type) }) }),
      ...tags.map((tag) => db.insert(serviceTags).values({ serviceId: id, tag })),
    ])
  } catch (error) {
    // Only an account with a path has a guard that can fail.
    rethrowLimit(error, `max_services.${input.type}`, path!, 'type')
  }
  return id
}

/** Update fields and (when given) replace the tags, in one batch. */
export async function updateService(db: DB, serviceId: string, input: Partial<Omit<ServiceInput, 'type' | 'partnerAccess'>>) {
  const { tags, ...fields } = input
  await db.batch([
    db.update(services).set({ ...fields, updatedAt: Date.now() }).where(eq(services.id, serviceId)),
    ...(tags
      ? [db.delete(serviceTags).where(eq(serviceTags.serviceId, serviceId)), ...tags.map((tag) => db.insert(serviceTags).values({ serviceId, tag }))]
      : []),
  ])
}

export async function deleteService(db: DB, serviceId: string) {
  await db.delete(services).where(eq(services.id, serviceId))
}

export async function setPartnerAccess(db: DB, serviceId: string, enabled: boolean) {
  await db.update(services).set({ partnerAccess: enabled, updatedAt: Date.now() }).where(eq(services.id, serviceId))
}

/** A customer's consent for all its services: every current service, and the default for new ones. Returns how many services changed. */
export async function setPartnerAccessForAll(db: DB, accountId: string, enabled: boolean) {
  const [changed] = await db.batch([
    db
      .update(services)
      .set({ partnerAccess: enabled, updatedAt: Date.now() })
      .where(and(eq(services.accountId, accountId), ne(services.partnerAccess, enabled)))
      .returning({ id: services.id }),
    db.update(schema.accounts).set({ partnerAccessDefault: enabled }).where(eq(schema.accounts.id, accountId)),
  ])
  return changed.length
}

/**
 * What a dashboard says about the services visible from an account (the same
 * visibility and scope as `listServices`): how many by status, how many of the
 * account's own have partner access, and the soonest to expire.
 */
export async function serviceOverview(
  db: DB,
  opts: { account: { id: string; path: string }; descendantKinds: AccountKind[]; scope: Scope | null; ceilingScope?: Scope | null; expiringWithinDays: number; now?: number },
) {
  const now = opts.now ?? Date.now()
  const visible = and(
    visibleFrom(opts.account, opts.descendantKinds),
    opts.scope ? scopeCondition(opts.scope) : undefined,
    opts.ceilingScope ? scopeCondition(opts.ceilingScope) : undefined,
  )
  const horizon = now + opts.expiringWithinDays * DAY
  const [counts, expiring] = await Promise.all([
    db
      .select({
        status: services.status,
        n: sql<number>`count(*)`.as('n'),
        expiring: sql<number>`sum(${services.expiresAt} > ${now} AND ${services.expiresAt} <= ${horizon})`.as('expiring'),
        ownShared: sql<number>`sum(${services.accountId} = ${opts.account.id} AND ${services.partnerAccess})`.as('own_shared'),
        own: sql<number>`sum(${services.accountId} = ${opts.account.id})`.as('own'),
      })
      .from(services)
      .innerJoin(accounts, eq(accounts.id, services.accountId))
      .where(visible)
      .groupBy(services.status),
    baseQuery(db)
      .where(and(visible, gt(services.expiresAt, now), lte(services.expiresAt, horizon)))
      .orderBy(asc(services.expiresAt), asc(services.id))
      .limit(5),
  ])
  const byStatus = { active: 0, suspended: 0, pending: 0, expired: 0 } as Record<ServiceStatus, number>
  let expiringCount = 0
  let own = 0
  let ownShared = 0
  for (const row of counts) {
    byStatus[row.status] = row.n
    expiringCount += row.expiring ?? 0
    own += row.own ?? 0
    ownShared += row.ownShared ?? 0
  }
  return {
    total: Object.values(byStatus).reduce((a, b) => a + b, 0),
    byStatus,
    expiringCount,
    expiring: expiring.map(present),
    own,
    ownShared,
  }
}
