import { and, asc, eq, gt, isNull, ne, or, sql } from 'drizzle-orm'
import { isSectionKey, type SectionKey } from '../authz/catalogue.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'

const { accounts } = schema

export const accountColumns = {
  id: accounts.id,
  name: accounts.name,
  kind: accounts.kind,
  status: accounts.status,
  path: accounts.path,
  parentId: accounts.parentId,
  createdAt: accounts.createdAt,
  adminCap: accounts.adminCap,
  pageViewLogging: accounts.pageViewLogging,
  partnerAccessDefault: accounts.partnerAccessDefault,
}

/** Read a stored access list (JSON array of section keys); null = every section. */
export function parseAccess(json: string | null | undefined): SectionKey[] | null {
  if (!json) return null
  try {
    const value: unknown = JSON.parse(json)
    return Array.isArray(value) ? value.filter((k): k is SectionKey => typeof k === 'string' && isSectionKey(k)) : null
  } catch {
    return null
  }
}

/** The account on the path that blocks it: a disabled or deleted ancestor (or itself). */
export interface Block {
  id: string
  name: string
  path: string
  status: 'disabled' | 'deleted'
  reason: string | null
  showReason: boolean
}

/**
 * An account by id with what its ancestors impose on it: undefined when it or
 * an ancestor is deleted (rule 8: the subtree is hidden); `blocked` names the
 * topmost disabled account on its path; `allowedSections` is the access of
 * the reseller tree it lies in (undefined = every section).
 */
export async function getAccount(db: DB, accountId: string) {
  const [rows, ancestors] = await db.batch([
    db.select(accountColumns).from(accounts).where(and(eq(accounts.id, accountId), ne(accounts.status, 'deleted'))),
    db
      .select({ id: accounts.id, name: accounts.name, path: accounts.path, status: accounts.status, access: accounts.access, reason: accounts.statusReason, showReason: accounts.showReason })
      .from(accounts)
      .where(sql`${accounts.id} IN (SELECT value FROM json_each('["' || replace(trim((SELECT path FROM accounts WHERE id = ${accountId}), '/'), '/', '","') || '"]'))`)
      .orderBy(asc(accounts.path)),
  ])
  const account = rows[0]
  if (!account || ancestors.some((a) => a.status === 'deleted')) return undefined
  const disabled = ancestors.find((a) => a.status === 'disabled')
  const blocked: Block | null = disabled ? { ...disabled, status: 'disabled' } : null
  let allowed: Set<SectionKey> | null = null
  for (const a of ancestors) {
    const access = parseAccess(a.access)
    if (access) allowed = new Set(allowed ? access.filter((k) => allowed!.has(k)) : access)
  }
  // Every member keeps the dashboard of an account they may reach.
  const allowedSections: SectionKey[] | undefined = allowed ? ['dashboard', ...[...allowed].filter((k) => k !== 'dashboard')] : undefined
  // The path as names (platform → reseller → customer), for breadcrumbs.
  const trail = ancestors.map((a) => ({ id: a.id, name: a.name, path: a.path }))
  return { ...account, blocked, allowedSections, trail }
}

/** SQL: the pending owner invitation of an account that has no owner yet (its email and expiry), as JSON. */
export const pendingOwnerInvitation = sql<string | null>`(SELECT json_object('id', i.id, 'email', i.email, 'expiresAt', i.expires_at) FROM invitations i
  WHERE i.account_id = "accounts"."id" AND i.level = 'owner' AND i.status = 'pending' ORDER BY i.created_at DESC LIMIT 1)`.as('owner_invitation')

/** Cursor over (name, id): stable when names repeat. */
export interface ChildCursor {
  name: string
  id: string
}

/** Direct children of an account, ordered by name, one page at a time. */
export async function listChildren(db: DB, parentId: string, limit: number, after?: ChildCursor) {
  const rows = await db
    .select({
      ...accountColumns,
      statusReason: accounts.statusReason,
      // The owner of each child, read with the page (index memberships_account_idx).
      owner: sql<string | null>`(SELECT json_object('id', u.id, 'email', u.email, 'name', u.name) FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.account_id = "accounts"."id" AND m.level = 'owner' ORDER BY m.created_at LIMIT 1)`.as('owner'),
      ownerInvitation: pendingOwnerInvitation,
      disabledBy: accounts.disabledBy,
    })
    .from(accounts)
    .where(
      and(
        eq(accounts.parentId, parentId),
        ne(accounts.status, 'deleted'),
        after ? or(gt(accounts.name, after.name), and(eq(accounts.name, after.name), gt(accounts.id, after.id))) : undefined,
      ),
    )
    .orderBy(asc(accounts.name), asc(accounts.id))
    .limit(limit + 1)
    .all()
  const items = rows.slice(0, limit).map((r) => ({
    ...r,
    owner: r.owner ? (JSON.parse(r.owner) as { id: string; email: string; name: string }) : null,
    ownerInvitation: r.ownerInvitation ? (JSON.parse(r.ownerInvitation) as { id: string; email: string; expiresAt: number }) : null,
  }))
  const last = items.at(-1)
  return { items, next: rows.length > limit && last ? { name: last.name, id: last.id } : null }
}

/** Rename an account, change its admin cap or its page-view logging. */
export async function updateAccount(db: DB, accountId: string, input: { name?: string; adminCap?: number; pageViewLogging?: boolean }) {
  await db
    .update(accounts)
    .set({
      ...(input.name !== undefined && { name: input.name }),
      ...(input.adminCap !== undefined && { adminCap: input.adminCap }),
      ...(input.pageViewLogging !== undefined && { pageViewLogging: input.pageViewLogging }),
    })
    .where(eq(accounts.id, accountId))
}

/** The accounts a user belongs to (id and path), for writing their login events. */
export function accountsOfUser(db: DB, userId: string) {
  return db
    .select({ id: accounts.id, path: accounts.path })
    .from(schema.memberships)
    .innerJoin(accounts, eq(accounts.id, schema.memberships.accountId))
    .where(and(eq(schema.memberships.userId, userId), ne(accounts.status, 'deleted')))
    .all()
}

/** The platform (root) account. */
export function platformAccount(db: DB) {
  return db.select({ id: accounts.id, path: accounts.path }).from(accounts).where(isNull(accounts.parentId)).get()
}
