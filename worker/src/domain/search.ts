import { sql } from 'drizzle-orm'
import type { AccountKind } from '../../../db/schema/accounts.ts'
import type { DB } from '../db.ts'
import { underDeleted } from './lifecycle.ts'

/**
 * Look-ups for the command palette and the account switcher, inside one
 * subtree (the caller passes the path it may see). Names match as plain
 * case-folded substrings (instr, so any text is taken literally).
 */

const inTree = (prefix: string, column: ReturnType<typeof sql>) => sql`(${column} >= ${prefix} AND ${column} < ${`${prefix}\x7f`})`
const alive = (column: ReturnType<typeof sql>) => sql`NOT ${underDeleted(column)}`

export interface FoundAccount {
  id: string
  name: string
  kind: AccountKind
  path: string
  status: string
  parentId: string | null
  parentName: string | null
}

/** Accounts of the subtree at `rootPath` (itself included) whose name contains `q`; names starting with it first. */
export function searchAccounts(db: DB, rootPath: string, q: string, limit: number) {
  return db.all<FoundAccount>(
    sql`SELECT a.id AS id, a.name AS name, a.kind AS kind, a.path AS path, a.status AS status, a.parent_id AS parentId, p.name AS parentName
        FROM accounts a LEFT JOIN accounts p ON p.id = a.parent_id
        WHERE ${inTree(rootPath, sql`a.path`)} AND a.status != 'deleted' AND ${alive(sql`a.path`)} AND instr(lower(a.name), lower(${q})) > 0
        ORDER BY instr(lower(a.name), lower(${q})) != 1, a.name, a.id LIMIT ${limit}`,
  )
}

/** Accounts strictly below any of `paths` (the accounts people reach through a membership above them), by kind and name. */
export function accountsBelow(db: DB, paths: readonly string[], q: string | undefined, limit: number) {
  if (!paths.length) return Promise.resolve([] as FoundAccount[])
  const below = sql.join(
    paths.map((p) => sql`(a.path > ${p} AND a.path < ${`${p}\x7f`})`),
    sql` OR `,
  )
  return db.all<FoundAccount>(
    sql`SELECT a.id AS id, a.name AS name, a.kind AS kind, a.path AS path, a.status AS status, a.parent_id AS parentId, p.name AS parentName
        FROM accounts a LEFT JOIN accounts p ON p.id = a.parent_id
        WHERE (${below}) AND a.status != 'deleted' AND ${alive(sql`a.path`)} ${q ? sql`AND instr(lower(a.name), lower(${q})) > 0` : sql``}
        ORDER BY a.kind = 'customer', a.name, a.id LIMIT ${limit}`,
  )
}

export interface FoundPerson {
  membershipId: string
  userId: string
  name: string
  email: string
  level: string
  accountId: string
  accountName: string
  accountKind: AccountKind
  accountPath: string
}

/** Members of accounts in the subtree whose name or email contains `q`. */
export function searchPeople(db: DB, rootPath: string, q: string, limit: number) {
  return db.all<FoundPerson>(
    sql`SELECT m.id AS membershipId, u.id AS userId, u.name AS name, u.email AS email, m.level AS level,
               a.id AS accountId, a.name AS accountName, a.kind AS accountKind, a.path AS accountPath
        FROM memberships m JOIN users u ON u.id = m.user_id JOIN accounts a ON a.id = m.account_id
        WHERE ${inTree(rootPath, sql`a.path`)} AND a.status != 'deleted' AND ${alive(sql`a.path`)}
          AND (instr(lower(u.name), lower(${q})) > 0 OR instr(lower(u.email), lower(${q})) > 0)
        ORDER BY instr(lower(u.name), lower(${q})) != 1, u.name, a.name, m.id LIMIT ${limit}`,
  )
}
