/**
 * Invoice and order statuses, money and prices in the page's language. The API names statuses by
 * key in English; money.ts keeps the parsing of typed prices.
 */
import { m } from '$lib/paraglide/messages.js'
import { messageMap } from '$lib/message-map'
import type { Schemas } from '$lib/types'

type InvoiceStatus = Schemas['Invoice']['status']
type OrderStatus = Schemas['Order']['status']

/** "Paid", "Payée": an invoice's status, in the order the filter offers them. */
export const invoiceStatusLabel: Record<InvoiceStatus, string> = messageMap({
  draft: m.billing_status_draft,
  open: m.billing_status_open,
  paid: m.billing_status_paid,
  overdue: m.billing_status_overdue,
  void: m.billing_status_void,
})

/** "Approved", "Approuvée": an order's status, in the order the filter offers them. */
export const orderStatusLabel: Record<OrderStatus, string> = messageMap({
  pending: m.purchasing_status_pending,
  approved: m.purchasing_status_approved,
  declined: m.purchasing_status_declined,
  cancelled: m.purchasing_status_cancelled,
})

/** Money and prices in the page's language: one home, $lib/money. */
export { formatMoney, formatPrice } from '$lib/money'
