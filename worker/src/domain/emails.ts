import { eq } from 'drizzle-orm'
import type { EmailMessage } from '../adapters/email.ts'
import { schema, type DB } from '../db.ts'
import { emailLocale, withLocale, type Locale } from '../i18n/locale.ts'
import { m } from '../i18n/paraglide/messages.js'
import { getLocale } from '../i18n/paraglide/runtime.js'
import { brandForAccount } from './brands.ts'
import { verifiedSender } from './sender-domains.ts'

/** What an email shows of the sending reseller's brand. Every field is data: escaped, colours validated. */
export interface EmailBrand {
  name: string
  primaryColor: string
  accentColor: string
  /** Absolute https/http URL of the logo, or null for the name alone. */
  logoUrl: string | null
  supportEmail: string | null
  supportUrl: string | null
  /** The reseller's own verified sender address (`portal@<its domain>`), or null for the platform's. */
  senderAddress?: string | null
  /** The portal's language for people who chose none (decision 034). */
  defaultLocale?: Locale | null
}

export const PLATFORM_EMAIL_BRAND: EmailBrand = {
  name: 'Trellis',
  primaryColor: '#2563eb',
  accentColor: '#0ea5e9',
  logoUrl: null,
  supportEmail: null,
  supportUrl: null,
}

const HEX = /^#[0-9a-f]{6}$/i

/** Escape text for HTML element content and quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!)
}

function safeUrl(value: string | null): string | null {
  if (!value) return null
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null
  } catch {
    return null
  }
}

interface Body {
  /** Plain-text paragraphs. */
  paragraphs: string[]
  action?: { label: string; url: string }
  /** A smaller line under the action (e.g. expiry). */
  footnote?: string
}

/** Lay out a branded message with its plain-text twin. */
export function renderEmail(brand: EmailBrand, to: string, subject: string, body: Body): EmailMessage {
  const primary = HEX.test(brand.primaryColor) ? brand.primaryColor : PLATFORM_EMAIL_BRAND.primaryColor
  const logo = safeUrl(brand.logoUrl)
  const supportUrl = safeUrl(brand.supportUrl)
  const action = body.action ? { label: body.action.label, url: safeUrl(body.action.url) } : null
  const support = [brand.supportEmail, supportUrl].filter(Boolean).join(' · ')

  const supportWord = m.email_support()
  const text = [
    ...body.paragraphs,
    ...(action?.url ? [`${action.label}: ${action.url}`] : []),
    ...(body.footnote ? [body.footnote] : []),
    '—',
    brand.name + (support ? `\n${supportWord}: ${support}` : ''),
  ].join('\n\n')

  const e = escapeHtml
  const html = `<!doctype html>
<html lang="${getLocale()}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f4f5;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#18181b">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;border-top:4px solid ${primary}">
<tr><td style="padding:24px 28px 8px">${logo ? `<img src="${e(logo)}" alt="${e(brand.name)}" height="32" style="height:32px">` : `<strong style="font-size:18px;color:${primary}">${e(brand.name)}</strong>`}</td></tr>
<tr><td style="padding:8px 28px 24px;font-size:15px;line-height:1.6">
${body.paragraphs.map((p) => `<p style="margin:0 0 14px">${e(p)}</p>`).join('\n')}
${action?.url ? `<p style="margin:20px 0"><a href="${e(action.url)}" style="display:inline-block;background:${primary};color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px;font-weight:600">${e(action.label)}</a></p>
<p style="margin:0 0 14px;font-size:13px;color:#52525b">${e(m.email_or_open_link())} <a href="${e(action.url)}" style="color:${primary}">${e(action.url)}</a></p>` : ''}
${body.footnote ? `<p style="margin:0;font-size:13px;color:#71717a">${e(body.footnote)}</p>` : ''}
</td></tr>
<tr><td style="padding:16px 28px;border-top:1px solid #e4e4e7;font-size:12px;color:#71717a">${e(brand.name)}${support ? ` · ${e(supportWord)}: ${e(support)}` : ''}</td></tr>
</table></body></html>`
  // From the reseller, by name (and by address once its sending domain is verified); replies reach its support.
  return { to, subject, text, html, fromName: brand.name, fromAddress: brand.senderAddress ?? null, replyTo: brand.supportEmail }
}

/**
 * The origin links in emails use: the reseller's verified portal hostname when
 * it has one, else the platform's canonical origin (PUBLIC_ORIGIN). Never the
 * request's Host (rule 13). A verified hostname is served over https, except
 * local `*.localhost` names, which take the scheme and port of PUBLIC_ORIGIN
 * (http://acme.localhost:8787 in development).
 */
export function linkOrigin(publicOrigin: string, verifiedHostname: string | null): string {
  let base: URL
  try {
    base = new URL(publicOrigin)
  } catch {
    throw new Error(`PUBLIC_ORIGIN is not an absolute URL: ${JSON.stringify(publicOrigin)}`)
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error('PUBLIC_ORIGIN must be an http(s) origin')
  if (!verifiedHostname) return base.origin
  const local = verifiedHostname === 'localhost' || verifiedHostname.endsWith('.localhost')
  return local ? `${base.protocol}//${verifiedHostname}${base.port ? `:${base.port}` : ''}` : `https://${verifiedHostname}`
}

/**
 * The brand an email from this account carries (its reseller's, or the
 * platform's), and the origin its links and logo use (`linkOrigin`):
 * configuration and verified hostnames only.
 */
export async function emailBrandFor(db: DB, accountPath: string, publicOrigin: string): Promise<{ brand: EmailBrand; origin: string }> {
  const b = await brandForAccount(db, accountPath)
  const origin = linkOrigin(publicOrigin, b.hostname)
  const logoUrl = b.logoUrl ? (b.logoUrl.startsWith('/') ? `${origin}${b.logoUrl}` : b.logoUrl) : null
  const sender = b.resellerId ? await verifiedSender(db, b.resellerId) : null
  return {
    brand: { name: b.name, primaryColor: b.primaryColor, accentColor: b.accentColor, logoUrl, supportEmail: b.supportEmail, supportUrl: b.supportUrl, senderAddress: sender, defaultLocale: b.defaultLocale },
    origin,
  }
}

/**
 * Draw an email in its recipient's language: the one they chose if `to` has a login, else the
 * sending portal's default, else the language of whoever's action sends it (decision 034).
 */
export async function inRecipientLanguage<T>(db: DB, to: string, brand: EmailBrand, draw: () => T): Promise<T> {
  const row = await db.select({ locale: schema.users.locale }).from(schema.users).where(eq(schema.users.email, to.trim().toLowerCase())).get()
  return withLocale(emailLocale(row?.locale, brand.defaultLocale), draw)
}

/** A moment as an email states it: a date and time in the email's language, in UTC ("30 November 2026 at 14:05 UTC"). */
export function emailDate(ms: number): string {
  return `${new Intl.DateTimeFormat(getLocale(), { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(ms)} UTC`
}
