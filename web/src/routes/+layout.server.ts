import { brandStyleSheet } from '$lib/brand'
import { api, hasSession } from '$lib/server/api'
import { loadBrand } from '$lib/server/brand'
import type { LayoutServerLoad } from './$types'

export const load: LayoutServerLoad = async (event) => {
  // While acting as someone else, every page shows the banner with Exit, a not-found account's
  // included (its layout fails before it returns anything). The account layout's /me is the same call, made once.
  const [brand, me] = await Promise.all([loadBrand(event), hasSession(event) ? api(event).me() : null])
  // The brand's colours as CSS, made here so the browser needs no colour maths to hydrate the page.
  return { brand, brandCss: brandStyleSheet(brand), impersonation: me?.ok ? (me.data.impersonation ?? null) : null }
}
