import { sql, type SQL } from 'drizzle-orm'
import { serviceTypes, type ServiceType } from '../../../db/schema/services.ts'
import type { DB } from '../db.ts'
import { DomainError } from '../errors.ts'

/**
 * Reseller limits (rule 9). A reseller's row holds its limits as JSON; they
 * bind every account of its subtree:
 * - `max_customers`: customer accounts in the reseller's tree (deleted ones excluded);
 * - `max_staff`: members (any level) of each account in the tree;
 * - `max_admins`: admins of each account in the tree — an upper bound of `accounts.admin_cap`;
 * - `max_services.<type>`: services of that type in the whole tree.
 * A missing or null value is unlimited. The platform itself has no limits.
 *
 * Checks are atomic: `limitGuard` yields a value that turns into NULL when the
 * write would pass the limit; written into a NOT NULL column (see
 * `guardColumns`), the statement fails and rolls back its whole batch, so
 * concurrent creates can never overshoot (D1 runs one statement at a time).
 */

export type ServiceLimitName = `max_services.${ServiceType}`
export type LimitName = 'max_customers' | 'max_staff' | 'max_admins' | ServiceLimitName

export interface Limits {
  max_customers: number | null
  max_staff: number | null
  max_admins: number | null
  max_services: Partial<Record<ServiceType, number | null>>
}

export const noLimits = (): Limits => ({ max_customers: null, max_staff: null, max_admins: null, max_services: {} })

/** The NOT NULL column each kind of write puts its guarded value into. */
export const guardColumns = {
  max_customers: 'accounts.kind',
  max_staff: 'memberships.scope',
  max_admins: 'memberships.level',
  max_services: 'services.type',
} as const

/**
 * Thrown by domain writes when a reseller limit refused the write: which
 * limit, the account whose limits apply (the problem names the limit's value),
 * and the input field that asked for more, if one did.
 */
export class LimitReached extends DomainError {
  constructor(
    readonly limit: LimitName,
    readonly accountPath: string,
    field?: string,
  ) {
    super('limit_reached', `limit reached: ${limit}`, field)
  }
}

const num = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null)

/** Read stored limits JSON; anything unreadable is "no limit". */
export function parseLimits(json: string | null | undefined): Limits {
  const out = noLimits()
  if (!json) return out
  try {
    const v: unknown = JSON.parse(json)
    if (!v || typeof v !== 'object') return out
    const o = v as Record<string, unknown>
    out.max_customers = num(o.max_customers)
    out.max_staff = num(o.max_staff)
    out.max_admins = num(o.max_admins)
    const s = o.max_services && typeof o.max_services === 'object' ? (o.max_services as Record<string, unknown>) : {}
    for (const t of serviceTypes) if (num(s[t]) !== null) out.max_services[t] = num(s[t])
    return out
  } catch {
    return out
  }
}

/** Store limits as JSON, dropping unlimited service types. */
export function serializeLimits(limits: Limits): string {
  const services = Object.fromEntries(Object.entries(limits.max_services).filter(([, v]) => v !== null && v !== undefined))
  return JSON.stringify({ ...limits, max_services: services })
}

/** The value of one limit (null = unlimited). */
export function limitOf(limits: Limits, name: LimitName): number | null {
  if (name.startsWith('max_services.')) return limits.max_services[name.slice(13) as ServiceType] ?? null
  return limits[name as 'max_customers' | 'max_staff' | 'max_admins']
}

const ids = (path: string) => path.split('/').filter(Boolean)

/** The reseller whose limits bind the account at `path` (null for the platform). */
export function resellerOf(path: string): { id: string; path: string } | null {
  const [root, reseller] = ids(path)
  return root && reseller ? { id: reseller, path: `/${root}/${reseller}/` } : null
}

const accountIdOf = (path: string) => ids(path).at(-1)!
const subtree = (prefix: string, column: SQL) => sql`(${column} >= ${prefix} AND ${column} < ${`${prefix}\x7f`})`

/** SQL: the limit's value for the tree of `path` (NULL when unlimited). */
function limitValue(resellerId: string, name: LimitName): SQL {
  return sql`(SELECT json_extract(limits, ${`$.${name}`}) FROM accounts WHERE id = ${resellerId})`
}

/** SQL: how many of what `name` limits exist now for a write into the account at `path`. */
function usedSql(path: string, reseller: { path: string }, name: LimitName): SQL {
  const accountId = accountIdOf(path)
  if (name === 'max_customers')
    return sql`(SELECT count(*) FROM accounts WHERE kind = 'customer' AND status != 'deleted' AND ${subtree(reseller.path, sql`path`)})`
  if (name === 'max_staff') return sql`(SELECT count(*) FROM memberships WHERE account_id = ${accountId})`
  if (name === 'max_admins') return sql`(SELECT count(*) FROM memberships WHERE account_id = ${accountId} AND level = 'admin')`
  const type = name.slice(13)
  return sql`(SELECT count(*) FROM services s JOIN accounts a ON a.id = s.account_id WHERE s.type = ${type} AND ${subtree(reseller.path, sql`a.path`)})`
}

/**
 * SQL condition: one more of `name` still fits in the account at
 * `accountPath` (always true outside resellers' trees or when unlimited).
 */
export function withinLimit(accountPath: string, name: LimitName): SQL {
  const reseller = resellerOf(accountPath)
  if (!reseller) return sql`1`
  const limit = limitValue(reseller.id, name)
  return sql`(${limit} IS NULL OR ${usedSql(accountPath, reseller, name)} < ${limit})`
}

/**
 * `value` while one more of `name` fits in the account at `accountPath`, else
 * NULL. Put it in the guard column of the insert (`guardColumns`) and map the
 * failure with `rethrowLimit`.
 *
 * @example db.insert(memberships).values({ ..., scope: limitGuard(account.path, 'max_staff', JSON.stringify(scope)) })
 */
export function limitGuard(accountPath: string, name: LimitName, value: unknown): SQL {
  return sql`CASE WHEN ${withinLimit(accountPath, name)} THEN ${value} ELSE NULL END`
}

/** Turn the NOT NULL failure of a guard column into `LimitReached`; rethrow anything else. */
export function rethrowLimit(error: unknown, name: LimitName, accountPath: string, field?: string): never {
  const column = guardColumns[name.startsWith('max_services.') ? 'max_services' : (name as keyof typeof guardColumns)]
  const message = String((error as Error)?.message ?? error) + String((error as { cause?: Error })?.cause?.message ?? '')
  if (message.includes(`NOT NULL constraint failed: ${column}`)) throw new LimitReached(name, accountPath, field)
  throw error
}

/** The reseller limits binding the account at `accountPath` (none for the platform). */
export async function limitsFor(db: DB, accountPath: string): Promise<Limits> {
  const reseller = resellerOf(accountPath)
  if (!reseller) return noLimits()
  const row = await db.get<{ limits: string | null }>(sql`SELECT limits FROM accounts WHERE id = ${reseller.id}`)
  return parseLimits(row?.limits)
}

/** The value a refused write ran into, for the error: the admin cap is the lower of the account's cap and the limit. */
export async function effectiveLimit(db: DB, accountPath: string, name: LimitName): Promise<number | null> {
  const value = limitOf(await limitsFor(db, accountPath), name)
  if (name !== 'max_admins') return value
  const row = await db.get<{ cap: number }>(sql`SELECT admin_cap AS cap FROM accounts WHERE id = ${accountIdOf(accountPath)}`)
  return value === null ? (row?.cap ?? null) : Math.min(value, row?.cap ?? value)
}

/**
 * Usage against the limits, for the bars on a dashboard: customers and
 * services across the reseller's tree, staff and admins of this account.
 */
export async function usageOf(db: DB, account: { id: string; path: string; adminCap: number }) {
  const reseller = resellerOf(account.path)
  const limits = await limitsFor(db, account.path)
  const prefix = reseller?.path ?? account.path
  const [customers, staff, admins, services] = await Promise.all([
    db.all<{ n: number }>(sql`SELECT count(*) AS n FROM accounts WHERE kind = 'customer' AND status != 'deleted' AND ${subtree(prefix, sql`path`)}`),
    db.all<{ n: number }>(sql`SELECT count(*) AS n FROM memberships WHERE account_id = ${account.id}`),
    db.all<{ n: number }>(sql`SELECT count(*) AS n FROM memberships WHERE account_id = ${account.id} AND level = 'admin'`),
    db.all<{ type: ServiceType; n: number }>(
      sql`SELECT s.type AS type, count(*) AS n FROM services s JOIN accounts a ON a.id = s.account_id WHERE ${subtree(prefix, sql`a.path`)} AND a.status != 'deleted' GROUP BY s.type`,
    ),
  ])
  const perType = new Map(services.map((r) => [r.type, r.n]))
  const adminLimit = limits.max_admins === null ? account.adminCap : Math.min(limits.max_admins, account.adminCap)
  return {
    scope: reseller ? { resellerId: reseller.id } : null,
    items: [
      { limit: 'max_customers' as LimitName, label: 'Customers', used: customers[0]?.n ?? 0, allowed: limits.max_customers },
      { limit: 'max_staff' as LimitName, label: 'Staff in this account', used: staff[0]?.n ?? 0, allowed: limits.max_staff },
      { limit: 'max_admins' as LimitName, label: 'Admins in this account', used: admins[0]?.n ?? 0, allowed: adminLimit },
      ...serviceTypes.map((t) => ({ limit: `max_services.${t}` as LimitName, label: `Services: ${t.replace('_', ' ')}`, used: perType.get(t) ?? 0, allowed: limits.max_services[t] ?? null })),
    ],
  }
}
