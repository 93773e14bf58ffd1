import { api, hasSession } from '$lib/server/api'
import { loadBrand } from '$lib/server/brand'
import type { LayoutServerLoad } from './$types'

export const load: LayoutServerLoad = async (event) => {
  // While acting as someone else, every page (a not-found one included) shows the banner with Exit.
  // The account pages' own layout already asks who is signed in (its data carries the impersonation): no second call there.
  const ask = hasSession(event) && !event.route.id?.startsWith('/a/[accountId]')
  const [brand, me] = await Promise.all([loadBrand(event), ask ? api(event).me() : null])
  return { brand, impersonation: me?.ok ? (me.data.impersonation ?? null) : null }
}
