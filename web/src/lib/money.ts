/** Money for people, from minor units: "€1,234.50", "¥1,200" (the currency's own digits, through Intl). */
export function formatMoney(amountMinor: number, currency: string): string {
  try {
    const format = new Intl.NumberFormat('en-GB', { style: 'currency', currency })
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2
    return format.format(amountMinor / 10 ** digits)
  } catch {
    return `${currency} ${(amountMinor / 100).toFixed(2)}`
  }
}

/** "€9.00 a month", "€14.00 a year". */
export function formatPrice(amountMinor: number, currency: string, period: 'monthly' | 'yearly'): string {
  return `${formatMoney(amountMinor, currency)} ${period === 'yearly' ? 'a year' : 'a month'}`
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
