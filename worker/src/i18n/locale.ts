import { AsyncLocalStorage } from 'node:async_hooks'
import { baseLocale, extractLocaleFromHeader, locales, overwriteGetLocale, type Locale } from './paraglide/runtime.js'

export type { Locale }

/** The person's choice of language on this browser: the web app's picker and sign-in set it (decision 034). */
export const LOCALE_COOKIE = 'trellis-lang'

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value)
}

/** The best of our languages for an Accept-Language header (by q-value, a region falling back to its language), or null. */
export function negotiateLocale(header: string | null | undefined): Locale | null {
  if (!header) return null
  return (extractLocaleFromHeader({ headers: { get: () => header.slice(0, 512) } } as unknown as Request) as Locale | undefined) ?? null
}

/**
 * The request's language lives in async context: requests interleave in one isolate, and
 * every message drawn while one is served (a problem's title, an email) must use its own.
 * Outside a request (cron) messages take an explicit locale, else English.
 */
const current = new AsyncLocalStorage<Locale>()
overwriteGetLocale(() => current.getStore() ?? (baseLocale as Locale))

export function withLocale<T>(locale: Locale, fn: () => T): T {
  return current.run(locale, fn)
}

/** The language of the request being served (English outside one). */
export function requestLocale(): Locale {
  return current.getStore() ?? (baseLocale as Locale)
}

/** The person's choice (cookie), else the portal brand's default, else Accept-Language, else English. */
export function pickLocale(cookie: string | undefined, brandDefault: Locale | null | undefined, acceptLanguage: string | null | undefined): Locale {
  if (isLocale(cookie)) return cookie
  if (isLocale(brandDefault)) return brandDefault
  return negotiateLocale(acceptLanguage) ?? (baseLocale as Locale)
}

/**
 * The language an email goes out in: the recipient's own choice, else the sending portal's
 * default, else the language of the person whose action sent it (or English from a cron).
 */
export function emailLocale(recipientChoice: string | null | undefined, brandDefault: Locale | null | undefined): Locale {
  if (isLocale(recipientChoice)) return recipientChoice
  if (isLocale(brandDefault)) return brandDefault
  return requestLocale()
}
