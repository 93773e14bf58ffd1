import { and, asc, desc, eq, gt, inArray, lte, or, sql, type SQL } from 'drizzle-orm'
import type { AccountKind } from '../../../db/schema/accounts.ts'
import type { InvoiceStatus, ReminderState } from '../../../db/schema/billing.ts'
import type { BillingSource } from '../adapters/billing.ts'
import { BillingUnavailable } from '../adapters/billing.ts'
import { can, type TargetAccount } from '../authz/decide.ts'
import { newId } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import { grantsOfMembers } from './grants.ts'
import { underDeleted } from './lifecycle.ts'
import { keyOrderBy, keysetAfter, pageOf, type KeyOrder } from './keyset.ts'

const { accounts, services, invoices, billingSyncs, invoiceReminders, memberships, users, notificationSubscriptions } = schema
export const DAY = 24 * 60 * 60 * 1000
/** "Expiring soon" on the Billing page and the totals. */
export const EXPIRING_DAYS = 30
/** An open invoice due within this many days gets a "due soon" reminder. */
export const DUE_SOON_DAYS = 3

const inSubtree = (prefix: string) => sql`(${accounts.path} >= ${prefix} AND ${accounts.path} < ${`${prefix}\x7f`})`

/**
 * Services whose expiry the Billing page shows: the account's own and those of
 * the descendant kinds the caller may read. Billing is account-wide (decision
 * 003), so the technical scope does not narrow it.
 */
function billedServices(account: { id: string; path: string }, descendantKinds: AccountKind[]): SQL {
  return descendantKinds.length
    ? // The subtree's range holds for both sides, so it drives the query (see visibleFrom in services.ts).
      and(
        inSubtree(account.path),
        or(eq(services.accountId, account.id), and(inArray(accounts.kind, descendantKinds), sql`${accounts.status} != 'deleted'`, sql`NOT ${underDeleted(sql`${accounts.path}`)}`)),
      )!
    : eq(services.accountId, account.id)
}

const expiredCondition = (now: number) => or(eq(services.status, 'expired'), lte(services.expiresAt, now))!
const expiringCondition = (now: number, days: number) => and(sql`${services.status} != 'expired'`, gt(services.expiresAt, now), lte(services.expiresAt, now + days * DAY))!

export interface ExpiryCursor {
  at: number
  id: string
}

/** One page of services expiring within `days` (soonest first) or already expired (most recent first). */
export async function listDueServices(
  db: DB,
  opts: { account: { id: string; path: string }; descendantKinds: AccountKind[]; which: 'expiring' | 'expired'; days?: number; limit: number; after?: ExpiryCursor; now?: number },
) {
  const now = opts.now ?? Date.now()
  const expiring = opts.which === 'expiring'
  const at = sql<number>`coalesce(${services.expiresAt}, 0)`
  const after = opts.after
  const rows = await db
    .select({
      id: services.id,
      name: services.name,
      type: services.type,
      status: services.status,
      expiresAt: services.expiresAt,
      accountId: accounts.id,
      accountName: accounts.name,
      accountKind: accounts.kind,
    })
    .from(services)
    .innerJoin(accounts, eq(accounts.id, services.accountId))
    .where(
      and(
        billedServices(opts.account, opts.descendantKinds),
        expiring ? expiringCondition(now, opts.days ?? EXPIRING_DAYS) : expiredCondition(now),
        after ? (expiring ? sql`(${at} > ${after.at} OR (${at} = ${after.at} AND ${services.id} > ${after.id}))` : sql`(${at} < ${after.at} OR (${at} = ${after.at} AND ${services.id} > ${after.id}))`) : undefined,
      ),
    )
    .orderBy(expiring ? asc(at) : desc(at), asc(services.id))
    .limit(opts.limit + 1)
  const items = rows.slice(0, opts.limit)
  const last = items.at(-1)
  return { items, next: rows.length > opts.limit && last ? { at: last.expiresAt ?? 0, id: last.id } : null }
}

/** The totals at the top of the Billing page. */
export async function billingSummary(db: DB, opts: { account: { id: string; path: string }; descendantKinds: AccountKind[]; now?: number }) {
  const now = opts.now ?? Date.now()
  const visible = billedServices(opts.account, opts.descendantKinds)
  const [counts, money, sync] = await db.batch([
    db
      .select({
        expiring: sql<number>`coalesce(sum(CASE WHEN ${expiringCondition(now, EXPIRING_DAYS)} THEN 1 ELSE 0 END), 0)`.as('expiring'),
        expired: sql<number>`coalesce(sum(CASE WHEN ${expiredCondition(now)} THEN 1 ELSE 0 END), 0)`.as('expired'),
      })
      .from(services)
      .innerJoin(accounts, eq(accounts.id, services.accountId))
      .where(visible),
    db
      .select({ status: invoices.status, currency: invoices.currency, count: sql<number>`count(*)`.as('n'), amountMinor: sql<number>`sum(${invoices.amountMinor})`.as('amount') })
      .from(invoices)
      .where(and(eq(invoices.accountId, opts.account.id), inArray(invoices.status, ['open', 'overdue'])))
      .groupBy(invoices.status, invoices.currency)
      .orderBy(invoices.status, invoices.currency),
    db.select().from(billingSyncs).where(eq(billingSyncs.accountId, opts.account.id)),
  ])
  const totals = (status: InvoiceStatus) => money.filter((m) => m.status === status).map((m) => ({ currency: m.currency, amountMinor: m.amountMinor, count: m.count }))
  const s = sync[0]
  return {
    expiringCount: counts[0]?.expiring ?? 0,
    expiredCount: counts[0]?.expired ?? 0,
    expiringDays: EXPIRING_DAYS,
    open: totals('open'),
    overdue: totals('overdue'),
    sync: s ? { attemptedAt: s.attemptedAt, syncedAt: s.syncedAt, error: s.error } : null,
  }
}

export interface IssuedCursor {
  at: number
  id: string
}

/** Invoices newest first. */
const invoiceOrder: KeyOrder = { key: invoices.issuedAt, id: invoices.id, keyDir: 'desc', idDir: 'asc' }
/** One page of an account's invoices, newest first. */
export async function listInvoices(db: DB, accountId: string, opts: { status?: InvoiceStatus; limit: number; after?: IssuedCursor }) {
  const { after } = opts
  const rows = await db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.accountId, accountId),
        opts.status ? eq(invoices.status, opts.status) : undefined,
        after ? keysetAfter(invoiceOrder, after.at, after.id) : undefined,
      ),
    )
    .orderBy(...keyOrderBy(invoiceOrder))
    .limit(opts.limit + 1)
  return pageOf(rows, opts.limit, (last) => ({ at: last.issuedAt, id: last.id }))
}

export type SyncOutcome = { ok: true; count: number; at: number } | { ok: false; error: string; at: number }

/**
 * Pull the account's invoices from the billing system and upsert them (by the
 * system's id). A source that cannot answer changes no invoice; the attempt and
 * its error are recorded either way (rule 17: the page shows the state).
 */
export async function syncInvoices(db: DB, source: BillingSource, accountId: string, now = Date.now()): Promise<SyncOutcome> {
  let fetched
  try {
    fetched = await source.invoices(accountId)
  } catch (error) {
    if (!(error instanceof BillingUnavailable)) throw error
    await db
      .insert(billingSyncs)
      .values({ accountId, attemptedAt: now, error: error.message })
      .onConflictDoUpdate({ target: billingSyncs.accountId, set: { attemptedAt: now, error: error.message } })
    return { ok: false, error: error.message, at: now }
  }
  const writes = fetched.map((i) =>
    db
      .insert(invoices)
      .values({ id: newId('inv'), accountId, externalId: i.externalId, number: i.number, issuedAt: i.issuedAt, dueAt: i.dueAt, amountMinor: i.amountMinor, currency: i.currency, status: i.status, pdfUrl: i.pdfUrl, syncedAt: now })
      .onConflictDoUpdate({
        target: [invoices.accountId, invoices.externalId],
        set: { number: i.number, issuedAt: i.issuedAt, dueAt: i.dueAt, amountMinor: i.amountMinor, currency: i.currency, status: i.status, pdfUrl: i.pdfUrl, syncedAt: now },
      }),
  )
  const record = db
    .insert(billingSyncs)
    .values({ accountId, attemptedAt: now, syncedAt: now, error: null })
    .onConflictDoUpdate({ target: billingSyncs.accountId, set: { attemptedAt: now, syncedAt: now, error: null } })
  // D1 batches are limited in size: invoices in chunks, the sync record with the last one.
  const CHUNK = 50
  if (!writes.length) await record
  for (let i = 0; i < writes.length; i += CHUNK) {
    const chunk = writes.slice(i, i + CHUNK)
    const last = i + CHUNK >= writes.length
    await db.batch(last ? [...chunk, record] as unknown as [typeof record] : (chunk as unknown as [typeof record]))
  }
  return { ok: true, count: fetched.length, at: now }
}

/** Accounts whose invoices the cron syncs next: never synced first, then the longest ago. */
export async function accountsToSync(db: DB, limit: number) {
  return db
    .select({ id: accounts.id, path: accounts.path, name: accounts.name })
    .from(accounts)
    .leftJoin(billingSyncs, eq(billingSyncs.accountId, accounts.id))
    .where(eq(accounts.status, 'active'))
    .orderBy(sql`${billingSyncs.attemptedAt} IS NOT NULL`, asc(billingSyncs.attemptedAt), asc(accounts.id))
    .limit(limit)
}

/** The state of an invoice that calls for a reminder now, if any. */
export function reminderState(i: { status: InvoiceStatus; dueAt: number | null }, now: number): ReminderState | null {
  if (i.status === 'overdue') return 'overdue'
  if (i.status !== 'open' || i.dueAt === null) return null
  if (i.dueAt <= now) return 'overdue'
  return i.dueAt <= now + DUE_SOON_DAYS * DAY ? 'due_soon' : null
}

/** Open and overdue invoices that may call for a reminder not sent yet (the caller claims each). */
export async function invoicesToRemind(db: DB, now: number, limit: number) {
  const rows = await db
    .select({
      id: invoices.id,
      accountId: invoices.accountId,
      accountPath: accounts.path,
      accountName: accounts.name,
      number: invoices.number,
      amountMinor: invoices.amountMinor,
      currency: invoices.currency,
      status: invoices.status,
      dueAt: invoices.dueAt,
      sentOverdue: sql<number | null>`(SELECT 1 FROM ${invoiceReminders} r WHERE r.invoice_id = ${invoices.id} AND r.state = 'overdue')`,
      sentDueSoon: sql<number | null>`(SELECT 1 FROM ${invoiceReminders} r WHERE r.invoice_id = ${invoices.id} AND r.state = 'due_soon')`,
    })
    .from(invoices)
    .innerJoin(accounts, eq(accounts.id, invoices.accountId))
    .where(and(eq(accounts.status, 'active'), or(eq(invoices.status, 'overdue'), and(eq(invoices.status, 'open'), lte(invoices.dueAt, now + DUE_SOON_DAYS * DAY)))))
    .orderBy(asc(invoices.dueAt), asc(invoices.id))
    .limit(limit * 2)
  const due: (Omit<(typeof rows)[number], 'sentOverdue' | 'sentDueSoon'> & { state: ReminderState })[] = []
  for (const { sentOverdue, sentDueSoon, ...r } of rows) {
    const state = reminderState(r, now)
    if (!state || (state === 'overdue' ? sentOverdue : sentDueSoon)) continue
    due.push({ ...r, state })
    if (due.length >= limit) break
  }
  return due
}

/** Claim the reminder of an invoice in a state: true for exactly one caller, ever. */
export async function claimReminder(db: DB, invoiceId: string, state: ReminderState, now: number) {
  const claimed = await db.insert(invoiceReminders).values({ invoiceId, state, sentAt: now }).onConflictDoNothing().returning({ invoiceId: invoiceReminders.invoiceId })
  return claimed.length === 1
}

/**
 * Who gets a payment reminder of an account: its members subscribed to
 * `payment_reminder` who hold `billing.view` there now (rights checked at
 * sending time, as for every notification).
 */
export async function reminderRecipients(db: DB, account: TargetAccount) {
  const subscribed = await db
    .select({ membershipId: memberships.id, email: users.email })
    .from(notificationSubscriptions)
    .innerJoin(memberships, eq(memberships.id, notificationSubscriptions.membershipId))
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(notificationSubscriptions.accountId, account.id), eq(notificationSubscriptions.type, 'payment_reminder')))
  if (!subscribed.length) return []
  const grants = await grantsOfMembers(db, account.id, subscribed.map((s) => s.membershipId))
  return subscribed.filter((s) => {
    const g = grants.get(s.membershipId)
    return g && can([g], 'billing.view', account).ok
  })
}

/** Money for people: "EUR 1,234.50" (two minor digits unless the currency has none). */
export function formatMoney(amountMinor: number, currency: string) {
  const zeroDecimal = new Set(['JPY', 'KRW', 'CLP', 'VND', 'ISK', 'HUF'])
  const digits = zeroDecimal.has(currency) ? 0 : 2
  const value = (amountMinor / 10 ** digits).toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits })
  return `${currency} ${value}`
}

