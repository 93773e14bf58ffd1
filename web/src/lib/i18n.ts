import { baseLocale, getLocale, locales, type Locale } from './paraglide/runtime.js'

export { getLocale, locales, type Locale }

/**
 * The person's choice of language on this browser (decision 034). The API reads the same
 * cookie, so a problem's title comes back in the language of the page that asked.
 */
export const LOCALE_COOKIE = 'trellis-lang'

/** Each language named in itself, as a language picker shows it. */
export const localeNames: Record<Locale, string> = { en: 'English', fr: 'Français' }

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value)
}

/**
 * The best of our languages for an Accept-Language header (RFC 9110 §12.5.4): the highest
 * q-value whose primary tag we have; ties keep the header's order. Null when none fits.
 */
export function negotiateLocale(header: string | null | undefined): Locale | null {
  if (!header) return null
  let best: { locale: Locale; q: number } | null = null
  for (const part of header.split(',').slice(0, 32)) {
    const [tag = '', ...params] = part.trim().split(';')
    const primary = tag.trim().toLowerCase().split('-')[0]
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    const q = qParam ? Number(qParam.slice(2)) : 1
    if (!isLocale(primary) || !(q > 0) || q > 1) continue
    if (!best || q > best.q) best = { locale: primary, q }
  }
  return best?.locale ?? null
}

/** The language a page is drawn in: the person's choice, else the brand's default, else the browser's, else English. */
export function pickLocale(choice: unknown, brandDefault: unknown, acceptLanguage: string | null | undefined): Locale {
  if (isLocale(choice)) return choice
  if (isLocale(brandDefault)) return brandDefault
  return negotiateLocale(acceptLanguage) ?? (baseLocale as Locale)
}
