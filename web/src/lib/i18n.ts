import { baseLocale, getLocale, extractLocaleFromHeader, locales, type Locale } from './paraglide/runtime.js'

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

/** The best of our languages for an Accept-Language header (by q-value, a region falling back to its language), or null. */
export function negotiateLocale(header: string | null | undefined): Locale | null {
  if (!header) return null
  return (extractLocaleFromHeader({ headers: { get: () => header.slice(0, 512) } } as unknown as Request) as Locale | undefined) ?? null
}

/** The language a page is drawn in: the person's choice, else the brand's default, else the browser's, else English. */
export function pickLocale(choice: unknown, brandDefault: unknown, acceptLanguage: string | null | undefined): Locale {
  if (isLocale(choice)) return choice
  if (isLocale(brandDefault)) return brandDefault
  return negotiateLocale(acceptLanguage) ?? (baseLocale as Locale)
}
