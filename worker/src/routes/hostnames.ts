import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { dnsResolver } from '../adapters/dns.ts'
import { getAccount } from '../domain/accounts.ts'
import {
  addHostname,
  challengeName,
  deleteHostname,
  getHostname,
  HostnameTaken,
  invalidateBrandCache,
  listHostnames,
  markHostnameVerified,
  normalizeHostname,
} from '../domain/brands.ts'
import type { AppEnv } from '../env.ts'
import { AppError, fieldError } from '../errors.ts'
import { requirePermission } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { createRouter } from '../openapi.ts'
import { AccountParam, problems } from './schemas.ts'

const HostnameView = z
  .object({
    id: z.string(),
    hostname: z.string(),
    customer: z.object({ id: z.string(), name: z.string() }).nullable(),
    status: z.enum(['pending', 'verified']),
    /** The TXT record that proves control: create it at `record.name` with `record.value`. */
    record: z.object({ type: z.literal('TXT'), name: z.string(), value: z.string() }),
    createdAt: z.number(),
    verifiedAt: z.number().nullable(),
  })
  .openapi('Hostname')

const AddHostname = z
  .object({
    hostname: z.string().trim().min(1, 'Enter a hostname.').max(253, 'At most 253 characters.'),
    customerAccountId: z.string().min(1).max(64).nullable().default(null),
  })
  .openapi('AddHostname')

const HostnameParams = AccountParam.extend({ hostnameId: z.string().min(1).max(64).openapi({ param: { name: 'hostnameId', in: 'path' } }) })

/** The platform's own hostnames (never claimable): localhost and the PLATFORM_HOSTNAMES var. */
function platformHostnames(env: AppEnv['Bindings']): Set<string> {
  const listed = (env.PLATFORM_HOSTNAMES ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)
  return new Set(['localhost', ...listed])
}


/** Hostnames belong to resellers: elsewhere the collection does not exist. */
const resellersOnly = { kinds: ['reseller'], detail: 'Only resellers have hostnames.' } as const

type Row = Awaited<ReturnType<typeof listHostnames>>[number]

async function present<E extends AppEnv>(c: Context<E>, rows: Row[]) {
  const customers = new Map<string, string>()
  for (const id of new Set(rows.flatMap((r) => (r.customerAccountId ? [r.customerAccountId] : [])))) {
    const account = await getAccount(c.var.db, id)
    if (account) customers.set(id, account.name)
  }
  return rows.map((r) => ({
    id: r.id,
    hostname: r.hostname,
    customer: r.customerAccountId && customers.has(r.customerAccountId) ? { id: r.customerAccountId, name: customers.get(r.customerAccountId)! } : null,
    status: r.status,
    record: { type: 'TXT' as const, name: challengeName(r.hostname), value: r.verificationToken },
    createdAt: r.createdAt,
    verifiedAt: r.verifiedAt,
  }))
}

async function existing<E extends AppEnv>(c: Context<E>, resellerId: string, hostnameId: string) {
  const row = await getHostname(c.var.db, resellerId, hostnameId)
  if (!row) throw new AppError(404, 'not_found', 'No hostname with that id.')
  return row
}

/** A hostname a reseller may claim, normalised; 400 when it is not a hostname, 409 for the platform's own. */
export function claimableHostname<E extends AppEnv>(c: Context<E>, raw: string, field = 'hostname') {
  const hostname = normalizeHostname(raw)
  const platform = platformHostnames(c.env)
  if (platform.has(hostname ?? raw.toLowerCase().replace(/\.$/, ''))) throw fieldError(409, 'conflict', field, "That is the platform's own hostname.")
  if (!hostname) throw fieldError(400, 'validation_failed', field, 'Enter a hostname like portal.example.com (no scheme, port or path).')
  if (platform.has(hostname)) throw fieldError(409, 'conflict', field, "That is the platform's own hostname.")
  return hostname
}

export const hostnamesRouter = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/accounts/{id}/hostnames',
      middleware: [requirePermission('branding.view', resellersOnly)] as const,
      tags: ['Branding'],
      summary: "A reseller's hostnames",
      description: 'Needs `branding.view`. `devTools` says whether the local "mark verified" switch is available.',
      request: { params: AccountParam },
      responses: {
        200: { description: 'Hostnames', content: { 'application/json': { schema: z.object({ items: z.array(HostnameView), devTools: z.boolean() }) } } },
        ...problems(401, 403, 404),
      },
    }),
    async (c) => {
      const ctx = c.var.access
      const items = await present(c, await listHostnames(c.var.db, ctx.account.id))
      return c.json({ items, devTools: c.env.DEV_TOOLS === 'true' }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/accounts/{id}/hostnames',
      middleware: [requirePermission('branding.manage', resellersOnly)] as const,
      tags: ['Branding'],
      summary: 'Claim a hostname for the portal',
      description:
        "Needs `branding.manage`. The hostname is pending until a DNS TXT record `_trellis.<hostname>` holds the token shown. A hostname is held by one reseller at a time (409); the platform's own cannot be claimed.",
      request: { params: AccountParam, body: { required: true, content: { 'application/json': { schema: AddHostname } } } },
      responses: { 201: { description: 'Added', content: { 'application/json': { schema: z.object({ hostname: HostnameView }) } } }, ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const ctx = c.var.access
      const body = c.req.valid('json')
      const hostname = claimableHostname(c, body.hostname)
      if (body.customerAccountId) {
        const customer = await getAccount(c.var.db, body.customerAccountId)
        if (!customer || customer.parentId !== ctx.account.id || customer.kind !== 'customer') {
          throw fieldError(400, 'validation_failed', 'customerAccountId', 'Choose one of your customers.')
        }
      }
      let row: Row
      try {
        row = await addHostname(c.var.db, ctx.account.id, { hostname, customerAccountId: body.customerAccountId })
      } catch (error) {
        if (error instanceof HostnameTaken) throw fieldError(409, 'conflict', 'hostname', 'That hostname is already in use.')
        throw error
      }
      await audit(c, ctx.account, {
        type: 'hostname_added',
        target: { kind: 'hostname', id: row.id, label: hostname },
        description: `${ctx.principal.user.email} added the hostname ${hostname} to ${ctx.account.name}`,
      })
      return c.json({ hostname: (await present(c, [row]))[0]! }, 201)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/accounts/{id}/hostnames/{hostnameId}/verify',
      middleware: [requirePermission('branding.manage', resellersOnly)] as const,
      tags: ['Branding'],
      summary: "Check a hostname's DNS TXT record",
      description:
        'Needs `branding.manage`. Looks up `_trellis.<hostname>` TXT; when a record holds the token the hostname becomes verified and serves the brand. Otherwise answers 422 and it stays pending.',
      request: { params: HostnameParams },
      responses: { 200: { description: 'Verified', content: { 'application/json': { schema: z.object({ hostname: HostnameView }) } } }, ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const { id, hostnameId } = c.req.valid('param')
      const ctx = c.var.access
      const row = await existing(c, ctx.account.id, hostnameId)
      if (row.status !== 'verified') {
        const records = await dnsResolver(c.env).txt(challengeName(row.hostname))
        if (!records.some((r) => r.trim() === row.verificationToken)) {
          throw new AppError(422, 'verification_failed', `No TXT record at ${challengeName(row.hostname)} holds the token yet. DNS changes can take a few minutes to appear.`)
        }
        await markHostnameVerified(c.var.db, ctx.account.id, row.id)
        invalidateBrandCache()
        await audit(c, ctx.account, {
          type: 'hostname_verified',
          target: { kind: 'hostname', id: row.id, label: row.hostname },
          description: `${ctx.principal.user.email} verified the hostname ${row.hostname} of ${ctx.account.name}`,
        })
      }
      return c.json({ hostname: (await present(c, [(await getHostname(c.var.db, ctx.account.id, row.id))!]))[0]! }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/accounts/{id}/hostnames/{hostnameId}/dev-verify',
      middleware: [requirePermission('branding.manage', resellersOnly)] as const,
      tags: ['Branding'],
      summary: 'Mark a hostname verified without DNS (local development only)',
      description: 'Exists only when DEV_TOOLS is "true" (npm start); 404 everywhere else. Needs `branding.manage`.',
      request: { params: HostnameParams },
      responses: { 200: { description: 'Verified', content: { 'application/json': { schema: z.object({ hostname: HostnameView }) } } }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      if (c.env.DEV_TOOLS !== 'true') throw new AppError(404, 'not_found', 'No such route.')
      const { id, hostnameId } = c.req.valid('param')
      const ctx = c.var.access
      const row = await existing(c, ctx.account.id, hostnameId)
      if (row.status !== 'verified') {
        await markHostnameVerified(c.var.db, ctx.account.id, row.id)
        invalidateBrandCache()
        await audit(c, ctx.account, {
          type: 'hostname_verified',
          target: { kind: 'hostname', id: row.id, label: row.hostname },
          description: `${ctx.principal.user.email} marked the hostname ${row.hostname} of ${ctx.account.name} verified (development switch)`,
        })
      }
      return c.json({ hostname: (await present(c, [(await getHostname(c.var.db, ctx.account.id, row.id))!]))[0]! }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/accounts/{id}/hostnames/{hostnameId}',
      middleware: [requirePermission('branding.manage', resellersOnly)] as const,
      tags: ['Branding'],
      summary: 'Release a hostname',
      description: 'Needs `branding.manage`. The hostname stops serving the brand at once in this isolate, within 30 s everywhere.',
      request: { params: HostnameParams },
      responses: { 204: { description: 'Removed' }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { id, hostnameId } = c.req.valid('param')
      const ctx = c.var.access
      const row = await existing(c, ctx.account.id, hostnameId)
      await deleteHostname(c.var.db, ctx.account.id, row.id)
      invalidateBrandCache()
      await audit(c, ctx.account, {
        type: 'hostname_removed',
        target: { kind: 'hostname', id: row.id, label: row.hostname },
        description: `${ctx.principal.user.email} removed the hostname ${row.hostname} from ${ctx.account.name}`,
      })
      return c.body(null, 204)
    },
  )
