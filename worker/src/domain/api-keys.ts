import { constantTimeEqual } from '@oslojs/crypto/subtle'
import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm'
import type { Permission } from '../authz/catalogue.ts'
import type { Scope } from '../authz/decide.ts'
import { builtinPermissions, builtinRoleNames } from '../authz/roles.ts'
import { randomToken, sha256Hex } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import type { LoadedGrant } from './grants.ts'
import { parsePermissions } from './grants.ts'
import { effectiveStatus } from './lifecycle.ts'
import { parseScope } from './scope.ts'

const { apiKeys, accounts, roles } = schema

/** Every key starts with this, so scanners and people recognise a leaked one. */
export const API_KEY_PREFIX = 'trl_'
/** Last-used time and address are written at most this often per key. */
export const LAST_USED_EVERY_MS = 60_000

/** The parts of a presented key, or null when it is not shaped like one (nothing is looked up then). */
export function parseApiKey(token: string): { id: string; secret: string } | null {
  const match = /^trl_([a-z2-7]{16})_([a-z2-7]{32})$/.exec(token)
  return match ? { id: `key_${match[1]}`, secret: match[2]! } : null
}

/** The shown, non-secret start of a key: `trl_<id part>`. */
export function keyPrefix(id: string) {
  return `${API_KEY_PREFIX}${id.slice(4)}`
}

/** Create a key; returns its row id and the secret key (shown once, never stored). */
export async function createApiKey(
  db: DB,
  input: { accountId: string; name: string; level: 'admin' | 'user'; roleIds: string[]; scope: Scope; expiresAt: number | null; createdBy: { id: string; email: string } },
  now = Date.now(),
) {
  const idPart = randomToken(10)
  // 160 bits of secret; only its SHA-256 is kept.
  const secret = randomToken(20)
  const id = `key_${idPart}`
  await db.insert(apiKeys).values({
    id,
    accountId: input.accountId,
    name: input.name,
    secretHash: sha256Hex(secret),
    level: input.level,
    roleIds: JSON.stringify(input.roleIds),
    scope: JSON.stringify(input.scope),
    createdById: input.createdBy.id,
    createdByEmail: input.createdBy.email,
    createdAt: now,
    expiresAt: input.expiresAt,
  })
  return { id, key: `${API_KEY_PREFIX}${idPart}_${secret}` }
}

/** The keys of one account, newest first, revoked ones included (they say when). */
export async function listApiKeys(db: DB, accountId: string) {
  const [rows, roleRows] = await db.batch([
    db.select().from(apiKeys).where(eq(apiKeys.accountId, accountId)).orderBy(desc(apiKeys.createdAt)),
    db.select({ id: roles.id, name: roles.name }).from(roles).where(eq(roles.accountId, accountId)),
  ])
  const names = new Map([...builtinRoleNames, ...roleRows.map((r) => [r.id, r.name] as const)])
  return rows.map((r) => view(r, names))
}

/** One key of one account (undefined for another account's id: the caller answers 404). */
export async function getApiKey(db: DB, accountId: string, id: string) {
  const row = await db.select().from(apiKeys).where(and(eq(apiKeys.accountId, accountId), eq(apiKeys.id, id))).get()
  if (!row) return undefined
  const roleRows = await db.select({ id: roles.id, name: roles.name }).from(roles).where(eq(roles.accountId, accountId))
  return view(row, new Map([...builtinRoleNames, ...roleRows.map((r) => [r.id, r.name] as const)]))
}

function view(r: typeof apiKeys.$inferSelect, names: Map<string, string>) {
  const roleIds = parseIds(r.roleIds)
  return {
    id: r.id,
    accountId: r.accountId,
    name: r.name,
    prefix: keyPrefix(r.id),
    level: r.level,
    roleIds,
    roles: roleIds.flatMap((id) => (names.has(id) ? [{ id, name: names.get(id)! }] : [])),
    scope: parseScope(r.scope),
    createdBy: { id: r.createdById, email: r.createdByEmail },
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    lastUsedAt: r.lastUsedAt,
    lastUsedIp: r.lastUsedIp,
    revokedAt: r.revokedAt,
  }
}

export type ApiKeyView = ReturnType<typeof view>

function parseIds(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json)
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
  } catch {
    return []
  }
}

/**
 * The roles a key's stored list names that exist — built-in, or among `custom` (id → role) — with
 * their names and the permissions they confer together. A role deleted since is left out.
 */
export function keyRoles(roleIdsJson: string, custom: ReadonlyMap<string, { name: string; permissions: string }>) {
  const roleIds = parseIds(roleIdsJson).filter((id) => builtinPermissions.has(id) || custom.has(id))
  const permissions = new Set<Permission>()
  for (const id of roleIds) for (const p of builtinPermissions.get(id) ?? parsePermissions(custom.get(id)!.permissions)) permissions.add(p)
  return { roleIds, permissions: [...permissions], roleNames: roleIds.map((id) => builtinRoleNames.get(id) ?? custom.get(id)!.name) }
}

/** Revoke a key of this account; false when there is no such live key. */
export async function revokeApiKey(db: DB, accountId: string, id: string, now = Date.now()) {
  const done = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.accountId, accountId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id })
  return done.length > 0
}

/** A key as a principal: its one grant, in its account. */
export interface KeyPrincipal {
  key: { id: string; name: string; accountId: string; expiresAt: number | null }
  grant: LoadedGrant
}

/**
 * Resolve a presented key: one batch reads the key with its account's facts
 * (inherited status included) and the custom roles it names. Unknown,
 * forged, revoked and expired keys are null; a key of a deleted tree is null
 * too (rule 8). A disabled tree's key resolves (status `disabled`) so the
 * caller can say so. Writes last-used time and address at most once a minute.
 */
export async function validateApiKey(db: DB, token: string, meta: { ip: string }, now = Date.now()): Promise<KeyPrincipal | null> {
  const parts = parseApiKey(token)
  if (!parts) return null
  const parents = sql`(SELECT p.name FROM accounts p WHERE p.id = ${accounts.parentId})`
  const [rows, roleRows] = await db.batch([
    db
      .select({
        // Aliased: batch rows are objects, and api_keys and accounts share column names.
        id: sql<string>`${apiKeys.id}`.as('key_id'),
        name: sql<string>`${apiKeys.name}`.as('key_name'),
        secretHash: sql<string>`${apiKeys.secretHash}`.as('key_secret_hash'),
        level: sql<'owner' | 'admin' | 'user'>`${apiKeys.level}`.as('key_level'),
        roleIds: sql<string>`${apiKeys.roleIds}`.as('key_role_ids'),
        scope: sql<string>`${apiKeys.scope}`.as('key_scope'),
        expiresAt: sql<number | null>`${apiKeys.expiresAt}`.as('key_expires_at'),
        revokedAt: sql<number | null>`${apiKeys.revokedAt}`.as('key_revoked_at'),
        lastUsedAt: sql<number | null>`${apiKeys.lastUsedAt}`.as('key_last_used_at'),
        accountId: sql<string>`${apiKeys.accountId}`.as('key_account_id'),
        accountName: sql<string>`${accounts.name}`.as('account_name'),
        path: sql<string>`${accounts.path}`.as('account_path'),
        kind: sql<'platform' | 'reseller' | 'customer'>`${accounts.kind}`.as('account_kind'),
        parentId: sql<string | null>`${accounts.parentId}`.as('account_parent_id'),
        parentName: sql<string | null>`${parents}`.as('parent_name'),
        status: effectiveStatus(sql`${accounts.path}`).as('status'),
      })
      .from(apiKeys)
      .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
      .where(eq(apiKeys.id, parts.id)),
    db
      .select({ id: roles.id, name: roles.name, permissions: roles.permissions })
      .from(roles)
      .where(
        sql`${roles.accountId} = (SELECT account_id FROM api_keys WHERE id = ${parts.id}) AND ${roles.id} IN (SELECT value FROM json_each((SELECT role_ids FROM api_keys WHERE id = ${parts.id})))`,
      ),
  ])
  const row = rows[0]
  if (!row) return null
  const encoder = new TextEncoder()
  if (!constantTimeEqual(encoder.encode(sha256Hex(parts.secret)), encoder.encode(row.secretHash))) return null
  if (row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now) || row.status === 'deleted') return null
  if (row.lastUsedAt === null || row.lastUsedAt <= now - LAST_USED_EVERY_MS) {
    // The condition again in SQL: of racing requests, one writes.
    await db
      .update(apiKeys)
      .set({ lastUsedAt: now, lastUsedIp: meta.ip.slice(0, 64) })
      .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - LAST_USED_EVERY_MS + 1))))
  }
  const { roleIds, permissions, roleNames } = keyRoles(row.roleIds, new Map(roleRows.map((r) => [r.id, r] as const)))
  const grant: LoadedGrant = {
    membershipId: row.id,
    accountId: row.accountId,
    accountName: row.accountName,
    status: row.status,
    path: row.path,
    kind: row.kind,
    level: row.level,
    permissions,
    scope: parseScope(row.scope),
    // A key's own expiry ends the key itself (checked on every request), not a grant within it.
    endsAt: null,
    roleGrants: [],
    roleIds,
    roleNames,
    parent: row.parentId && row.parentName ? { id: row.parentId, name: row.parentName } : null,
  }
  return { key: { id: row.id, name: row.name, accountId: row.accountId, expiresAt: row.expiresAt }, grant }
}
