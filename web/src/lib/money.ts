import { getLocale } from '$lib/i18n'
import { m } from '$lib/paraglide/messages.js'

/** Money for people, from minor units: "€1,234.50", "¥1,200" (the currency's own digits, through Intl). */
const moneyFormats = new Map<string, Intl.NumberFormat>()

export function formatMoney(amountMinor: number, currency: string): string {
  try {
    // British English keeps the currency's symbol before the amount; French its own order and separators.
    const locale = getLocale() === 'en' ? 'en-GB' : getLocale()
    let format = moneyFormats.get(`${locale}:${currency}`)
    if (!format) moneyFormats.set(`${locale}:${currency}`, (format = new Intl.NumberFormat(locale, { style: 'currency', currency })))
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2
    return format.format(amountMinor / 10 ** digits)
  } catch {
    return `${currency} ${(amountMinor / 100).toFixed(2)}`
  }
}

/** "€9.00 a month", "€14.00 a year". */
export function formatPrice(amountMinor: number, currency: string, period: 'monthly' | 'yearly'): string {
  const price = formatMoney(amountMinor, currency)
  return period === 'yearly' ? m.common_price_yearly({ price }) : m.common_price_monthly({ price })
}

/** Decimal text typed by a person ("9", "9.5", "1,234.50") as minor units; null when it is not a price. */
export function minorFrom(text: string, currency: string): number | null {
  const cleaned = text.replace(/[\s,]/g, '')
  if (!/^\d+(\.\d+)?$/.test(cleaned)) return null
  let digits = 2
  try {
    digits = new Intl.NumberFormat('en-GB', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  } catch {}
  const [whole = '0', fraction = ''] = cleaned.split('.')
  if (fraction.length > digits) return null
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0')
}
