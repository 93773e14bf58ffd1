import { loadBrand } from '$lib/server/brand'
import type { LayoutServerLoad } from './$types'

export const load: LayoutServerLoad = async (event) => {
  return { brand: await loadBrand(event) }
}
