import type { RequestEvent } from '@sveltejs/kit'
import { DEFAULT_BRAND, sanitizeBrand, type Brand } from '$lib/brand'

/**
 * The brand for this request's hostname. For now every host gets the product
 * default; when `GET /api/v1/brand` lands, fetch it here through lib/server/api.ts
 * and pass the answer through `sanitizeBrand` (falling back to the default).
 */
export async function loadBrand(_event: RequestEvent): Promise<Brand> {
  return sanitizeBrand(DEFAULT_BRAND)
}
