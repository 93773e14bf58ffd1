/**
 * A brand made safe to draw, and its colours as CSS: what the server does with the brand the API
 * sends, and what the Branding page's preview does with the one being edited. (Apart from
 * $lib/brand so the pages everyone loads do not carry it.)
 */
import { DEFAULT_BRAND, type Brand } from './brand'
import { parseHex, readableForeground, toHex } from './color'

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
