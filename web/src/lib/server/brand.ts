import type { RequestEvent } from '@sveltejs/kit'
import { DEFAULT_BRAND, type Brand } from '$lib/brand'
import { sanitizeBrand } from '$lib/brand-theme'
import { api } from '$lib/server/api'

/** The brand asked once per request: the language (hooks) and the root layout both need it. */
const brandOfRequest = new WeakMap<object, Promise<Brand>>()

/**
 * The brand for this request's hostname, from `GET /api/v1/brand` (the API
 * resolves the Host), passed through `sanitizeBrand`; the product default when
 * the API cannot answer, so a page never fails for want of a theme.
 */
export function loadBrand(event: RequestEvent): Promise<Brand> {
  let brand = brandOfRequest.get(event.locals)
  if (!brand) {
    brand = api(event)
      .brand()
      .then((result) => sanitizeBrand(result.ok ? result.data.brand : DEFAULT_BRAND))
    brandOfRequest.set(event.locals, brand)
  }
  return brand
}
