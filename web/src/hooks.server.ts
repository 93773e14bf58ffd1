import type { Handle } from '@sveltejs/kit'
import { resolveLocale, withLocale } from '$lib/server/locale'

/**
 * HSTS for pages served over https: the same policy the API's secureHeaders sends on /api/*
 * (180 days, subdomains of the portal host included). Over http (local development) it is
 * never sent: browsers ignore it there, and it would pin localhost.
 */
const HSTS = 'max-age=15552000; includeSubDomains'

/**
 * Where Cloudflare's edge placed the caller, for the sessions list: always
 * overwritten (or removed), so a browser cannot claim a place of its own.
 */
export function stampPlace(headers: Headers, cf: { country?: unknown; city?: unknown } | undefined) {
  for (const [name, value] of [['x-trellis-client-country', cf?.country], ['x-trellis-client-city', cf?.city]] as const) {
    if (typeof value === 'string' && value) headers.set(name, encodeURIComponent(value).slice(0, 160))
    else headers.delete(name)
  }
}

/** Forward /api/* to the API worker, stamping the client IP so it cannot be spoofed; harden every page. */
export const handle: Handle = async ({ event, resolve }) => {
  if (event.url.pathname.startsWith('/api/')) {
    const headers = new Headers(event.request.headers)
    headers.set('x-trellis-client-ip', event.getClientAddress())
    stampPlace(headers, event.platform?.cf)
    return event.platform!.env.API.fetch(new Request(event.request, { headers }))
  }
  // The page's language (decision 034): chosen once, before any load or component draws a message.
  const locale = await resolveLocale(event)
  event.locals.locale = locale
  const response = await withLocale(locale, () => resolve(event, { transformPageChunk: ({ html }) => html.replace('%trellis.lang%', locale) }))
  response.headers.append('vary', 'cookie, accept-language')
  response.headers.set('x-content-type-options', 'nosniff')
  response.headers.set('referrer-policy', 'strict-origin-when-cross-origin')
  if (event.url.protocol === 'https:') response.headers.set('strict-transport-security', HSTS)
  // Pages show people's names and emails: never stored, so Back after logout (or the next
  // person at a shared computer) cannot bring one back. A route may choose otherwise.
  if (!response.headers.has('cache-control')) response.headers.set('cache-control', 'no-store')
  return response
}
