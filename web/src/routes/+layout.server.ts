import { redirect } from '@sveltejs/kit'
import { brandStyleSheet } from '$lib/brand-theme'
import { LOCALE_COOKIE } from '$lib/i18n'
import { api, hasSession } from '$lib/server/api'
import { loadBrand } from '$lib/server/brand'
import { rememberLocale } from '$lib/server/locale'
import type { LayoutServerLoad } from './$types'

export const load: LayoutServerLoad = async (event) => {
  // While acting as someone else, every page shows the banner with Exit, a not-found account's
  // included (its layout fails before it returns anything). The account layout's /me is the same call, made once.
  const [brand, me] = await Promise.all([loadBrand(event), hasSession(event) ? api(event).me() : null])
  // The language a person saved with their login follows them to this browser (chosen on
  // another one, or before this sign-in): remembered here, and the page drawn again in it.
  const chosen = me?.ok ? me.data.locale : null
  if (chosen && chosen !== event.cookies.get(LOCALE_COOKIE)) {
    rememberLocale(event.cookies, chosen, event.url.protocol === 'https:')
    if (chosen !== event.locals.locale && !event.isDataRequest) redirect(303, event.url.pathname + event.url.search)
  }
  // The brand's colours as CSS, made here so the browser needs no colour maths to hydrate the page.
  // After a sign-in (a client-side navigation) the page learns here the language to draw in next.
  return { brand, brandCss: brandStyleSheet(brand), locale: chosen ?? event.locals.locale, chosenLocale: chosen, impersonation: me?.ok ? (me.data.impersonation ?? null) : null }
}
