/**
 * Invoice and order statuses, money and prices in the page's language. The API names statuses by
 * key in English; money.ts keeps the parsing of typed prices.
 */
import { getLocale } from '$lib/i18n'
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

const moneyFormats = new Map<string, Intl.NumberFormat>()

/** Money from minor units in the page's language: "€1,234.50", "1 234,50 €", "¥1,200" (the currency's own digits). */
export function formatMoney(amountMinor: number, currency: string): string {
  // English keeps the British grouping and symbol placement the portal has always shown.
  const locale = getLocale() === 'en' ? 'en-GB' : getLocale()
  try {
    const key = `${locale}:${currency}`
    let format = moneyFormats.get(key)
    if (!format) moneyFormats.set(key, (format = new Intl.NumberFormat(locale, { style: 'currency', currency })))
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2
    return format.format(amountMinor / 10 ** digits)
  } catch {
    return `${currency} ${(amountMinor / 100).toFixed(2)}`
  }
}

/** "€9.00 a month", "14,00 € par an". */
export function formatPrice(amountMinor: number, currency: string, period: 'monthly' | 'yearly'): string {
  const price = formatMoney(amountMinor, currency)
  return period === 'yearly' ? m.commerce_per_year({ price }) : m.commerce_per_month({ price })
}
