import { and, asc, eq, gt, isNull, ne, or } from 'drizzle-orm'
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
}

/** An account by id, unless it is deleted. */
export function getAccount(db: DB, accountId: string) {
  return db
    .select(accountColumns)
    .from(accounts)
    .where(and(eq(accounts.id, accountId), ne(accounts.status, 'deleted')))
    .get()
}

/** Cursor over (name, id): stable when names repeat. */
export interface ChildCursor {
  name: string
  id: string
}

/** Direct children of an account, ordered by name, one page at a time. */
export async function listChildren(db: DB, parentId: string, limit: number, after?: ChildCursor) {
  const rows = await db
    .select(accountColumns)
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
  const items = rows.slice(0, limit)
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
