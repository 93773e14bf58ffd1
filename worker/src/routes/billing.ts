import { z } from '@hono/zod-openapi'
import { invoiceStatuses } from '../../../db/schema/billing.ts'
import { serviceStatuses, serviceTypes } from '../../../db/schema/services.ts'
import { billingSourceFor } from '../adapters/billing.ts'
import { billingSummary, listDueServices, listInvoices, syncInvoices } from '../domain/billing.ts'
import { requirePermission, type Access } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { readableKinds } from '../middleware/visible-services.ts'
import { createRouter, json, route } from '../openapi.ts'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { AccountParam } from './schemas.ts'

const Money = z.object({ currency: z.string(), amountMinor: z.number().int(), count: z.number().int() })
const SyncState = z.object({ attemptedAt: z.number(), syncedAt: z.number().nullable(), error: z.string().nullable() })

const Summary = z
  .object({
    expiringCount: z.number().int(),
    expiredCount: z.number().int(),
    expiringDays: z.number().int(),
    open: z.array(Money),
    overdue: z.array(Money),
    connected: z.boolean(),
    sync: SyncState.nullable(),
  })
  .openapi('BillingSummary')

const InvoiceView = z
  .object({
    id: z.string(),
    number: z.string(),
    issuedAt: z.number(),
    dueAt: z.number().nullable(),
    amountMinor: z.number().int(),
    currency: z.string(),
    status: z.enum(invoiceStatuses),
    pdfUrl: z.string().nullable(),
  })
  .openapi('Invoice')

const DueService = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(serviceTypes),
    status: z.enum(serviceStatuses),
    expiresAt: z.number().nullable(),
    account: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
  })
  .openapi('DueService')

const Paging = { limit: z.coerce.number().int().min(1).max(100).default(25), cursor: z.string().max(512).optional() }

/** Keyset cursors over (a time, id). */
const encodeAt = (c: { at: number; id: string }) => encodeCursor({ name: String(c.at), id: c.id })
function decodeAt(raw: string) {
  const c = decodeCursor(raw)
  return { at: Number(c.name) || 0, id: c.id }
}

/** Whose services the Billing page lists: the account's own and those below it the caller may read. */
const billedKinds = (ctx: Access) => readableKinds(ctx)

const getBillingSummaryRoute = route.get('/accounts/{id}/billing', 'getBillingSummary', requirePermission('billing.view'), {
  request: { params: AccountParam }, responses: { 200: json(Summary, 'Totals') },
})
const listBillingServicesRoute = route.get('/accounts/{id}/billing/services', 'listBillingServices', requirePermission('billing.view'), {
  request: { params: AccountParam, query: z.object({ which: z.enum(['expiring', 'expired']).default('expiring'), days: z.coerce.number().int().min(1).max(365).default(30), ...Paging }) }, responses: { 200: json(z.object({ items: z.array(DueService), nextCursor: z.string().nullable() }), 'One page') },
})
const listInvoicesRoute = route.get('/accounts/{id}/invoices', 'listInvoices', requirePermission('billing.view'), {
  request: { params: AccountParam, query: z.object({ status: z.enum(invoiceStatuses).optional(), ...Paging }) }, responses: { 200: json(z.object({ items: z.array(InvoiceView), nextCursor: z.string().nullable() }), 'One page') },
})
const syncInvoicesRoute = route.post('/accounts/{id}/billing/sync', 'syncInvoices', requirePermission('billing.manage'), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ connected: z.boolean(), ok: z.boolean(), count: z.number().int(), error: z.string().nullable(), at: z.number() }), 'The outcome') },
})

export const billing = createRouter('Billing')
  .openapi(getBillingSummaryRoute, async (c) => {
    const ctx = c.var.access
    const summary = await billingSummary(c.var.db, { account: ctx.account, descendantKinds: billedKinds(ctx) })
    return c.json({ ...summary, connected: billingSourceFor(c.env) !== null }, 200)
  })
  .openapi(listBillingServicesRoute, async (c) => {
    const ctx = c.var.access
    const q = c.req.valid('query')
    const page = await listDueServices(c.var.db, { account: ctx.account, descendantKinds: billedKinds(ctx), which: q.which, days: q.days, limit: q.limit, after: q.cursor ? decodeAt(q.cursor) : undefined })
    return c.json(
      {
        items: page.items.map((s) => ({ id: s.id, name: s.name, type: s.type, status: s.status, expiresAt: s.expiresAt, account: { id: s.accountId, name: s.accountName, kind: s.accountKind } })),
        nextCursor: page.next ? encodeAt(page.next) : null,
      },
      200,
    )
  })
  .openapi(listInvoicesRoute, async (c) => {
    const q = c.req.valid('query')
    const page = await listInvoices(c.var.db, c.var.access.account.id, { status: q.status, limit: q.limit, after: q.cursor ? decodeAt(q.cursor) : undefined })
    return c.json(
      {
        items: page.items.map((i) => ({ id: i.id, number: i.number, issuedAt: i.issuedAt, dueAt: i.dueAt, amountMinor: i.amountMinor, currency: i.currency, status: i.status, pdfUrl: i.pdfUrl })),
        nextCursor: page.next ? encodeAt(page.next) : null,
      },
      200,
    )
  })
  .openapi(syncInvoicesRoute, async (c) => {
    const ctx = c.var.access
    const source = billingSourceFor(c.env)
    if (!source) return c.json({ connected: false, ok: false, count: 0, error: 'No billing system is connected to this portal.', at: Date.now() }, 200)
    const outcome = await syncInvoices(c.var.db, source, ctx.account.id)
    await audit(c, ctx.account, {
      type: 'invoices_synced',
      target: { kind: 'account', id: ctx.account.id, label: ctx.account.name },
      description: outcome.ok
        ? `${ctx.principal.user.email} synced the invoices of ${ctx.account.name} (${outcome.count} from the billing system)`
        : `${ctx.principal.user.email} tried to sync the invoices of ${ctx.account.name}: ${outcome.error}`,
    })
    return c.json({ connected: true, ok: outcome.ok, count: outcome.ok ? outcome.count : 0, error: outcome.ok ? null : outcome.error, at: outcome.at }, 200)
  })
