/**
 * The API calls of Billing (invoices, expiring services, sync) and Purchasing
 * (catalogues, orders). Same transport and contract as lib/server/api.ts.
 */
import type { RequestEvent } from '@sveltejs/kit'
import type { AccountKind, BodyOf } from '$lib/types'
import { client, settle } from './api'

export type InvoiceStatusFilter = 'draft' | 'open' | 'paid' | 'overdue' | 'void'
export type OrderStatusFilter = 'pending' | 'approved' | 'declined' | 'cancelled'
type Page = { limit?: number; cursor?: string | null }
const paging = (p: Page, fallback = 25) => ({ limit: p.limit ?? fallback, ...(p.cursor ? { cursor: p.cursor } : {}) })

/** The billing and purchasing API, bound to one request. */
export function commerce(event: RequestEvent) {
  const c = client(event)
  const account = (id: string) => ({ params: { path: { id } } })
  return {
    billingSummary: (id: string) => settle('billing summary', c.GET('/api/v1/accounts/{id}/billing', account(id))),
    invoices: (id: string, status?: InvoiceStatusFilter, p: Page = {}) =>
      settle('invoices', c.GET('/api/v1/accounts/{id}/invoices', { params: { path: { id }, query: { ...(status ? { status } : {}), ...paging(p) } } })),
    dueServices: (id: string, which: 'expiring' | 'expired', p: Page = {}) =>
      settle('billing services', c.GET('/api/v1/accounts/{id}/billing/services', { params: { path: { id }, query: { which, ...paging(p) } } })),
    syncInvoices: (id: string) => settle('sync invoices', c.POST('/api/v1/accounts/{id}/billing/sync', account(id))),

    plans: (id: string) => settle('plans', c.GET('/api/v1/accounts/{id}/plans', account(id))),
    createPlan: (id: string, body: BodyOf<'/api/v1/accounts/{id}/plans', 'post'>) => settle('create plan', c.POST('/api/v1/accounts/{id}/plans', { ...account(id), body })),
    updatePlan: (id: string, planId: string, body: BodyOf<'/api/v1/accounts/{id}/plans/{planId}', 'patch'>) =>
      settle('update plan', c.PATCH('/api/v1/accounts/{id}/plans/{planId}', { params: { path: { id, planId } }, body })),
    offers: (id: string) => settle('offers', c.GET('/api/v1/accounts/{id}/offers', account(id))),
    orders: (id: string, status?: OrderStatusFilter, p: Page = {}) =>
      settle('orders', c.GET('/api/v1/accounts/{id}/orders', { params: { path: { id }, query: { ...(status ? { status } : {}), ...paging(p) } } })),
    receivedOrders: (id: string, status?: OrderStatusFilter, p: Page = {}) =>
      settle('received orders', c.GET('/api/v1/accounts/{id}/received-orders', { params: { path: { id }, query: { ...(status ? { status } : {}), ...paging(p) } } })),
    placeOrder: (id: string, body: BodyOf<'/api/v1/accounts/{id}/orders', 'post'>) => settle('place order', c.POST('/api/v1/accounts/{id}/orders', { ...account(id), body })),
    cancelOrder: (id: string, orderId: string) => settle('cancel order', c.POST('/api/v1/accounts/{id}/orders/{orderId}/cancel', { params: { path: { id, orderId } } })),
    approveOrder: (id: string, orderId: string) =>
      settle('approve order', c.POST('/api/v1/accounts/{id}/received-orders/{orderId}/approve', { params: { path: { id, orderId } } })),
    declineOrder: (id: string, orderId: string, reason: string) =>
      settle('decline order', c.POST('/api/v1/accounts/{id}/received-orders/{orderId}/decline', { params: { path: { id, orderId } }, body: { reason } })),
  }
}

const INVOICE_STATUSES: readonly InvoiceStatusFilter[] = ['draft', 'open', 'paid', 'overdue', 'void']
const ORDER_STATUSES: readonly OrderStatusFilter[] = ['pending', 'approved', 'declined', 'cancelled']

/** An invoice status from a query string; junk is none. */
export const invoiceStatusFrom = (value: string | null) => (INVOICE_STATUSES.includes(value as InvoiceStatusFilter) ? (value as InvoiceStatusFilter) : undefined)
/** An order status from a query string; junk is none. */
export const orderStatusFrom = (value: string | null) => (ORDER_STATUSES.includes(value as OrderStatusFilter) ? (value as OrderStatusFilter) : undefined)

export type PurchasingTab = 'catalogue' | 'orders' | 'received' | 'plans'
export const ORDERS_PAGE_SIZE = 25

/** The tabs of an account: it sells to its children (not a customer) and buys from its parent (not the platform); selling first. */
export function tabsOf(kind: AccountKind): PurchasingTab[] {
  const selling: PurchasingTab[] = kind === 'customer' ? [] : ['received', 'plans']
  const buying: PurchasingTab[] = kind === 'platform' ? [] : ['catalogue', 'orders']
  return [...selling, ...buying]
}

/** The status filter of an orders tab: `all`, or one status; received orders show the pending ones unless told. */
export function statusOf(url: URL, tab: PurchasingTab): OrderStatusFilter | undefined {
  const raw = url.searchParams.get('status')
  if (raw === 'all') return undefined
  return orderStatusFrom(raw) ?? (tab === 'received' && raw === null ? 'pending' : undefined)
}

