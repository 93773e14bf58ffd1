import { sql } from 'drizzle-orm'
import type { Permission } from '../authz/catalogue.ts'
import type { MembershipGrant } from '../authz/decide.ts'
import { canGrantTimed, type TimedGrant } from '../authz/expiry.ts'
import { builtinPermissions } from '../authz/roles.ts'
import { reachingMembership } from '../authz/tenancy.ts'
import { newId, randomToken, sha256Hex } from '../crypto/tokens.ts'
import { errorText, isUniqueViolation, type DB } from '../db.ts'
import { type Archive, type ArchiveCounts, type ArchiveError, type ArchivedAccount, type ArchivedMember, ARCHIVE_FORMAT, ARCHIVE_VERSION, MAX_ARCHIVE_LINES } from './backup-archive.ts'
import { claimableHostname, CLAIM_TTL_MS } from './hostnames.ts'
import { INVITATION_TTL_MS } from './invitations.ts'
import { mayUndo } from './lifecycle.ts'
import { parseLimits, resellerOf, type Limits } from './limits.ts'
import { parseScope } from './scope.ts'

/*
 * Backups of an account subtree (docs/decisions/021-backups-and-settings.md):
 * an export streams the archive of backup-archive.ts; a restore plans every
 * write first — clashes, rights, limits — and then makes them in one D1 batch,
 * so it happens whole or not at all.
 */

const inTree = (prefix: string) => sql`(path >= ${prefix} AND path < ${`${prefix}\x7f`})`
const jsonList = (values: readonly string[]) => JSON.stringify(values)

/** The accounts of a backup of the subtree at `root`: deleted ones (and what lies under them) are left out. */
async function treeAccounts(db: DB, root: { path: string }) {
  const rows = await db.all<{
    id: string
    parentId: string
    kind: 'platform' | 'reseller' | 'customer'
    name: string
    status: 'active' | 'disabled' | 'deleted'
    statusReason: string | null
    showReason: number
    adminCap: number
    pageViewLogging: number | null
    partnerAccessDefault: number
    poweredBy: number
    limits: string | null
    access: string | null
    templateId: string | null
    createdAt: number
    path: string
  }>(sql`SELECT id, parent_id AS parentId, kind, name, status, status_reason AS statusReason, show_reason AS showReason, admin_cap AS adminCap,
      page_view_logging AS pageViewLogging, partner_access_default AS partnerAccessDefault, powered_by AS poweredBy, limits, access,
      template_id AS templateId, created_at AS createdAt, path
    FROM accounts WHERE ${inTree(root.path)} ORDER BY path LIMIT ${MAX_ARCHIVE_LINES + 1}`)
  const kept = new Set<string>()
  return rows.filter((r) => {
    if (r.status === 'deleted' || r.kind === 'platform') return false
    if (r.path !== root.path && !kept.has(r.parentId)) return false
    kept.add(r.id)
    return true
  })
}

/** Per-kind counts of what a backup of the subtree at `root` holds, and its total number of lines. */
export async function backupCounts(db: DB, root: { path: string }, now = Date.now()) {
  const accounts = await treeAccounts(db, root)
  const ids = jsonList(accounts.map((a) => a.id))
  const of = (table: string, where = sql`account_id IN (SELECT value FROM json_each(${ids}))`) =>
    db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${sql.raw(table)} WHERE ${where}`).then((r) => r?.n ?? 0)
  const [templates, roles, groups, services, members, brands, hostnames] = await Promise.all([
    of('reseller_templates'),
    of('roles'),
    of('service_groups'),
    of('services'),
    of('memberships', sql`account_id IN (SELECT value FROM json_each(${ids})) AND (ends_at IS NULL OR ends_at > ${now})`),
    of('brands'),
    of('hostnames', hostnameScope(ids)),
  ])
  const counts: ArchiveCounts = { accounts: accounts.length, templates, roles, groups, services, members, brands, hostnames }
  const total = 2 + Object.values(counts).reduce((a, b) => a + b, 0)
  return { counts, total, accounts }
}

const hostnameScope = (ids: string) =>
  sql`(customer_account_id IN (SELECT value FROM json_each(${ids})) OR (customer_account_id IS NULL AND reseller_account_id IN (SELECT value FROM json_each(${ids}))))`

const bool = (v: number | null) => (v === null ? null : v === 1)
const parseJson = <T>(text: string | null, fallback: T): T => {
  if (text === null) return fallback
  try {
    return JSON.parse(text) as T
  } catch {
    return fallback
  }
}

/** Limits as the archive writes them: only what is set. */
function archivedLimits(text: string | null) {
  if (text === null) return null
  const l = parseLimits(text)
  const services = Object.fromEntries(Object.entries(l.max_services).filter(([, v]) => v !== null && v !== undefined))
  return { max_customers: l.max_customers, max_staff: l.max_staff, max_admins: l.max_admins, max_services: services }
}

/**
 * The lines of a backup of the subtree at `root`, one JSON object each (no
 * newline), read table by table as they are asked for. Too big a subtree is
 * refused before the first line (`tooBig`).
 */
export async function backupLines(db: DB, root: { id: string; path: string; parentId: string | null; kind: string; name: string }, now = Date.now()) {
  const { counts, total, accounts } = await backupCounts(db, root, now)
  if (total > MAX_ARCHIVE_LINES) return { tooBig: true as const, total }
  const ids = jsonList(accounts.map((a) => a.id))
  const inAccounts = sql`account_id IN (SELECT value FROM json_each(${ids}))`
  async function* lines() {
    yield { t: 'header', format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, exportedAt: now, root: { id: root.id, kind: root.kind, name: root.name, parentId: root.parentId }, counts, total }
    for (const a of accounts) {
      yield {
        t: 'account', id: a.id, parentId: a.parentId, kind: a.kind, name: a.name, status: a.status, statusReason: a.statusReason, showReason: a.showReason === 1,
        adminCap: a.adminCap, pageViewLogging: bool(a.pageViewLogging), partnerAccessDefault: a.partnerAccessDefault === 1, poweredBy: a.poweredBy === 1,
        limits: archivedLimits(a.limits), access: parseJson<string[] | null>(a.access, null), templateId: a.templateId, createdAt: a.createdAt,
      }
    }
    for (const r of await db.all<{ id: string; accountId: string; name: string; limits: string; access: string | null }>(
      sql`SELECT id, account_id AS accountId, name, limits, access FROM reseller_templates WHERE ${inAccounts} ORDER BY id`,
    ))
      yield { t: 'template', id: r.id, accountId: r.accountId, name: r.name, limits: archivedLimits(r.limits) ?? {}, access: parseJson<string[] | null>(r.access, null) }
    for (const r of await db.all<{ id: string; accountId: string; name: string; description: string; permissions: string }>(
      sql`SELECT id, account_id AS accountId, name, description, permissions FROM roles WHERE ${inAccounts} ORDER BY account_id, id`,
    ))
      yield { t: 'role', id: r.id, accountId: r.accountId, name: r.name, description: r.description, permissions: parseJson<string[]>(r.permissions, []) }
    for (const r of await db.all<{ id: string; accountId: string; name: string }>(sql`SELECT id, account_id AS accountId, name FROM service_groups WHERE ${inAccounts} ORDER BY account_id, id`))
      yield { t: 'group', id: r.id, accountId: r.accountId, name: r.name }
    // Services can be many: read them a page at a time.
    let after = ''
    for (;;) {
      const page = await db.all<{ id: string; accountId: string; type: string; name: string; status: string; expiresAt: number | null; groupId: string | null; partnerAccess: number; createdAt: number; tags: string }>(
        sql`SELECT id, account_id AS accountId, type, name, status, expires_at AS expiresAt, group_id AS groupId, partner_access AS partnerAccess, created_at AS createdAt,
          (SELECT json_group_array(tag) FROM service_tags WHERE service_id = services.id) AS tags
        FROM services WHERE ${inAccounts} AND id > ${after} ORDER BY id LIMIT 500`,
      )
      for (const r of page)
        yield { t: 'service', id: r.id, accountId: r.accountId, type: r.type, name: r.name, status: r.status, expiresAt: r.expiresAt, groupId: r.groupId, partnerAccess: r.partnerAccess === 1, tags: parseJson<string[]>(r.tags, []), createdAt: r.createdAt }
      if (page.length < 500) break
      after = page.at(-1)!.id
    }
    // Access that has ended is not in a backup (it grants nothing); access that will end keeps its end dates.
    for (const r of await db.all<{ id: string; accountId: string; email: string; name: string; level: string; scope: string; roles: string; endsAt: number | null; roleEnds: string }>(
      sql`SELECT m.id, m.account_id AS accountId, u.email, u.name, m.level, m.scope, m.ends_at AS endsAt,
          (SELECT json_group_array(role_id) FROM membership_roles WHERE membership_id = m.id AND (ends_at IS NULL OR ends_at > ${now})) AS roles,
          (SELECT json_group_object(role_id, ends_at) FROM membership_roles WHERE membership_id = m.id AND ends_at > ${now}) AS roleEnds
        FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.account_id IN (SELECT value FROM json_each(${ids})) AND (m.ends_at IS NULL OR m.ends_at > ${now}) ORDER BY m.account_id, m.id`,
    )) {
      const roleEnds = parseJson<Record<string, number>>(r.roleEnds, {})
      yield {
        t: 'member', id: r.id, accountId: r.accountId, email: r.email, name: r.name, level: r.level, roles: parseJson<string[]>(r.roles, []), scope: parseScope(r.scope),
        ...(r.endsAt !== null && { endsAt: r.endsAt }),
        ...(Object.keys(roleEnds).length > 0 && { roleEnds }),
      }
    }
    for (const r of await db.all<{ accountId: string; name: string; primaryColor: string; accentColor: string; supportEmail: string | null; supportUrl: string | null; loginMessage: string | null }>(
      sql`SELECT account_id AS accountId, name, primary_color AS primaryColor, accent_color AS accentColor, support_email AS supportEmail, support_url AS supportUrl, login_message AS loginMessage
        FROM brands WHERE ${inAccounts} ORDER BY account_id`,
    ))
      yield { t: 'brand', ...r }
    for (const r of await db.all<{ id: string; hostname: string; resellerAccountId: string; customerAccountId: string | null }>(
      sql`SELECT id, hostname, reseller_account_id AS resellerAccountId, customer_account_id AS customerAccountId FROM hostnames WHERE ${hostnameScope(ids)} ORDER BY id`,
    ))
      yield { t: 'hostname', ...r }
    yield { t: 'end', total }
  }
  return { tooBig: false as const, total, counts, lines: lines() }
}

/** The archive as a gzip stream of JSON lines. */
export function gzipLines(lines: AsyncGenerator<unknown>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  const source = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // A few lines per pull keeps chunks reasonably sized without reading everything first.
      let chunk = ''
      for (let i = 0; i < 100; i++) {
        const next = await lines.next()
        if (next.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk))
          controller.close()
          return
        }
        chunk += `${JSON.stringify(next.value)}\n`
      }
      controller.enqueue(encoder.encode(chunk))
    },
  })
  return source.pipeThrough(new CompressionStream('gzip'))
}

/** Where an archive is restored, and who restores it. */
export interface RestoreContext {
  target: { id: string; path: string; kind: 'platform' | 'reseller' | 'customer'; name: string }
  grants: readonly MembershipGrant[]
  ceiling: readonly MembershipGrant[] | null
  /** Path of the account through which the caller reaches the target (who may undo what). */
  viaPath: string
  /** The person who restores (invitations name them), or null for an API key. */
  inviterId: string | null
  platformHostnames: string | undefined
}

export type RestoreRefusal = { ok: false; code: 'conflict' | 'limit_reached' | 'escalation' | 'validation_failed' | 'level_restriction'; detail: string; errors: ArchiveError[] }

export interface RestoreSummary {
  root: { id: string; name: string; kind: 'reseller' | 'customer' }
  /** A deleted copy of the same subtree (waiting for its purge) that the restore replaces. */
  replaces: { id: string; name: string } | null
  accounts: number
  roles: number
  groups: number
  services: number
  /** Memberships restored at once: logins that were members of the same (deleted) account. */
  members: number
  /** Everyone else in the archive is invited by email, with the level, roles and scope they had. */
  invitations: number
  brands: number
  /** Hostnames come back as pending claims with a new token: they must be verified again. */
  hostnames: number
  skipped: string[]
}

export interface RestorePlan {
  summary: RestoreSummary
  statements: { sql: string; params: unknown[] }[]
  invitations: { id: string; accountId: string; accountName: string; accountPath: string; email: string; level: 'owner' | 'admin' | 'user'; token: string; expiresAt: number }[]
  newRootPath: string
}

const refuse = (code: RestoreRefusal['code'], detail: string, errors: ArchiveError[]): RestoreRefusal => ({ ok: false, code, detail, errors })

/** Rows of `table` whose id is one of `ids`, with the path of the account they belong to. */
function existing(db: DB, table: string, ids: readonly string[], accountColumn = 'account_id') {
  if (!ids.length) return Promise.resolve([] as { id: string; path: string | null }[])
  return db.all<{ id: string; path: string | null }>(
    sql`SELECT t.id AS id, a.path AS path FROM ${sql.raw(table)} t LEFT JOIN accounts a ON a.id = t.${sql.raw(accountColumn)} WHERE t.id IN (SELECT value FROM json_each(${jsonList(ids)}))`,
  )
}

/**
 * Check an archive against the database for a restore under `ctx.target`
 * and plan its writes. Refusals name what stands in the way: an id, hostname
 * or email that clashes, a limit, a right the caller does not hold.
 */
export async function planRestore(db: DB, archive: Archive, ctx: RestoreContext, now = Date.now()): Promise<{ ok: true; plan: RestorePlan } | RestoreRefusal> {
  const { header } = archive
  const root = archive.accounts[0]!
  const line = (record: object, field?: string) => `line ${archive.line.get(record) ?? '?'}${field ? `.${field}` : ''}`
  const { target } = ctx
  // Access whose end has passed by now grants nothing: such a member, or such a role, is not restored.
  const live = (end: number | undefined) => end === undefined || end > now
  const members = archive.members.filter((m) => live(m.endsAt))
  const rolesOf = (m: ArchivedMember) => [...new Set(m.roles)].filter((r) => live(m.roleEnds?.[r]))
  const roleEnd = (m: ArchivedMember, r: string) => m.roleEnds?.[r] ?? null

  // Where it may go: resellers under the platform; customers under a reseller or the platform.
  if (root.kind === 'reseller' ? target.kind !== 'platform' : target.kind === 'customer') {
    return refuse('validation_failed', `A ${root.kind} cannot be restored under ${target.name}.`, [
      { field: line(root, 'kind'), message: root.kind === 'reseller' ? 'A reseller is restored under the platform.' : 'A customer is restored under a reseller or the platform.' },
    ])
  }
  // Under its own parent while that still exists (and the caller reaches it).
  if (header.root.parentId !== target.id) {
    const parent = await db.get<{ id: string; name: string; path: string; status: string }>(sql`SELECT id, name, path, status FROM accounts WHERE id = ${header.root.parentId}`)
    if (parent && parent.status !== 'deleted' && reachingMembership(ctx.grants, parent.path)) {
      return refuse('conflict', `This backup was taken under ${parent.name}, which still exists: restore it there.`, [
        { field: 'line 1.root.parentId', message: `Restore it under ${parent.name} (${parent.id}).` },
      ])
    }
  }

  // Ids: a clash is refused, unless it belongs to a deleted copy of this very subtree that the caller could restore: that copy is replaced.
  const accountIds = archive.accounts.map((a) => a.id)
  const found = await db.all<{ id: string; path: string; status: string; name: string; deletedBy: string | null; parentId: string | null }>(
    sql`SELECT id, path, status, name, deleted_by AS deletedBy, parent_id AS parentId FROM accounts WHERE id IN (SELECT value FROM json_each(${jsonList(accountIds)}))`,
  )
  const oldRoot = found.find((f) => f.id === root.id)
  const replace =
    oldRoot && oldRoot.status === 'deleted' && oldRoot.parentId === target.id && oldRoot.path.startsWith(target.path) && mayUndo(oldRoot.deletedBy, ctx.viaPath) ? oldRoot : null
  const replaced = (path: string | null) => replace !== null && path !== null && path.startsWith(replace.path)
  const clashes: ArchiveError[] = []
  const byId = new Map(archive.accounts.map((a) => [a.id, a]))
  for (const f of found) {
    if (replaced(f.path)) continue
    const reachable = reachingMembership(ctx.grants, f.path) !== null
    const why =
      f.status === 'deleted' && reachable
        ? `The account ${f.id} is deleted and waits for its purge: restore it from its parent's list instead.`
        : `An account with the id ${f.id} already exists.`
    clashes.push({ field: line(byId.get(f.id)!, 'id'), message: why })
  }
  const tables = [
    ['reseller_templates', archive.templates],
    ['roles', archive.roles],
    ['service_groups', archive.groups],
    ['services', archive.services],
    ['memberships', archive.members],
  ] as const
  for (const [table, records] of tables) {
    const index = new Map<string, object>(records.map((r) => [r.id, r]))
    for (const f of await existing(db, table, [...index.keys()])) {
      if (!replaced(f.path)) clashes.push({ field: line(index.get(f.id)!, 'id'), message: `The id ${f.id} already exists.` })
    }
  }

  // Hostnames: platform names never; a name verified for another portal, or already claimed by the same reseller, clashes.
  const newPath = (a: ArchivedAccount, paths: Map<string, string>) => `${a === root ? target.path : paths.get(a.parentId)!}${a.id}/`
  const paths = new Map<string, string>()
  for (const a of archive.accounts) paths.set(a.id, newPath(a, paths))
  const newRootPath = paths.get(root.id)!
  const skipped: string[] = []
  const hostnames: { record: (typeof archive.hostnames)[number]; hostname: string; resellerId: string }[] = []
  for (const h of archive.hostnames) {
    const claimable = claimableHostname(h.hostname, ctx.platformHostnames)
    if (!claimable.ok) {
      clashes.push({ field: line(h, 'hostname'), message: claimable.message })
      continue
    }
    // The reseller whose portal it is: the archived one if it comes back too, else the reseller it is restored under.
    const resellerId = byId.has(h.resellerAccountId) ? h.resellerAccountId : target.kind === 'reseller' ? target.id : null
    if (!resellerId) {
      skipped.push(`${h.hostname}: a customer's hostname belongs to a reseller's portal, and this customer is restored under the platform.`)
      continue
    }
    hostnames.push({ record: h, hostname: claimable.hostname, resellerId })
  }
  if (hostnames.length) {
    const taken = await db.all<{ hostname: string; status: string; resellerId: string; path: string | null }>(
      sql`SELECT h.hostname, h.status, h.reseller_account_id AS resellerId, a.path FROM hostnames h LEFT JOIN accounts a ON a.id = coalesce(h.customer_account_id, h.reseller_account_id)
        WHERE h.hostname IN (SELECT value FROM json_each(${jsonList(hostnames.map((h) => h.hostname))}))`,
    )
    for (const { record, hostname, resellerId } of hostnames) {
      const other = taken.find((t) => t.hostname === hostname && !replaced(t.path) && (t.status === 'verified' || t.resellerId === resellerId))
      if (other) clashes.push({ field: line(record, 'hostname'), message: other.status === 'verified' ? `${hostname} is already verified for a portal.` : `${hostname} is already claimed by this reseller.` })
    }
  }
  if (clashes.length) return refuse('conflict', `${clashes.length} thing${clashes.length === 1 ? '' : 's'} in the backup already exist${clashes.length === 1 ? 's' : ''}: ${clashes[0]!.message}`, clashes.slice(0, 20))

  // Limits: a restored reseller brings its own; customers restored under a reseller count against that reseller's.
  const reseller = resellerOf(newRootPath)
  let limits: Limits
  if (root.kind === 'reseller') limits = parseLimits(root.limits ? JSON.stringify(root.limits) : null)
  else if (reseller && target.kind === 'reseller') limits = parseLimits((await db.get<{ limits: string | null }>(sql`SELECT limits FROM accounts WHERE id = ${reseller.id}`))?.limits)
  else limits = parseLimits(null)
  const overLimit: ArchiveError[] = []
  const customers = archive.accounts.filter((a) => a.kind === 'customer').length
  const byType = new Map<string, number>()
  for (const s of archive.services) byType.set(s.type, (byType.get(s.type) ?? 0) + 1)
  if (root.kind === 'customer' && target.kind === 'reseller') {
    const keep = replace ? sql`AND NOT (path >= ${replace.path} AND path < ${`${replace.path}\x7f`})` : sql``
    const used = await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM accounts WHERE kind = 'customer' AND status != 'deleted' AND ${inTree(target.path)} ${keep}`)
    if (limits.max_customers !== null && (used?.n ?? 0) + customers > limits.max_customers)
      overLimit.push({ field: line(root), message: `${target.name} may have at most ${limits.max_customers} customers; it has ${used?.n ?? 0} and the backup brings ${customers}.` })
    const usedTypes = await db.all<{ type: string; n: number }>(
      sql`SELECT s.type, count(*) AS n FROM services s JOIN accounts a ON a.id = s.account_id WHERE a.path >= ${target.path} AND a.path < ${`${target.path}\x7f`}
        ${replace ? sql`AND NOT (a.path >= ${replace.path} AND a.path < ${`${replace.path}\x7f`})` : sql``} GROUP BY s.type`,
    )
    for (const [type, n] of byType) {
      const allowed = limits.max_services[type as keyof Limits['max_services']]
      const have = usedTypes.find((u) => u.type === type)?.n ?? 0
      if (allowed !== null && allowed !== undefined && have + n > allowed)
        overLimit.push({ field: line(archive.services.find((s) => s.type === type)!, 'type'), message: `${target.name} may have at most ${allowed} ${type.replace('_', ' ')} services; it has ${have} and the backup brings ${n}.` })
    }
  } else if (root.kind === 'reseller') {
    if (limits.max_customers !== null && customers > limits.max_customers)
      overLimit.push({ field: line(root, 'limits.max_customers'), message: `The reseller's own limit allows ${limits.max_customers} customers; the backup holds ${customers}.` })
    for (const [type, n] of byType) {
      const allowed = limits.max_services[type as keyof Limits['max_services']]
      if (allowed !== null && allowed !== undefined && n > allowed)
        overLimit.push({ field: line(root, `limits.max_services.${type}`), message: `The reseller's own limit allows ${allowed} ${type.replace('_', ' ')} services; the backup holds ${n}.` })
    }
  }
  const membersOf = new Map<string, ArchivedMember[]>()
  for (const m of members) membersOf.set(m.accountId, [...(membersOf.get(m.accountId) ?? []), m])
  for (const a of archive.accounts) {
    const list = membersOf.get(a.id) ?? []
    if (limits.max_staff !== null && list.length > limits.max_staff)
      overLimit.push({ field: line(a), message: `${a.name} may have at most ${limits.max_staff} members; the backup holds ${list.length}.` })
    if (limits.max_admins !== null && a.adminCap > limits.max_admins)
      overLimit.push({ field: line(a, 'adminCap'), message: `The reseller's limit allows at most ${limits.max_admins} admins per account.` })
  }
  if (overLimit.length) return refuse('limit_reached', overLimit[0]!.message, overLimit.slice(0, 20))

  // People: nobody is given more than the caller could give them by hand; a login joins only by accepting an
  // invitation, unless it was a member of the same account in the deleted copy being replaced.
  const emails = [...new Set(members.map((m) => m.email))]
  const users = emails.length
    ? await db.all<{ id: string; email: string }>(sql`SELECT id, email FROM users WHERE email IN (SELECT value FROM json_each(${jsonList(emails)}))`)
    : []
  const userOf = new Map(users.map((u) => [u.email, u.id]))
  const formerly = replace
    ? new Set(
        (
          await db.all<{ key: string }>(
            sql`SELECT m.user_id || '/' || m.account_id AS key FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE a.path >= ${replace.path} AND a.path < ${`${replace.path}\x7f`}`,
          )
        ).map((r) => r.key),
      )
    : new Set<string>()
  const rolePermissions = new Map(archive.roles.map((r) => [r.id, r.permissions as Permission[]]))
  const rights: ArchiveError[] = []
  let rightsCode: RestoreRefusal['code'] = 'escalation'
  const adminsSoFar = new Map<string, number>()
  for (const m of members) {
    const account = byId.get(m.accountId)!
    const grant: TimedGrant = {
      level: m.level,
      scope: m.scope,
      endsAt: m.endsAt ?? null,
      roles: rolesOf(m).map((r) => ({ id: r, permissions: builtinPermissions.get(r) ?? rolePermissions.get(r) ?? [], endsAt: roleEnd(m, r) })),
    }
    const admins = adminsSoFar.get(account.id) ?? 0
    const cap = limits.max_admins === null ? account.adminCap : Math.min(account.adminCap, limits.max_admins)
    // As if granted by hand, over time too: no access outlives the caller's own right to grant it.
    const decision = canGrantTimed(ctx, { id: account.id, path: paths.get(account.id)!, kind: account.kind }, { self: false, current: null }, grant, { count: admins, cap }, now)
    if (!decision.ok) {
      if (!rights.length) rightsCode = decision.code === 'limit_reached' ? 'limit_reached' : decision.code === 'level_restriction' ? 'level_restriction' : 'escalation'
      rights.push({ field: line(m, decision.field === 'member' ? undefined : decision.field === 'roles' || decision.field === 'permissions' ? 'roles' : decision.field), message: `${m.email}: ${decision.detail}` })
    }
    if (m.level === 'admin') adminsSoFar.set(account.id, admins + 1)
  }
  if (rights.length) return refuse(rightsCode, rights[0]!.message, rights.slice(0, 20))

  // The writes, in one batch: the replaced copy goes first (its rows cascade), then everything in dependency order.
  const statements: RestorePlan['statements'] = []
  const insertRows = (table: string, columns: string[], rows: unknown[][]) => {
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200)
      const select = columns.map((_, j) => `json_extract(value, '$[${j}]')`).join(', ')
      statements.push({ sql: `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${select} FROM json_each(?)`, params: [JSON.stringify(chunk)] })
    }
  }
  if (replace) statements.push({ sql: 'DELETE FROM accounts WHERE path >= ? AND path < ?', params: [replace.path, `${replace.path}\x7f`] })
  const templateIds = new Set([
    ...archive.templates.map((t) => t.id),
    ...(
      await db.all<{ id: string }>(
        sql`SELECT id FROM reseller_templates WHERE id IN (SELECT value FROM json_each(${jsonList(archive.accounts.flatMap((a) => (a.templateId ? [a.templateId] : [])))}))`,
      )
    ).map((r) => r.id),
  ])
  // "Powered by" is the platform's to set; limits and access of a reseller come back as they were (the route asks for resellers.manage).
  const fromPlatform = ctx.viaPath.split('/').filter(Boolean).length === 1
  insertRows(
    'accounts',
    ['id', 'parent_id', 'kind', 'name', 'status', 'path', 'admin_cap', 'page_view_logging', 'partner_access_default', 'created_at', 'limits', 'access', 'template_id', 'status_reason', 'show_reason', 'disabled_at', 'disabled_by', 'powered_by'],
    archive.accounts.map((a) => [
      a.id, a === root ? target.id : a.parentId, a.kind, a.name, a.status, paths.get(a.id), a.adminCap,
      a.pageViewLogging === null ? null : a.pageViewLogging ? 1 : 0, a.partnerAccessDefault ? 1 : 0, a.createdAt,
      a.kind === 'reseller' ? (a.limits ? JSON.stringify(a.limits) : null) : null, a.kind === 'reseller' && a.access ? JSON.stringify(a.access) : null,
      a.templateId && templateIds.has(a.templateId) ? a.templateId : null,
      a.status === 'disabled' ? a.statusReason : null, a.status === 'disabled' && a.showReason ? 1 : 0,
      a.status === 'disabled' ? now : null, a.status === 'disabled' ? ctx.viaPath : null, fromPlatform ? (a.poweredBy ? 1 : 0) : 1,
    ]),
  )
  insertRows('reseller_templates', ['id', 'account_id', 'name', 'limits', 'access', 'created_at', 'updated_at'], archive.templates.map((t) => [t.id, t.accountId, t.name, JSON.stringify(t.limits), t.access ? JSON.stringify(t.access) : null, now, now]))
  insertRows('roles', ['id', 'account_id', 'name', 'description', 'permissions', 'created_at', 'updated_at'], archive.roles.map((r) => [r.id, r.accountId, r.name, r.description, JSON.stringify(r.permissions), now, now]))
  insertRows('service_groups', ['id', 'account_id', 'name'], archive.groups.map((g) => [g.id, g.accountId, g.name]))
  insertRows(
    'services',
    ['id', 'account_id', 'type', 'name', 'status', 'expires_at', 'group_id', 'partner_access', 'created_at', 'updated_at'],
    archive.services.map((s) => [s.id, s.accountId, s.type, s.name, s.status, s.expiresAt, s.groupId, s.partnerAccess ? 1 : 0, s.createdAt, now]),
  )
  insertRows('service_tags', ['service_id', 'tag'], archive.services.flatMap((s) => [...new Set(s.tags)].map((tag) => [s.id, tag])))
  const linked = members.filter((m) => {
    const userId = userOf.get(m.email)
    return userId !== undefined && formerly.has(`${userId}/${m.accountId}`)
  })
  // End dates come back as they were, set (for the reminders) by whoever restores them.
  const setBy = (end: number | null) => (end === null ? null : ctx.inviterId)
  insertRows(
    'memberships',
    ['id', 'user_id', 'account_id', 'level', 'scope', 'created_at', 'ends_at', 'ends_set_by'],
    linked.map((m) => [m.id, userOf.get(m.email), m.accountId, m.level, JSON.stringify(m.scope), now, m.endsAt ?? null, setBy(m.endsAt ?? null)]),
  )
  insertRows('membership_roles', ['membership_id', 'role_id', 'ends_at', 'ends_set_by'], linked.flatMap((m) => rolesOf(m).map((r) => [m.id, r, roleEnd(m, r), setBy(roleEnd(m, r))])))
  // An invitation carries one end, the membership's: a role with an end of its own is left out of it (to be given again).
  const invited = members.filter((m) => !linked.includes(m))
  const invitations = invited.map((m) => {
    const token = randomToken(20)
    const account = byId.get(m.accountId)!
    const roles = rolesOf(m).filter((r) => roleEnd(m, r) === null)
    return { id: newId('inv'), accountId: m.accountId, accountName: account.name, accountPath: paths.get(m.accountId)!, email: m.email, level: m.level, roles, scope: m.scope, token, expiresAt: now + INVITATION_TTL_MS, accessEndsAt: m.endsAt ?? null }
  })
  insertRows(
    'invitations',
    ['id', 'account_id', 'kind', 'email', 'level', 'role_ids', 'scope', 'token_hash', 'invited_by', 'status', 'expires_at', 'created_at', 'access_ends_at'],
    invitations.map((i) => [i.id, i.accountId, 'member', i.email, i.level, JSON.stringify(i.roles), JSON.stringify(i.scope), sha256Hex(i.token), ctx.inviterId, 'pending', i.expiresAt, now, i.accessEndsAt]),
  )
  insertRows(
    'brands',
    ['account_id', 'name', 'primary_color', 'accent_color', 'support_email', 'support_url', 'login_message', 'updated_at'],
    archive.brands.map((b) => [b.accountId, b.name, b.primaryColor.toLowerCase(), b.accentColor.toLowerCase(), b.supportEmail, b.supportUrl, b.loginMessage, now]),
  )
  insertRows(
    'hostnames',
    ['id', 'hostname', 'reseller_account_id', 'customer_account_id', 'status', 'verification_token', 'created_at', 'expires_at'],
    hostnames.map(({ record, hostname, resellerId }) => [newId('hst'), hostname, resellerId, record.customerAccountId, 'pending', `trellis-verify=${randomToken(20)}`, now, now + CLAIM_TTL_MS]),
  )
  // Limits once more inside the batch, against whatever committed meanwhile: over a limit, the root's kind turns NULL and the batch rolls back.
  if (root.kind === 'customer' && target.kind === 'reseller') {
    const conditions: string[] = []
    const params: unknown[] = []
    const limitOf = (key: string) => `(SELECT json_extract(limits, '$.${key}') FROM accounts WHERE id = ?)`
    conditions.push(`(${limitOf('max_customers')} IS NULL OR (SELECT count(*) FROM accounts WHERE kind = 'customer' AND status != 'deleted' AND path >= ? AND path < ?) <= ${limitOf('max_customers')})`)
    params.push(target.id, target.path, `${target.path}\x7f`, target.id)
    for (const type of byType.keys()) {
      const key = `max_services.${type}`
      conditions.push(`(${limitOf(key)} IS NULL OR (SELECT count(*) FROM services s JOIN accounts a ON a.id = s.account_id WHERE s.type = ? AND a.path >= ? AND a.path < ?) <= ${limitOf(key)})`)
      params.push(target.id, type, target.path, `${target.path}\x7f`, target.id)
    }
    statements.push({ sql: `UPDATE accounts SET kind = CASE WHEN ${conditions.join(' AND ')} THEN kind ELSE NULL END WHERE id = ?`, params: [...params, root.id] })
  }

  const summary: RestoreSummary = {
    root: { id: root.id, name: root.name, kind: root.kind },
    replaces: replace ? { id: replace.id, name: replace.name } : null,
    accounts: archive.accounts.length,
    roles: archive.roles.length,
    groups: archive.groups.length,
    services: archive.services.length,
    members: linked.length,
    invitations: invitations.length,
    brands: archive.brands.length,
    hostnames: hostnames.length,
    skipped,
  }
  return {
    ok: true,
    plan: { summary, statements, newRootPath, invitations: invitations.map(({ roles: _r, scope: _s, ...i }) => i) },
  }
}

/**
 * Make a planned restore's writes, all or nothing. 'limit' or 'clash' when
 * another write committed between the plan and the batch (nothing was written).
 */
export async function applyRestore(db: DB, plan: RestorePlan): Promise<'done' | 'limit' | 'clash'> {
  const d1 = db.$client
  try {
    await d1.batch(plan.statements.map((s) => d1.prepare(s.sql).bind(...s.params)))
    return 'done'
  } catch (error) {
    const text = errorText(error)
    if (text.includes('NOT NULL constraint failed: accounts.kind')) return 'limit'
    if (isUniqueViolation(error)) return 'clash'
    throw error
  }
}
