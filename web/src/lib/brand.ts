import type { Schemas } from './types'

/** How the portal looks for the current hostname: name, logo, two colours, support links (GET /api/v1/brand). */
export type Brand = Schemas['Brand']

/** The product's own brand, used when the hostname has none. */
export const DEFAULT_BRAND: Brand = {
  name: 'Trellis',
  logoUrl: '/favicon.svg',
  primaryColor: '#2563eb',
  accentColor: '#0ea5e9',
  supportEmail: null,
  supportUrl: null,
  loginMessage: null,
  resellerId: null,
  poweredBy: true,
  defaultLocale: null,
}

/** True when the brand is the product default (used e.g. to skip "Powered by Trellis"). */
export function isDefaultBrand(brand: Brand): boolean {
  return brand.name === DEFAULT_BRAND.name && brand.primaryColor === DEFAULT_BRAND.primaryColor
}

/** The support link of a brand: its https URL, else a mailto: of its email, else null. */
export function supportHref(brand: Brand): string | null {
  if (brand.supportUrl) return brand.supportUrl
  if (brand.supportEmail) return `mailto:${brand.supportEmail}`
  return null
}
