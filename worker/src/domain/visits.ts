import { and, asc, desc, eq, gte, or, sql, type SQL } from 'drizzle-orm'
import type { VisitStatus } from '../../../db/schema/visits.ts'
import { can } from '../authz/decide.ts'
import type { Mailer } from '../adapters/email.ts'
import { newId, randomToken } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import { DomainError } from '../errors.ts'
import { renderEmail, type EmailBrand, inRecipientLanguage } from './emails.ts'
import { m } from '../i18n/paraglide/messages.js'
import { grantsOfMembers } from './grants.ts'
import { keyOrderBy, keysetAfter, pageOf, type KeyOrder } from './keyset.ts'

const { sites, visitRequests, accounts, memberships, users } = schema

/** The most visitors one request may name. */
export const MAX_VISITORS = 10

export interface Visitor {
  name: string
  idNumber: string
}

export type SiteRow = typeof sites.$inferSelect

/** The sites of an account (its data centres), by name. */
export async function listSites(db: DB, accountId: string) {
  return db.select().from(sites).where(eq(sites.accountId, accountId)).orderBy(asc(sites.name), asc(sites.id))
}

/** One site of an account, or undefined (another account's site is not found). */
export async function getSite(db: DB, accountId: string, siteId: string) {
  return db.select().from(sites).where(and(eq(sites.id, siteId), eq(sites.accountId, accountId))).get()
}

const nameTaken = (error: unknown) => /UNIQUE constraint failed: sites\.account_id, sites\.name/.test(String((error as Error)?.message ?? '') + String((error as { cause?: Error })?.cause?.message ?? ''))

export async function createSite(db: DB, accountId: string, input: { name: string; address: string }) {
  const id = newId('sit')
  try {
    await db.insert(sites).values({ id, accountId, name: input.name, address: input.address, createdAt: Date.now() })
  } catch (error) {
    if (nameTaken(error)) throw new DomainError('conflict', 'A site with that name already exists.', 'name')
    throw error
  }
  return (await getSite(db, accountId, id))!
}

export async function updateSite(db: DB, accountId: string, siteId: string, input: { name?: string; address?: string }) {
  try {
    await db.update(sites).set(input).where(and(eq(sites.id, siteId), eq(sites.accountId, accountId)))
  } catch (error) {
    if (nameTaken(error)) throw new DomainError('conflict', 'A site with that name already exists.', 'name')
    throw error
  }
  return (await getSite(db, accountId, siteId))!
}

/**
 * Delete a site, refused while a pending or approved visit to it has not
 * happened yet (its requester still counts on it). Past visits keep the
 * name and address they were made with.
 */
export async function deleteSite(db: DB, accountId: string, siteId: string, today: string) {
  const [deleted] = await db.batch([
    db
      .delete(sites)
      .where(
        and(
          eq(sites.id, siteId),
          eq(sites.accountId, accountId),
          sql`NOT EXISTS (SELECT 1 FROM ${visitRequests} WHERE ${visitRequests.siteId} = ${siteId} AND ${visitRequests.status} IN ('pending', 'approved') AND ${visitRequests.visitDate} >= ${today})`,
        ),
      )
      .returning({ id: sites.id }),
  ])
  if (!deleted.length) throw new DomainError('conflict', 'Visits to this site are pending or approved; decline or cancel them first.')
}

export type VisitRow = typeof visitRequests.$inferSelect & { accountName: string; parentName: string }

/** Read stored visitors; anything unreadable is an empty list. */
export function readVisitors(json: string): Visitor[] {
  try {
    const value: unknown = JSON.parse(json)
    if (!Array.isArray(value)) return []
    return value.flatMap((v) => (v && typeof v === 'object' && typeof v.name === 'string' && typeof v.idNumber === 'string' ? [{ name: v.name, idNumber: v.idNumber }] : []))
  } catch {
    return []
  }
}

function baseVisits(db: DB) {
  // Qualified: inside the subquery a bare parent_id would be the accounts table's own column.
  const customer = sql<string>`(SELECT a.name FROM accounts a WHERE a.id = "visit_requests"."account_id")`.as('account_name')
  const parent = sql<string>`(SELECT a.name FROM accounts a WHERE a.id = "visit_requests"."parent_id")`.as('parent_name')
  return db.select({ visit: visitRequests, accountName: customer, parentName: parent }).from(visitRequests)
}

const flatten = (r: { visit: typeof visitRequests.$inferSelect; accountName: string; parentName: string }): VisitRow => ({ ...r.visit, accountName: r.accountName, parentName: r.parentName })

/** Visits an account sees: the ones it asked for, and the ones asked of its sites. */
const visibleFrom = (accountId: string) => or(eq(visitRequests.accountId, accountId), eq(visitRequests.parentId, accountId))

export interface VisitCursor {
  createdAt: number
  id: string
}

/** Visit requests newest first. */
const newestFirst: KeyOrder = { key: visitRequests.createdAt, id: visitRequests.id, keyDir: 'desc', idDir: 'desc' }
/**
 * One page of the visits visible from an account, newest request first.
 * `upcoming`: visits on or after `today` still pending or approved. `q`
 * matches the reference, the site, the purpose and the customer's name.
 */
export async function listVisits(db: DB, opts: { accountId: string; status?: VisitStatus; upcoming?: boolean; today: string; q?: string; limit: number; after?: VisitCursor }) {
  const { after } = opts
  const contains = (column: SQL | typeof visitRequests.reference) => sql`instr(lower(${column}), lower(${opts.q})) > 0`
  const where = and(
    visibleFrom(opts.accountId),
    opts.status ? eq(visitRequests.status, opts.status) : undefined,
    opts.upcoming ? and(gte(visitRequests.visitDate, opts.today), sql`${visitRequests.status} IN ('pending', 'approved')`) : undefined,
    opts.q
      ? or(contains(visitRequests.reference), contains(sql`${visitRequests.siteName}`), contains(sql`${visitRequests.purpose}`), contains(sql`(SELECT a.name FROM accounts a WHERE a.id = "visit_requests"."account_id")`))
      : undefined,
    after ? keysetAfter(newestFirst, after.createdAt, after.id) : undefined,
  )
  const rows = await baseVisits(db).where(where).orderBy(...keyOrderBy(newestFirst)).limit(opts.limit + 1)
  return pageOf(rows.map(flatten), opts.limit, (last) => ({ createdAt: last.createdAt, id: last.id }))
}

/** One visit visible from an account (its own request, or one asked of its sites). */
export async function getVisit(db: DB, accountId: string, visitId: string) {
  const row = await baseVisits(db).where(and(eq(visitRequests.id, visitId), visibleFrom(accountId))).get()
  return row ? flatten(row) : undefined
}

/** `V-` and eight letters and digits: what people read out at the site's door. */
export function newReference() {
  return `V-${randomToken(5).toUpperCase()}`
}

export interface VisitInput {
  siteId: string
  visitDate: string
  startTime: string
  endTime: string
  purpose: string
  visitors: Visitor[]
}

/**
 * Ask the parent for a visit to one of its sites. The site must belong to
 * the parent (anything else is "no such site"); its name and address are
 * copied into the request, so the confirmation prints what was asked for.
 */
export async function createVisit(db: DB, account: { id: string; parentId: string }, by: { id: string; email: string }, input: VisitInput) {
  const id = newId('vis')
  const reference = newReference()
  const site = await getSite(db, account.parentId, input.siteId)
  if (!site) throw new DomainError('validation_failed', 'No such site.', 'siteId')
  await db.insert(visitRequests).values({
    id,
    reference,
    accountId: account.id,
    parentId: account.parentId,
    siteId: site.id,
    siteName: site.name,
    siteAddress: site.address,
    visitDate: input.visitDate,
    startTime: input.startTime,
    endTime: input.endTime,
    purpose: input.purpose,
    visitors: JSON.stringify(input.visitors),
    requestedById: by.id,
    requestedByEmail: by.email,
    createdAt: Date.now(),
  })
  return id
}

/**
 * Approve or decline a pending visit asked of `parentId`'s sites. Only a
 * pending visit changes (two staff deciding at once: one wins, the other is
 * told it was already decided).
 */
export async function decideVisit(db: DB, parentId: string, visitId: string, decision: { status: 'approved' | 'declined'; reason: string | null; by: string }) {
  const changed = await db
    .update(visitRequests)
    .set({ status: decision.status, reason: decision.reason, decidedByEmail: decision.by, decidedAt: Date.now() })
    .where(and(eq(visitRequests.id, visitId), eq(visitRequests.parentId, parentId), eq(visitRequests.status, 'pending')))
    .returning({ id: visitRequests.id })
  if (!changed.length) throw new DomainError('conflict', 'This visit has already been decided or cancelled.')
}

/** The requester's side withdraws a pending or approved visit that has not happened yet. */
export async function cancelVisit(db: DB, accountId: string, visitId: string, by: string, today: string) {
  const changed = await db
    .update(visitRequests)
    .set({ status: 'cancelled', decidedByEmail: by, decidedAt: Date.now() })
    .where(and(eq(visitRequests.id, visitId), eq(visitRequests.accountId, accountId), sql`${visitRequests.status} IN ('pending', 'approved')`, gte(visitRequests.visitDate, today)))
    .returning({ id: visitRequests.id })
  if (!changed.length) throw new DomainError('conflict', 'Only a pending or approved visit that has not happened yet can be cancelled.')
}

/**
 * Who hears about a decision: the requester and the members of the customer
 * who may see its visits (`visitation.view`, rights as they are now).
 */
export async function visitRecipients(db: DB, account: { id: string; path: string; kind: 'platform' | 'reseller' | 'customer' }, requesterEmail: string) {
  const rows = await db
    .select({ membershipId: memberships.id, email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.accountId, account.id))
  const grants = await grantsOfMembers(db, account.id, rows.map((r) => r.membershipId))
  const allowed = rows.filter((r) => {
    const g = grants.get(r.membershipId)
    return g && can([g], 'visitation.view', account).ok
  })
  return [...new Set([requesterEmail.toLowerCase(), ...allowed.map((r) => r.email.toLowerCase())])]
}

/** Email the decision (branded); names the visit, never the visitors' ID numbers. */
export async function mailDecision(db: DB, mailer: Mailer, look: { brand: EmailBrand; origin: string }, recipients: string[], visit: VisitRow) {
  const approved = visit.status === 'approved'
  const count = readVisitors(visit.visitors).length
  const when = `${visit.visitDate}, ${visit.startTime}–${visit.endTime}`
  await Promise.all(
    recipients.map(async (to) => {
      const message = await inRecipientLanguage(db, to, look.brand, () => {
        const the = { parent: visit.parentName, reference: visit.reference, account: visit.accountName, site: visit.siteName, when, count }
        return renderEmail(look.brand, to, approved ? m.visit_approved_subject(the) : m.visit_declined_subject(the), {
          paragraphs: [
            approved ? m.visit_approved_body(the) : m.visit_declined_body(the),
            ...(visit.reason ? [m.visit_reason({ reason: visit.reason })] : []),
            ...(approved ? [m.visit_bring_id()] : []),
          ],
          action: { label: approved ? m.visit_open_confirmation() : m.visit_open(), url: `${look.origin}/a/${visit.accountId}/visitation/${visit.id}${approved ? '/confirmation' : ''}` },
        })
      })
      await mailer.send(message)
    }),
  )
}

/** Accounts of the visit, for events: the customer's and its parent's path. */
export async function accountRef(db: DB, accountId: string) {
  return db.select({ id: accounts.id, path: accounts.path, kind: accounts.kind, name: accounts.name }).from(accounts).where(eq(accounts.id, accountId)).get()
}
