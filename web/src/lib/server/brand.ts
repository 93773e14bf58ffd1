import type { RequestEvent } from '@sveltejs/kit'
import { DEFAULT_BRAND, sanitizeBrand, type Brand } from '$lib/brand'
import { api } from '$lib/server/api'

/**
 * The brand for this request's hostname, from `GET /api/v1/brand` (the API
 * resolves the Host), passed through `sanitizeBrand`; the product default when
 * the API cannot answer, so a page never fails for want of a theme.
 */
export async function loadBrand(event: RequestEvent): Promise<Brand> {
  const result = await api(event).brand()
  return sanitizeBrand(result.ok ? result.data.brand : DEFAULT_BRAND)
}
