import { parseHex, readableForeground, toHex } from './color'
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

function safeLogoUrl(value: string | null): string | null {
  if (!value) return null
  if (value.startsWith('/') && !value.startsWith('//')) return value
  try {
    return new URL(value).protocol === 'https:' ? value : null
  } catch {
    return null
  }
}

function safeHttpsUrl(value: string | null | undefined): string | null {
  if (!value) return null
  try {
    const url = new URL(value)
    return url.protocol === 'https:' ? url.href : null
  } catch {
    return null
  }
}

const EMAIL = /^[^\s@<>"']+@[^\s@<>"']+\.[^\s@<>"']+$/

/** The support link of a brand: its https URL, else a mailto: of its email, else null. */
export function supportHref(brand: Brand): string | null {
  if (brand.supportUrl) return brand.supportUrl
  if (brand.supportEmail) return `mailto:${brand.supportEmail}`
  return null
}

/**
 * Normalise a brand coming from data (later: the API per hostname): colours must
 * be hex or fall back to the default, the logo must be a safe URL, the name is text.
 */
export function sanitizeBrand(input: Partial<Brand> | null | undefined): Brand {
  const primary = parseHex(input?.primaryColor ?? '') ?? parseHex(DEFAULT_BRAND.primaryColor)!
  const accent = parseHex(input?.accentColor ?? '') ?? parseHex(DEFAULT_BRAND.accentColor)!
  const name = (input?.name ?? '').trim().slice(0, 80) || DEFAULT_BRAND.name
  return {
    name,
    logoUrl: input && 'logoUrl' in input ? safeLogoUrl(input.logoUrl ?? null) : DEFAULT_BRAND.logoUrl,
    primaryColor: toHex(primary),
    accentColor: toHex(accent),
    supportEmail: input?.supportEmail && EMAIL.test(input.supportEmail) ? input.supportEmail.slice(0, 254) : null,
    supportUrl: safeHttpsUrl(input?.supportUrl),
    loginMessage: (input?.loginMessage ?? '').trim().slice(0, 500) || null,
    resellerId: input?.resellerId ?? null,
    poweredBy: input?.poweredBy !== false,
    defaultLocale: input?.defaultLocale === 'en' || input?.defaultLocale === 'fr' ? input.defaultLocale : null,
  }
}

/** The brand's CSS custom properties for :root. Values are re-serialised hex, so no CSS can be injected. */
export function brandVariables(brand: Brand): Record<string, string> {
  const primary = parseHex(brand.primaryColor) ?? parseHex(DEFAULT_BRAND.primaryColor)!
  const accent = parseHex(brand.accentColor) ?? parseHex(DEFAULT_BRAND.accentColor)!
  return {
    '--brand-primary': toHex(primary),
    '--brand-primary-foreground': toHex(readableForeground(primary)),
    '--brand-accent': toHex(accent),
  }
}

/**
 * A `:root { … }` rule setting the brand variables. Doubled `:root:root` so it wins over
 * app.css's defaults whichever stylesheet the page happens to load last.
 */
export function brandStyleSheet(brand: Brand): string {
  const body = Object.entries(brandVariables(brand))
    .map(([k, v]) => `${k}:${v}`)
    .join(';')
  return `:root:root{${body}}`
}
