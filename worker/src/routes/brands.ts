import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { bodyLimit } from 'hono/body-limit'
import { effectiveBrand, logoKey, nextLogoVersion, saveBrand, setLogo, type BrandInput } from '../domain/brands.ts'
import { invalidateBrandCache } from '../domain/host-brand.ts'
import { LOGO_MAX_BYTES, sniffLogo } from '../domain/logo.ts'
import type { AppEnv } from '../env.ts'
import { AppError, fieldError, found } from '../errors.ts'
import { requirePermission } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { answers, body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam } from './schemas.ts'

const HEX = /^#[0-9a-fA-F]{6}$/
/** Brand text is shown as text; control characters (and line breaks outside the login message) are refused. */
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/
const NO_CONTROL_MULTILINE = /^[^\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]*$/

const blankToNull = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? null : v)

const Color = z.string().trim().regex(HEX, 'Use a hex colour like #1a2b3c.').transform((v) => v.toLowerCase())

const BrandBody = z
  .object({
    name: z.string().trim().min(1, 'Enter a name.').max(80, 'At most 80 characters.').regex(NO_CONTROL, 'No control characters.'),
    primaryColor: Color,
    accentColor: Color,
    supportEmail: z.preprocess(blankToNull, z.string().trim().max(254).email('Enter a valid email address.').nullable()).default(null),
    supportUrl: z
      .preprocess(
        blankToNull,
        z
          .string()
          .trim()
          .max(500, 'At most 500 characters.')
          .refine((v) => {
            try {
              const u = new URL(v)
              return u.protocol === 'https:' && !u.username && !u.password
            } catch {
              return false
            }
          }, 'Use an https:// address.')
          .nullable(),
      )
      .default(null),
    loginMessage: z
      .preprocess(blankToNull, z.string().trim().max(500, 'At most 500 characters.').regex(NO_CONTROL_MULTILINE, 'No control characters.').nullable())
      .default(null),
    /** The portal's language for people who have not chosen one; null (or "") follows their browser. */
    defaultLocale: z.preprocess(blankToNull, z.enum(['en', 'fr'], 'Choose English or French.').nullable()).default(null),
  })
  .openapi('BrandInput')

export const PublicBrandView = z
  .object({
    name: z.string(),
    logoUrl: z.string().nullable(),
    primaryColor: z.string(),
    accentColor: z.string(),
    supportEmail: z.string().nullable(),
    supportUrl: z.string().nullable(),
    loginMessage: z.string().nullable(),
    resellerId: z.string().nullable(),
    /** Show "Powered by Trellis" on this portal (the platform decides). */
    poweredBy: z.boolean(),
    /** The portal's language for people who have not chosen one; null follows their browser. */
    defaultLocale: z.enum(['en', 'fr']).nullable(),
  })
  .openapi('Brand')

const AccountBrandView = z.object({
  brand: PublicBrandView,
  /** False while the account shows the default look (it has never saved a brand). */
  custom: z.boolean(),
  updatedAt: z.number().nullable(),
})

const LogoParams = z.object({
  accountId: z.string().min(1).max(64).openapi({ param: { name: 'accountId', in: 'path' } }),
  version: z.string().regex(/^[0-9]{1,9}$/, 'A version number.').openapi({ param: { name: 'version', in: 'path' } }),
})


async function accountBrand<E extends AppEnv>(c: Context<E>, account: { id: string; name: string; kind: string }) {
  const { brand, custom, updatedAt } = await effectiveBrand(c.var.db, account)
  return { brand, custom, updatedAt }
}

/** The logo upload route, which takes up to LOGO_MAX_BYTES instead of the JSON body limit. */
export function isLogoUpload<E extends AppEnv>(c: Context<E>): boolean {
  return c.req.method === 'PUT' && /^\/api\/v1\/accounts\/[^/]+\/brand\/logo$/.test(c.req.path)
}

/** The logo upload takes up to LOGO_MAX_BYTES instead of the JSON body limit. */
const logoLimit = answers(
  createMiddleware<AppEnv>((c, next) =>
    bodyLimit({
      maxSize: LOGO_MAX_BYTES,
      onError: () => {
        throw new AppError('payload_too_large', `logo: The logo is larger than ${LOGO_MAX_BYTES / 1024} KB.`, {
          errors: [{ field: 'logo', message: `The logo is larger than ${LOGO_MAX_BYTES / 1024} KB.` }],
        })
      },
    })(c, next),
  ),
  413,
)

const IMMUTABLE = 'public, max-age=31536000, immutable'
/** Logos may be SVG: whatever is served here can run nothing, even when opened directly. */
const LOGO_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

const getPortalBrandRoute = route.get('/brand', 'getPortalBrand', { responses: { 200: json(z.object({ brand: PublicBrandView }), 'The brand') } })
const getBrandLogoRoute = route.get('/brand/logo/{accountId}/{version}', 'getBrandLogo', {
  request: { params: LogoParams }, responses: { 200: { description: 'The image' }, ...problems(400, 404) },
})
const getAccountBrandRoute = route.get('/accounts/{id}/brand', 'getAccountBrand', requirePermission('branding.view'), {
  request: { params: AccountParam }, responses: { 200: json(AccountBrandView, 'The brand') },
})
const updateAccountBrandRoute = route.put('/accounts/{id}/brand', 'updateAccountBrand', requirePermission('branding.manage'), {
  request: { params: AccountParam, body: body(BrandBody) }, responses: { 200: json(AccountBrandView, 'Saved') },
})
const uploadBrandLogoRoute = route.put('/accounts/{id}/brand/logo', 'uploadBrandLogo', [requirePermission('branding.manage'), logoLimit], {
  request: { params: AccountParam }, responses: { 200: json(AccountBrandView, 'Saved'), ...problems(400) },
})
const deleteBrandLogoRoute = route.delete('/accounts/{id}/brand/logo', 'deleteBrandLogo', requirePermission('branding.manage'), {
  request: { params: AccountParam }, responses: { 200: json(AccountBrandView, 'Removed') },
})

export const brandsRouter = createRouter('Branding')
  .openapi(getPortalBrandRoute, (c) => c.json({ brand: c.var.hostBrand.brand }, 200, { 'cache-control': 'no-store' }))
  .openapi(getBrandLogoRoute, async (c) => {
    const { accountId, version } = c.req.valid('param')
    const object = found(await c.env.BRANDING.get(logoKey(accountId, Number(version))), 'No such logo.')
    return new Response(object.body, {
      headers: {
        'content-type': object.httpMetadata?.contentType ?? 'application/octet-stream',
        'cache-control': IMMUTABLE,
        'content-security-policy': LOGO_CSP,
        'x-content-type-options': 'nosniff',
        'content-disposition': 'inline',
        // Public brand assets: emails show them from webmail, on other origins.
        'cross-origin-resource-policy': 'cross-origin',
        etag: object.httpEtag,
      },
    })
  })
  .openapi(getAccountBrandRoute, async (c) => c.json(await accountBrand(c, c.var.access.account), 200))
  .openapi(updateAccountBrandRoute, async (c) => {
    const ctx = c.var.access
    const body: BrandInput = c.req.valid('json')
    await saveBrand(c.var.db, ctx.account.id, body)
    invalidateBrandCache()
    await audit(c, ctx.account, {
      type: 'brand_updated',
      target: { kind: 'brand', id: ctx.account.id, label: body.name },
      description: `${ctx.principal.user.email} changed the brand of ${ctx.account.name}`,
    })
    return c.json(await accountBrand(c, ctx.account), 200)
  })
  .openapi(uploadBrandLogoRoute, async (c) => {
    const ctx = c.var.access
    const bytes = new Uint8Array(await c.req.arrayBuffer())
    if (bytes.length > LOGO_MAX_BYTES) throw new AppError('payload_too_large', 'logo: Too large.', { errors: [{ field: 'logo', message: `The logo is larger than ${LOGO_MAX_BYTES / 1024} KB.` }] })
    const sniffed = sniffLogo(bytes, c.req.header('content-type') ?? null)
    if (!sniffed.ok) throw fieldError('validation_failed', 'logo', sniffed.message)
    const { previous, version } = await nextLogoVersion(c.var.db, ctx.account.id)
    const key = logoKey(ctx.account.id, version)
    await c.env.BRANDING.put(key, bytes, { httpMetadata: { contentType: sniffed.type } })
    const current = await effectiveBrand(c.var.db, ctx.account)
    const { resellerId: _, logoUrl: __, ...fallback } = current.brand
    await setLogo(c.var.db, ctx.account.id, { key, contentType: sniffed.type, version }, fallback)
    invalidateBrandCache()
    if (previous && previous !== key) await c.env.BRANDING.delete(previous)
    await audit(c, ctx.account, {
      type: 'brand_updated',
      target: { kind: 'brand', id: ctx.account.id, label: current.brand.name },
      description: `${ctx.principal.user.email} uploaded a new logo for ${ctx.account.name}`,
    })
    return c.json(await accountBrand(c, ctx.account), 200)
  })
  .openapi(deleteBrandLogoRoute, async (c) => {
    const ctx = c.var.access
    const { previous, version } = await nextLogoVersion(c.var.db, ctx.account.id)
    if (previous) {
      const current = await effectiveBrand(c.var.db, ctx.account)
      const { resellerId: _, logoUrl: __, ...fallback } = current.brand
      await setLogo(c.var.db, ctx.account.id, { key: null, contentType: null, version }, fallback)
      invalidateBrandCache()
      await c.env.BRANDING.delete(previous)
      await audit(c, ctx.account, {
        type: 'brand_updated',
        target: { kind: 'brand', id: ctx.account.id, label: current.brand.name },
        description: `${ctx.principal.user.email} removed the logo of ${ctx.account.name}`,
      })
    }
    return c.json(await accountBrand(c, ctx.account), 200)
  })
