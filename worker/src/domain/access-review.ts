import { and, asc, eq, gt, isNull, ne, or, sql, type SQL } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import type { BatchItem } from 'drizzle-orm/batch'
import type { AccountKind } from '../../../db/schema/accounts.ts'
import type { MembershipLevel } from '../../../db/schema/memberships.ts'
import type { Permission, SectionKey } from '../authz/catalogue.ts'
import type { MembershipGrant, Scope, TargetAccount, TargetService } from '../authz/decide.ts'
import { reachIn, reviewRemoval, reviewVisible, type Reviewer, type ReviewLineFacts, type ReviewLineKind } from '../authz/review.ts'
import { builtinPermissions, builtinRoleNames } from '../authz/roles.ts'
import { reachingMembership } from '../authz/tenancy.ts'
import { sha256Hex } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import { parseAccess } from './accounts.ts'
import { keyRoles } from './api-keys.ts'
import { buildGrants, grantColumns, membershipLive, parents, parsePermissions, roleColumns, roleLive, type LoadedGrant } from './grants.ts'
import { underDeleted } from './lifecycle.ts'
import { parseScope } from './scope.ts'

const { accounts, apiKeys, memberships, membershipRoles, roles, services, serviceTags, users } = schema

/** Accounts of a tree per page of a review (each brings its people, keys, roles and consents). */
export const REVIEW_PAGE_ACCOUNTS = 25
/** Most decisions one apply may carry. */
export const REVIEW_MAX_DECISIONS = 2000

/** One line of a review: who (or which consent) can do what, where, and whether the reviewer may remove it. */
export interface ReviewLine {
  /** Stable id of the line: `member:<membershipId>`, `role:<membershipId>:<roleId>`, `key:<keyId>`, `inherited:<membershipId|keyId>`, `partner:<serviceId>`. */
  id: string
  accountId: string
  kind: ReviewLineKind
  /** A digest of what the line grants: applying refuses a line whose digest changed since it was listed. */
  version: string
  principal: { type: 'person' | 'api_key' | 'partner'; id: string; name: string; email: string | null }
  level: MembershipLevel | null
  roles: { id: string; name: string }[]
  scope: Scope | null
  /** Every permission the principal may exercise in this account (the decision function's answer). */
  permissions: Permission[]
  /** The account that grants it, for inherited access and partner access. */
  through: { id: string; name: string } | null
  service: { id: string; name: string; type: string } | null
  removable: boolean
  /** Why not, when it is not removable. */
  reason: string | null
  /** What removing it does, in a few words. */
  removal: string
}

/** Every prefix path of a path: `/a/b/` → `/a/`, `/a/b/`. */
function prefixes(path: string): string[] {
  const parts = path.split('/').filter(Boolean)
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}/`)
}

const inList = (column: SQL | SQLiteColumn, values: readonly string[]) => sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`

/**
 * One page of the accounts of the tree under `root` (itself first), by path:
 * deleted subtrees left out. `after` is the last path of the previous page.
 */
export async function reviewAccounts(db: DB, root: { path: string; allowedSections?: readonly SectionKey[] | undefined }, opts: { limit: number; after?: string | null; ids?: readonly string[] }) {
  const rows = await db
    .select({ id: accounts.id, name: accounts.name, kind: accounts.kind, path: accounts.path, parentId: accounts.parentId })
    .from(accounts)
    .where(
      and(
        sql`${accounts.path} >= ${root.path} AND ${accounts.path} < ${`${root.path}\x7f`}`,
        ne(accounts.status, 'deleted'),
        sql`NOT ${underDeleted(sql`${accounts.path}`)}`,
        opts.after ? gt(accounts.path, opts.after) : undefined,
        opts.ids ? inList(accounts.id, opts.ids) : undefined,
      ),
    )
    .orderBy(asc(accounts.path))
    .limit(opts.limit + 1)
  const page = rows.slice(0, opts.limit)
  return { accounts: page, next: rows.length > opts.limit ? page.at(-1)!.path : null }
}

type AccountRow = Awaited<ReturnType<typeof reviewAccounts>>['accounts'][number]

/** The digest of a line's facts (short: it only has to change when they do). */
const digest = (facts: unknown) => sha256Hex(JSON.stringify(facts)).slice(0, 16)

/**
 * The lines of these accounts of one tree, as `reviewer` may see them, each
 * with whether they may remove it. What a principal may do is asked of the
 * decision function (`heldIn`) over the principal's own grants on the path —
 * the same answer its requests get — never derived here.
 */
export async function reviewLines(db: DB, reviewer: Reviewer, root: { allowedSections?: readonly SectionKey[] | undefined }, pageAccounts: readonly AccountRow[], now = Date.now()): Promise<ReviewLine[]> {
  if (!pageAccounts.length) return []
  const paths = [...new Set(pageAccounts.flatMap((a) => prefixes(a.path)))]
  const pageIds = pageAccounts.map((a) => a.id)
  const [pathAccounts, memberRows, roleRows, keyRows, keyRoleRows, serviceRows, tagRows] = await db.batch([
    db.select({ id: accounts.id, name: accounts.name, path: accounts.path, kind: accounts.kind, access: accounts.access }).from(accounts).where(inList(accounts.path, paths)),
    db
      .select({ ...grantColumns, userId: memberships.userId, email: users.email, userName: sql<string>`${users.name}`.as('user_name') })
      .from(memberships)
      .innerJoin(accounts, eq(accounts.id, memberships.accountId))
      .innerJoin(users, eq(users.id, memberships.userId))
      .leftJoin(parents, eq(parents.id, accounts.parentId))
      // Ended access grants nothing (decision 023), so it is not reviewed either.
      .where(and(inList(accounts.path, paths), membershipLive(now)))
      .orderBy(sql`CASE ${memberships.level} WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END`, asc(users.name)),
    db
      .select(roleColumns)
      .from(membershipRoles)
      .innerJoin(memberships, eq(memberships.id, membershipRoles.membershipId))
      .innerJoin(accounts, eq(accounts.id, memberships.accountId))
      .leftJoin(roles, eq(roles.id, membershipRoles.roleId))
      .where(and(inList(accounts.path, paths), membershipLive(now), roleLive(now))),
    db
      .select({
        id: apiKeys.id,
        name: apiKeys.name,
        accountId: apiKeys.accountId,
        level: apiKeys.level,
        roleIds: apiKeys.roleIds,
        scope: apiKeys.scope,
        expiresAt: apiKeys.expiresAt,
        createdByEmail: apiKeys.createdByEmail,
      })
      .from(apiKeys)
      .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
      .where(and(inList(accounts.path, paths), isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now))))
      .orderBy(asc(apiKeys.name)),
    db
      .select({ id: roles.id, name: roles.name, permissions: roles.permissions })
      .from(roles)
      .innerJoin(accounts, eq(accounts.id, roles.accountId))
      .where(inList(accounts.path, paths)),
    db
      .select({ id: services.id, name: services.name, type: services.type, accountId: services.accountId, groupId: services.groupId })
      .from(services)
      .where(and(inList(services.accountId, pageIds), eq(services.partnerAccess, true)))
      .orderBy(asc(services.name)),
    db
      .select({ serviceId: serviceTags.serviceId, tag: serviceTags.tag })
      .from(serviceTags)
      .innerJoin(services, eq(services.id, serviceTags.serviceId))
      .where(and(inList(services.accountId, pageIds), eq(services.partnerAccess, true))),
  ])

  // The sections each account's tree may use: the route account's, narrowed by every access list on the path below it.
  const accessByPath = new Map(pathAccounts.map((a) => [a.path, parseAccess(a.access)]))
  const nameById = new Map(pathAccounts.map((a) => [a.id, a.name]))
  const target = (a: { id: string; path: string; kind: AccountKind }): TargetAccount => {
    let allowed: Set<SectionKey> | null = root.allowedSections ? new Set(root.allowedSections) : null
    for (const p of prefixes(a.path)) {
      const access = accessByPath.get(p)
      if (access) allowed = new Set(allowed ? access.filter((k) => allowed!.has(k)) : access)
    }
    return { id: a.id, path: a.path, kind: a.kind, allowedSections: allowed ? ['dashboard', ...[...allowed].filter((k) => k !== 'dashboard')] : undefined }
  }

  // People: every membership on the paths, folded into grants by the same code as sign-in.
  const grants = buildGrants([memberRows, roleRows])
  const byMembership = new Map(grants.map((g) => [g.membershipId, g]))
  const people = new Map<string, { email: string; name: string; grants: LoadedGrant[] }>()
  for (const m of memberRows) {
    const entry = people.get(m.userId) ?? { email: m.email, name: m.userName, grants: [] }
    entry.grants.push(byMembership.get(m.membershipId)!)
    people.set(m.userId, entry)
  }
  const userOf = new Map(memberRows.map((m) => [m.membershipId, m.userId]))

  // Keys: each a principal with one grant in its own account, resolved as `validateApiKey` does.
  const customRoles = new Map(keyRoleRows.map((r) => [r.id, r]))
  const accountById = new Map(pathAccounts.map((a) => [a.id, a]))
  const keys = keyRows.flatMap((k) => {
    const account = accountById.get(k.accountId)
    if (!account) return []
    const kind = account.kind
    const { roleIds, permissions } = keyRoles(k.roleIds, customRoles)
    const grant: MembershipGrant = { accountId: k.accountId, path: account.path, kind, level: k.level, permissions, scope: parseScope(k.scope) }
    return [{ row: k, roleIds, grant }]
  })
  const roleName = (id: string) => builtinRoleNames.get(id) ?? customRoles.get(id)?.name ?? id

  const tagsOf = new Map<string, string[]>()
  for (const t of tagRows) tagsOf.set(t.serviceId, [...(tagsOf.get(t.serviceId) ?? []), t.tag])

  const lines: ReviewLine[] = []
  const decide = (account: TargetAccount, facts: ReviewLineFacts) => {
    const removal = reviewRemoval(reviewer, account, facts)
    return { removable: removal.ok, reason: removal.ok ? null : removal.reason }
  }
  for (const a of pageAccounts) {
    const account = target(a)
    const seesPeople = reviewVisible(reviewer, account, 'member')
    const seesKeys = reviewVisible(reviewer, account, 'api_key')
    if (seesPeople) {
      // Members of this account: the membership itself, then each role it holds.
      for (const g of grants.filter((g) => g.accountId === a.id)) {
        const userId = userOf.get(g.membershipId)!
        const person = people.get(userId)!
        const principal = { type: 'person' as const, id: userId, name: person.name, email: person.email }
        const roleList = g.roleIds.map((id, i) => ({ id, name: g.roleNames[i] ?? roleName(id) }))
        const base = { accountId: a.id, principal, level: g.level, scope: g.scope, through: null, service: null }
        const permissions = reachIn(person.grants, account)
        lines.push({
          ...base,
          id: `member:${g.membershipId}`,
          kind: 'member',
          version: digest(['member', g.level, [...g.roleIds].sort(), g.scope]),
          roles: roleList,
          permissions,
          ...decide(account, { kind: 'member', userId, level: g.level }),
          removal: `Remove ${person.email} from ${a.name}`,
        })
        if (g.level === 'owner') continue
        for (const role of roleList) {
          const without = g.roleIds.filter((id) => id !== role.id)
          const withoutPermissions = new Set<Permission>()
          for (const id of without) for (const p of permissionsOfRole(id, g, roleRows)) withoutPermissions.add(p)
          lines.push({
            ...base,
            id: `role:${g.membershipId}:${role.id}`,
            kind: 'role',
            version: digest(['role', g.level, role.id, g.scope]),
            roles: [role],
            permissions: [...new Set(permissionsOfRole(role.id, g, roleRows))].filter((p) => permissions.includes(p)),
            ...decide(account, {
              kind: 'role',
              userId,
              current: { level: g.level, permissions: g.permissions, scope: g.scope },
              without: { level: g.level, permissions: [...withoutPermissions], scope: g.scope },
            }),
            removal: `Take the role ${role.name} away from ${person.email}`,
          })
        }
      }
      // People of the accounts above who reach this one through their own grants (and have no membership here).
      for (const [userId, person] of people) {
        const onPath = person.grants.filter((g) => a.path.startsWith(g.path))
        const via = reachingMembership(onPath, a.path)
        if (!via || via.accountId === a.id) continue
        const permissions = reachIn(onPath, account)
        if (!permissions.length) continue
        const from = nameById.get(via.accountId) ?? via.accountName
        lines.push({
          id: `inherited:${via.membershipId}:${a.id}`,
          accountId: a.id,
          kind: 'inherited',
          version: digest(['inherited', via.level, [...via.roleIds].sort(), via.scope, permissions]),
          principal: { type: 'person', id: userId, name: person.name, email: person.email },
          level: via.level,
          roles: via.roleIds.map((id, i) => ({ id, name: via.roleNames[i] ?? roleName(id) })),
          scope: via.scope,
          permissions,
          through: { id: via.accountId, name: from },
          service: null,
          ...decide(account, { kind: 'inherited', from }),
          removal: `Change it in ${from}`,
        })
      }
    }
    if (seesKeys) {
      for (const k of keys) {
        const own = k.row.accountId === a.id
        if (!own && !a.path.startsWith(k.grant.path)) continue
        const permissions = reachIn([k.grant], account)
        if (!own && !permissions.length) continue
        const from = nameById.get(k.row.accountId) ?? k.row.accountId
        lines.push({
          id: own ? `key:${k.row.id}` : `inherited:${k.row.id}:${a.id}`,
          accountId: a.id,
          kind: own ? 'api_key' : 'inherited',
          version: digest(['key', k.row.level, [...k.roleIds].sort(), k.grant.scope, k.row.expiresAt, own ? null : permissions]),
          principal: { type: 'api_key', id: k.row.id, name: k.row.name, email: null },
          level: k.row.level,
          roles: k.roleIds.map((id) => ({ id, name: roleName(id) })),
          scope: k.grant.scope,
          permissions,
          through: own ? null : { id: k.row.accountId, name: from },
          service: null,
          ...decide(account, own ? { kind: 'api_key' } : { kind: 'inherited', from }),
          removal: own ? `Revoke the API key “${k.row.name}”` : `Change it in ${from}`,
        })
      }
    }
    if (a.kind === 'customer' && a.parentId) {
      const partner = { id: a.parentId, name: nameById.get(a.parentId) ?? 'the partner' }
      for (const s of serviceRows.filter((s) => s.accountId === a.id)) {
        const facts: TargetService = { id: s.id, groupId: s.groupId, tags: tagsOf.get(s.id) ?? [], partnerAccess: true }
        if (!reviewVisible(reviewer, account, 'partner_access', facts)) continue
        lines.push({
          id: `partner:${s.id}`,
          accountId: a.id,
          kind: 'partner_access',
          version: digest(['partner', true]),
          principal: { type: 'partner', id: partner.id, name: partner.name, email: null },
          level: null,
          roles: [],
          scope: null,
          permissions: ['services.manage', 'services.operate'],
          through: partner,
          service: { id: s.id, name: s.name, type: s.type },
          ...decide(account, { kind: 'partner_access', owner: account, service: facts }),
          removal: `Turn partner access off for ${s.name}`,
        })
      }
    }
  }
  return lines
}

/** The permissions one role of a membership confers (built-in, or the custom role's stored list). */
function permissionsOfRole(roleId: string, g: LoadedGrant, roleRows: readonly { membershipId: string; roleId: string; permissions: string | null }[]): readonly Permission[] {
  const row = roleRows.find((r) => r.membershipId === g.membershipId && r.roleId === roleId)
  return row?.permissions ? parsePermissions(row.permissions) : (builtinPermissions.get(roleId) ?? [])
}

/**
 * Apply the removals in one D1 batch, all or nothing. Each write names the
 * state it was decided on; a membership whose level changed after it was
 * read fails the batch (NULL into the NOT NULL level), so a removal never
 * lands on a grant the reviewer did not see.
 */
export async function applyRemovals(db: DB, removals: readonly ReviewLine[], now = Date.now()) {
  const statements = removals.flatMap((line): BatchItem<'sqlite'>[] => {
    const [kind, first, second] = line.id.split(':') as [string, string, string | undefined]
    const guardLevel = (membershipId: string) =>
      db
        .update(memberships)
        .set({ level: sql`CASE WHEN level = ${line.level} THEN level ELSE NULL END` })
        .where(and(eq(memberships.id, membershipId), eq(memberships.accountId, line.accountId)))
    switch (kind) {
      case 'member':
        return [guardLevel(first), db.delete(memberships).where(and(eq(memberships.id, first), eq(memberships.accountId, line.accountId)))]
      case 'role':
        return [guardLevel(first), db.delete(membershipRoles).where(and(eq(membershipRoles.membershipId, first), eq(membershipRoles.roleId, second!)))]
      case 'key':
        return [db.update(apiKeys).set({ revokedAt: now }).where(and(eq(apiKeys.id, first), eq(apiKeys.accountId, line.accountId), isNull(apiKeys.revokedAt)))]
      case 'partner':
        return [db.update(services).set({ partnerAccess: false, updatedAt: now }).where(and(eq(services.id, first), eq(services.accountId, line.accountId)))]
      default:
        return []
    }
  })
  if (!statements.length) return
  await db.batch(statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])
}

/** Whether a batch failed because a membership changed level while the review was applied. */
export function isChangedWhileApplying(error: unknown) {
  return String((error as Error)?.message ?? error).includes('NOT NULL constraint failed: memberships.level')
}

/** The membership id of a member or role line. */
export function membershipOfLine(line: ReviewLine): string | null {
  return line.kind === 'member' || line.kind === 'role' ? line.id.split(':')[1]! : null
}

/**
 * The same columns and codes (kind, level, `yes`/`no`, the API's English reason) in every language:
 * the file is for spreadsheets and scripts, like the API's `detail` and `code`, so a French
 * reviewer's export reads the same as an English one.
 */
const CSV_COLUMNS = ['account', 'account_id', 'kind', 'who', 'principal_type', 'email', 'level', 'roles', 'scope', 'permissions', 'through', 'service', 'removable', 'reason', 'line_id', 'version'] as const

/** A CSV cell, quoted, with spreadsheet formulas neutralised. */
function csvCell(v: unknown) {
  const s = v === null || v === undefined ? '' : String(v)
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
  return `"${safe.replaceAll('"', '""')}"`
}

/** A scope in a few words: `all`, `none`, `tagged: vip, eu`, `selected: 2 services, 1 group`. */
export function scopeText(scope: Scope | null) {
  if (!scope) return ''
  switch (scope.mode) {
    case 'all':
    case 'none':
      return scope.mode
    case 'tagged':
      return `tagged: ${scope.tags.join(', ')}`
    case 'selected':
      return `selected: ${scope.services.length} services, ${scope.groups.length} groups`
  }
}

/**
 * The whole review of a tree as CSV, one page of accounts per pull, so a
 * large tree streams instead of being held in memory.
 */
export function reviewCsv(db: DB, reviewer: Reviewer, root: { path: string; allowedSections?: readonly SectionKey[] | undefined }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let after: string | null = null
  let started = false
  let done = false
  return new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      if (!started) {
        started = true
        controller.enqueue(encoder.encode(CSV_COLUMNS.join(',') + '\n'))
        return
      }
      if (done) return controller.close()
      const page = await reviewAccounts(db, root, { limit: REVIEW_PAGE_ACCOUNTS, after })
      const names = new Map(page.accounts.map((a) => [a.id, a.name]))
      const lines = await reviewLines(db, reviewer, root, page.accounts)
      const text = lines
        .map((l) =>
          [
            names.get(l.accountId),
            l.accountId,
            l.kind,
            l.service ? l.service.name : l.principal.name,
            l.principal.type,
            l.principal.email,
            l.level,
            l.roles.map((r) => r.name).join('; '),
            scopeText(l.scope),
            l.permissions.join(' '),
            l.through?.name,
            l.service?.name,
            l.removable ? 'yes' : 'no',
            l.reason,
            l.id,
            l.version,
          ]
            .map(csvCell)
            .join(','),
        )
        .join('\n')
      if (text) controller.enqueue(encoder.encode(text + '\n'))
      after = page.next
      if (!after) done = true
    },
  })
}
