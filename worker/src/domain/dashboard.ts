import { sql, type SQL } from 'drizzle-orm'
import { serviceTypes, type ServiceType } from '../../../db/schema/services.ts'
import type { DB } from '../db.ts'
import { limitOf, limitsFor, parseLimits, type LimitName, type Limits } from './limits.ts'

/**
 * The counts a dashboard shows about an account's tree. Every function takes
 * the account (its path) and reads only inside that subtree; the route decides
 * which of them the caller may see.
 */

/** How close to a limit counts as "near": 80 % used, or full. */
export const NEAR_LIMIT = 0.8

const subtree = (prefix: string, column: SQL) => sql`(${column} >= ${prefix} AND ${column} < ${`${prefix}\x7f`})`
/** Strictly below the account (not itself). */
const below = (prefix: string, column: SQL) => sql`(${column} > ${prefix} AND ${column} < ${`${prefix}\x7f`})`

const SERVICE_LABELS: Record<ServiceType, string> = {
  hosting: 'Hosting',
  domain: 'Domains',
  server: 'Servers',
  mailbox: 'Mailboxes',
  dns_zone: 'DNS zones',
  broadband: 'Broadband',
}

export interface UsageItem {
  limit: LimitName
  label: string
  used: number
  allowed: number
}

/** Resellers and customers below the account, by status (deleted ones left out). */
export async function treeCounts(db: DB, account: { path: string }) {
  const rows = await db.all<{ kind: 'reseller' | 'customer'; status: string; n: number }>(
    sql`SELECT kind, status, count(*) AS n FROM accounts WHERE ${below(account.path, sql`path`)} AND status != 'deleted' GROUP BY kind, status`,
  )
  const count = (kind: string, status?: string) => rows.filter((r) => r.kind === kind && (!status || r.status === status)).reduce((a, r) => a + r.n, 0)
  return {
    resellers: { total: count('reseller'), disabled: count('reseller', 'disabled') },
    customers: { total: count('customer'), disabled: count('customer', 'disabled') },
  }
}

/** Only the limits that are set, with their use: unlimited items say nothing worth a bar. */
function limitedItems(limits: Limits, customers: number, services: Map<ServiceType, number>): UsageItem[] {
  const items: UsageItem[] = []
  if (limits.max_customers !== null) items.push({ limit: 'max_customers', label: 'Customers', used: customers, allowed: limits.max_customers })
  for (const t of serviceTypes) {
    const allowed = limitOf(limits, `max_services.${t}`)
    if (allowed !== null) items.push({ limit: `max_services.${t}`, label: SERVICE_LABELS[t], used: services.get(t) ?? 0, allowed })
  }
  return items
}

const near = (item: { used: number; allowed: number }) => item.used >= item.allowed * NEAR_LIMIT

/**
 * Each reseller directly below the account (the platform) with its use of
 * the limits that are set, the fullest first.
 */
export async function resellerUsage(db: DB, platform: { id: string }) {
  const [resellers, customers, services] = await Promise.all([
    db.all<{ id: string; name: string; path: string; status: string; limits: string | null }>(
      sql`SELECT id, name, path, status, limits FROM accounts WHERE parent_id = ${platform.id} AND kind = 'reseller' AND status != 'deleted' ORDER BY name, id`,
    ),
    db.all<{ id: string; n: number }>(
      sql`SELECT r.id AS id, count(c.id) AS n FROM accounts r JOIN accounts c ON c.kind = 'customer' AND c.status != 'deleted' AND c.path > r.path AND c.path < r.path || char(127)
          WHERE r.parent_id = ${platform.id} AND r.kind = 'reseller' GROUP BY r.id`,
    ),
    db.all<{ id: string; type: ServiceType; n: number }>(
      sql`SELECT r.id AS id, s.type AS type, count(*) AS n FROM accounts r JOIN accounts a ON a.path >= r.path AND a.path < r.path || char(127) AND a.status != 'deleted'
          JOIN services s ON s.account_id = a.id WHERE r.parent_id = ${platform.id} AND r.kind = 'reseller' GROUP BY r.id, s.type`,
    ),
  ])
  const customerCount = new Map(customers.map((r) => [r.id, r.n]))
  const items = resellers.map((r) => {
    const perType = new Map(services.filter((s) => s.id === r.id).map((s) => [s.type, s.n]))
    const usage = limitedItems(parseLimits(r.limits), customerCount.get(r.id) ?? 0, perType)
    const fullest = usage.reduce((max, u) => Math.max(max, u.allowed === 0 ? 1 : u.used / u.allowed), 0)
    return { account: { id: r.id, name: r.name, status: r.status }, items: usage, nearLimit: usage.some(near), fullest }
  })
  return items.sort((a, b) => b.fullest - a.fullest || a.account.name.localeCompare(b.account.name)).map(({ fullest: _, ...rest }) => rest)
}

/**
 * Customers of the reseller's tree whose staff or admins are near the
 * per-account limits (`max_staff`, `max_admins` and each account's admin cap).
 */
export async function customersNearLimit(db: DB, reseller: { path: string }) {
  const limits = await limitsFor(db, reseller.path)
  const rows = await db.all<{ id: string; name: string; adminCap: number; staff: number; admins: number }>(
    sql`SELECT a.id AS id, a.name AS name, a.admin_cap AS adminCap, count(m.id) AS staff, coalesce(sum(m.level = 'admin'), 0) AS admins
        FROM accounts a LEFT JOIN memberships m ON m.account_id = a.id
        WHERE a.kind = 'customer' AND a.status != 'deleted' AND ${below(reseller.path, sql`a.path`)} GROUP BY a.id ORDER BY a.name, a.id`,
  )
  const out: { account: { id: string; name: string }; items: UsageItem[] }[] = []
  for (const r of rows) {
    const items: UsageItem[] = []
    if (limits.max_staff !== null) items.push({ limit: 'max_staff', label: 'Staff', used: r.staff, allowed: limits.max_staff })
    const adminLimit = limits.max_admins === null ? r.adminCap : Math.min(limits.max_admins, r.adminCap)
    items.push({ limit: 'max_admins', label: 'Admins', used: r.admins, allowed: adminLimit })
    const close = items.filter(near)
    if (close.length) out.push({ account: { id: r.id, name: r.name }, items: close })
  }
  return out
}

/** Invitations still waiting for an answer, in the account and below it. */
export async function pendingInvitations(db: DB, account: { path: string }, now = Date.now()) {
  const rows = await db.all<{ kind: 'member' | 'customer'; n: number }>(
    sql`SELECT i.kind AS kind, count(*) AS n FROM invitations i JOIN accounts a ON a.id = i.account_id
        WHERE i.status = 'pending' AND i.expires_at > ${now} AND a.status != 'deleted' AND ${subtree(account.path, sql`a.path`)} GROUP BY i.kind`,
  )
  const of = (kind: string) => rows.find((r) => r.kind === kind)?.n ?? 0
  return { total: of('member') + of('customer'), members: of('member'), customers: of('customer') }
}

/** Brand hostnames claimed in the tree and not verified yet (expired claims left out). */
export async function hostnamesAwaitingVerification(db: DB, account: { path: string }, now = Date.now()) {
  const row = await db.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM hostnames h JOIN accounts a ON a.id = h.reseller_account_id
        WHERE h.status = 'pending' AND (h.expires_at IS NULL OR h.expires_at > ${now}) AND a.status != 'deleted' AND ${subtree(account.path, sql`a.path`)}`,
  )
  return row?.n ?? 0
}
