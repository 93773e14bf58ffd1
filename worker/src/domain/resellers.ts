import { and, asc, eq, sql } from 'drizzle-orm'
import type { AccountStatus } from '../../../db/schema/accounts.ts'
import type { SectionKey } from '../authz/catalogue.ts'
import { newId } from '../crypto/tokens.ts'
import { isUniqueViolation, type DB } from '../db.ts'
import { DomainError } from '../errors.ts'
import { schema } from '../db.ts'
import { accountColumns, parseAccess, pendingOwnerInvitation } from './accounts.ts'
import { limitGuard, parseLimits, rethrowLimit, serializeLimits, type Limits } from './limits.ts'

const { accounts, memberships, resellerTemplates, users } = schema

/** Reseller templates and child accounts (resellers of the platform, customers of a reseller). */

export interface TemplateInput {
  name: string
  limits: Limits
  access: SectionKey[] | null
}

const presentTemplate = (t: typeof resellerTemplates.$inferSelect) => ({
  id: t.id,
  name: t.name,
  limits: parseLimits(t.limits),
  access: parseAccess(t.access),
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
})

export type Template = ReturnType<typeof presentTemplate>

/** The templates of an account (the platform), by name, with how many resellers came from each. */
export async function listTemplates(db: DB, accountId: string) {
  const rows = await db
    .select({ t: resellerTemplates, resellers: sql<number>`(SELECT count(*) FROM accounts a WHERE a.template_id = reseller_templates.id AND a.status != 'deleted')` })
    .from(resellerTemplates)
    .where(eq(resellerTemplates.accountId, accountId))
    .orderBy(asc(resellerTemplates.name))
  return rows.map((r) => ({ ...presentTemplate(r.t), resellers: r.resellers }))
}

/** One template of the account, or undefined (other accounts' templates are not found). */
export async function getTemplate(db: DB, accountId: string, templateId: string) {
  const row = await db
    .select()
    .from(resellerTemplates)
    .where(and(eq(resellerTemplates.id, templateId), eq(resellerTemplates.accountId, accountId)))
    .get()
  return row ? presentTemplate(row) : undefined
}

/** A template's name is unique in its account: the write that would repeat one is refused. */
function rethrowTemplateName(error: unknown): never {
  if (isUniqueViolation(error, 'reseller_templates')) throw new DomainError('conflict', 'A template with this name exists.', 'name')
  throw error
}

export async function createTemplate(db: DB, accountId: string, input: TemplateInput) {
  const id = newId('tpl')
  try {
    await db.insert(resellerTemplates).values({
      id,
      accountId,
      name: input.name,
      limits: serializeLimits(input.limits),
      access: input.access ? JSON.stringify(input.access) : null,
    })
  } catch (error) {
    rethrowTemplateName(error)
  }
  return id
}

/** The columns a change of name, limits or access writes (a template's, or a reseller's own). */
function settingsChange(input: { name?: string; limits?: Limits; access?: SectionKey[] | null }) {
  return {
    ...(input.name !== undefined && { name: input.name }),
    ...(input.limits !== undefined && { limits: serializeLimits(input.limits) }),
    ...(input.access !== undefined && { access: input.access ? JSON.stringify(input.access) : null }),
  }
}

export async function updateTemplate(db: DB, accountId: string, templateId: string, input: Partial<TemplateInput>) {
  try {
    await db
      .update(resellerTemplates)
      .set({ ...settingsChange(input), updatedAt: Date.now() })
      .where(and(eq(resellerTemplates.id, templateId), eq(resellerTemplates.accountId, accountId)))
  } catch (error) {
    rethrowTemplateName(error)
  }
}

/** Delete a template; resellers made from it keep their copied limits and forget the link. */
export async function deleteTemplate(db: DB, accountId: string, templateId: string) {
  await db.batch([
    db.update(accounts).set({ templateId: null }).where(eq(accounts.templateId, templateId)),
    db.delete(resellerTemplates).where(and(eq(resellerTemplates.id, templateId), eq(resellerTemplates.accountId, accountId))),
  ])
}

const childColumns = {
  ...accountColumns,
  limits: accounts.limits,
  access: accounts.access,
  templateId: accounts.templateId,
  templateName: sql<string | null>`(SELECT name FROM reseller_templates t WHERE t.id = accounts.template_id)`,
  statusReason: accounts.statusReason,
  showReason: accounts.showReason,
  disabledAt: accounts.disabledAt,
  disabledBy: accounts.disabledBy,
  deletedBy: accounts.deletedBy,
  deletedAt: accounts.deletedAt,
  purgeAfter: accounts.purgeAfter,
  poweredBy: accounts.poweredBy,
  owner: sql<string | null>`(SELECT json_object('id', u.id, 'email', u.email, 'name', u.name) FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.account_id = accounts.id AND m.level = 'owner' LIMIT 1)`,
  ownerInvitation: pendingOwnerInvitation,
}

type ChildRow = { limits: string | null; access: string | null; owner: string | null; ownerInvitation: string | null } & Record<string, unknown>
const presentChild = <R extends ChildRow>(r: R) => ({
  ...r,
  ownerInvitation: r.ownerInvitation ? (JSON.parse(r.ownerInvitation) as { id: string; email: string; expiresAt: number }) : null,
  limits: parseLimits(r.limits),
  access: parseAccess(r.access),
  owner: r.owner ? (JSON.parse(r.owner) as { id: string; email: string; name: string }) : null,
})

/** Direct children of `parentId` of one kind (only those in `status` when given; deleted ones are restorable), by name. */
export async function listChildAccounts(db: DB, parentId: string, kind: 'reseller' | 'customer', status?: AccountStatus) {
  const rows = await db
    .select(childColumns)
    .from(accounts)
    .where(and(eq(accounts.parentId, parentId), eq(accounts.kind, kind), status ? eq(accounts.status, status) : undefined))
    .orderBy(asc(accounts.name), asc(accounts.id))
  return rows.map(presentChild)
}

export type ChildAccount = ReturnType<typeof presentChild<Awaited<ReturnType<typeof listChildAccounts>>[number] & ChildRow>>

/** One child of `parent` of this kind inside its subtree (deleted included), or undefined. */
export async function getChildAccount(db: DB, parent: { id: string; path: string }, childId: string, kind: 'reseller' | 'customer') {
  const row = await db
    .select(childColumns)
    .from(accounts)
    .where(and(eq(accounts.id, childId), eq(accounts.kind, kind), sql`${accounts.path} > ${parent.path} AND ${accounts.path} < ${`${parent.path}\x7f`}`))
    .get()
  return row ? presentChild(row) : undefined
}

export interface NewChild {
  kind: 'reseller' | 'customer'
  name: string
  limits?: Limits
  access?: SectionKey[] | null
  templateId?: string | null
}

/**
 * Create a child account, without an owner: its owner joins by accepting an
 * owner invitation (rule 14: nobody's login is attached without their
 * consent). A customer counts against its reseller's `max_customers` inside
 * the insert (throws `LimitReached`).
 */
export async function createChildAccount(db: DB, parent: { id: string; path: string }, input: NewChild) {
  const id = newId('acc')
  const path = `${parent.path}${id}/`
  const kind = input.kind === 'customer' ? limitGuard(path, 'max_customers', 'customer') : input.kind
  try {
    await db.insert(accounts).values({
      id,
      parentId: parent.id,
      kind: kind as 'customer',
      name: input.name,
      path,
      limits: input.limits ? serializeLimits(input.limits) : null,
      access: input.access ? JSON.stringify(input.access) : null,
      templateId: input.templateId ?? null,
    })
  } catch (error) {
    rethrowLimit(error, 'max_customers', parent.path)
  }
  return id
}

/** Change a reseller's name, limits, access or template link. */
export async function updateChildAccount(db: DB, accountId: string, input: { name?: string; limits?: Limits; access?: SectionKey[] | null; templateId?: string | null; poweredBy?: boolean }) {
  await db
    .update(accounts)
    .set({
      ...settingsChange(input),
      ...(input.templateId !== undefined && { templateId: input.templateId }),
      ...(input.poweredBy !== undefined && { poweredBy: input.poweredBy }),
    })
    .where(eq(accounts.id, accountId))
}
