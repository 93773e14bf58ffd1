import { api, hasSession } from '$lib/server/api'
import { loadBrand } from '$lib/server/brand'
import type { LayoutServerLoad } from './$types'

export const load: LayoutServerLoad = async (event) => {
  // While acting as someone else, every page (a not-found one included) shows the banner with Exit.
  const [brand, me] = await Promise.all([loadBrand(event), hasSession(event) ? api(event).me() : null])
  return { brand, impersonation: me?.ok ? (me.data.impersonation ?? null) : null }
}
