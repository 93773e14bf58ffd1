import { AsyncLocalStorage } from 'node:async_hooks'
import type { Cookies, RequestEvent } from '@sveltejs/kit'
import { baseLocale, overwriteGetLocale } from '$lib/paraglide/runtime.js'
import { LOCALE_COOKIE, pickLocale, type Locale } from '$lib/i18n'
import { loadBrand } from '$lib/server/brand'

/**
 * The language of the request being served. Requests interleave in one isolate, so the
 * locale lives in async context, never in a module variable: every message drawn while
 * this request renders (loads, actions, components) reads its own.
 */
const requestLocale = new AsyncLocalStorage<Locale>()
overwriteGetLocale(() => requestLocale.getStore() ?? (baseLocale as Locale))

/** Runs `fn` (the rest of the request) in `locale`. */
export function withLocale<T>(locale: Locale, fn: () => T): T {
  return requestLocale.run(locale, fn)
}

/**
 * The person's choice (the cookie the language picker and sign-in set), else the portal
 * brand's default, else the browser's Accept-Language, else English. The brand is asked
 * only when there is no choice; the answer is the root layout's, asked once per request.
 */
export async function resolveLocale(event: RequestEvent): Promise<Locale> {
  const choice = event.cookies.get(LOCALE_COOKIE)
  const accept = event.request.headers.get('accept-language')
  if (pickLocale(choice, null, null) === choice) return choice as Locale
  const brand = await loadBrand(event)
  return pickLocale(null, brand.defaultLocale, accept)
}

/** Keep a person's choice on this browser for a year (null forgets it: the portal's default, then the browser's, apply). */
export function rememberLocale(cookies: Cookies, locale: Locale | null, secure: boolean) {
  if (locale === null) cookies.delete(LOCALE_COOKIE, { path: '/', secure })
  else cookies.set(LOCALE_COOKIE, locale, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: 60 * 60 * 24 * 365 })
}
