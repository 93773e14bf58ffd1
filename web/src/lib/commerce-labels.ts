/**
 * Invoice and order statuses, money and prices in the page's language. The API names statuses by
 * key in English; money.ts keeps the parsing of typed prices.
 */
import { m } from '$lib/paraglide/messages.js'
import type { Schemas } from '$lib/types'

type InvoiceStatus = Schemas['Invoice']['status']
type OrderStatus = Schemas['Order']['status']

// Getters, never drawn messages: a map built at import would hold the language of the first request.
/** "Paid", "Payée": an invoice's status, in the order the filter offers them. */
export const invoiceStatusLabel: Record<InvoiceStatus, string> = {
  get draft() {
    return m.billing_status_draft()
  },
  get open() {
    return m.billing_status_open()
  },
  get paid() {
    return m.billing_status_paid()
  },
  get overdue() {
    return m.billing_status_overdue()
  },
  get void() {
    return m.billing_status_void()
  },
}

/** "Approved", "Approuvée": an order's status, in the order the filter offers them. */
export const orderStatusLabel: Record<OrderStatus, string> = {
  get pending() {
    return m.purchasing_status_pending()
  },
  get approved() {
    return m.purchasing_status_approved()
  },
  get declined() {
    return m.purchasing_status_declined()
  },
  get cancelled() {
    return m.purchasing_status_cancelled()
  },
}

/** Money and prices in the page's language: one home, $lib/money. */
export { formatMoney, formatPrice } from '$lib/money'
