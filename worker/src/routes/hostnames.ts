import { z } from '@hono/zod-openapi'
import { tlsStatuses } from '../../../db/schema/brands.ts'
import type { Context } from 'hono'
import { getAccount } from '../domain/accounts.ts'
import { drainEdgeCleanup, edgeSettings, syncTls } from '../domain/edge.ts'
import { invalidateBrandCache } from '../domain/host-brand.ts'
import { addHostname, deleteHostname, getHostname, listHostnames, verifyHostnameClaim } from '../domain/hostnames.ts'
import { recordHostnameChange } from '../domain/hostname-events.ts'
import { challengeName, claimLapsed, requireChallenge } from '../domain/dns-challenge.ts'
import type { AppEnv } from '../env.ts'
import { AppError, fieldError, found } from '../errors.ts'
import { requirePermission, type Access } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam, accountParams, hostnameFrom } from './schemas.ts'

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
    /** A pending claim lapses at this time unless verified (7 days after the claim or a demotion); null once verified. */
    expiresAt: z.number().nullable(),
    /**
     * The certificate at Cloudflare for SaaS: `none` until the hostname is verified (or where the portal does not
     * manage certificates), `queued` while Cloudflare could not be reached, then `pending`, `active` or `failed`.
     */
    tls: z.object({ status: z.enum(tlsStatuses), detail: z.string().nullable(), checkedAt: z.number().nullable() }),
  })
  .openapi('Hostname')

const EdgeView = z
  .object({
    /** Whether this deployment obtains certificates for resellers' hostnames (Cloudflare for SaaS is configured). */
    managed: z.boolean(),
    /** The hostname a reseller's CNAME must point to, when configured. */
    cnameTarget: z.string().nullable(),
  })
  .openapi('HostnameEdge')

const AddHostname = z
  .object({
    hostname: z.string().trim().min(1, 'Enter a hostname.').max(253, 'At most 253 characters.'),
    customerAccountId: z.string().min(1).max(64).nullable().default(null),
  })
  .openapi('AddHostname')

const HostnameParams = accountParams('hostnameId')

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
    expiresAt: r.status === 'pending' ? r.expiresAt : null,
    tls: { status: r.tlsStatus, detail: r.tlsDetail, checkedAt: r.tlsCheckedAt },
  }))
}

/** A hostname of the reseller as it is stored now, as the API shows it. */
async function reread<E extends AppEnv>(c: Context<E>, resellerId: string, hostnameId: string) {
  return (await present(c, [(await getHostname(c.var.db, resellerId, hostnameId))!]))[0]!
}

async function existing<E extends AppEnv>(c: Context<E>, resellerId: string, hostnameId: string) {
  const row = found(await getHostname(c.var.db, resellerId, hostnameId), 'No hostname with that id.')
  return row
}

/**
 * Make a pending claim the hostname's verified owner (its TXT record was seen,
 * or the development switch said so): 410 once the claim has lapsed, 409 when
 * another account verified the name first. The other tenants' claims on the
 * name are dropped, and each is told so in its own log.
 */
async function verifyClaim<E extends AppEnv>(c: Context<E>, ctx: Access, row: Row, how: string) {
  const outcome = await verifyHostnameClaim(c.var.db, ctx.account.id, row.id)
  if (!outcome.ok) {
    if (outcome.reason === 'gone') throw new AppError('not_found', 'No hostname with that id.')
    if (outcome.reason === 'expired') throw claimExpiredProblem(row.hostname)
    throw new AppError('conflict', 'Another account verified this hostname first. Its claim here has ended.')
  }
  invalidateBrandCache()
  // Ask Cloudflare for the certificate now; if it cannot be reached the hostname is queued, never refused.
  await syncTls(c.env, c.var.db, (await getHostname(c.var.db, ctx.account.id, row.id))!)
  await audit(c, ctx.account, {
    type: 'hostname_verified',
    target: { kind: 'hostname', id: row.id, label: row.hostname },
    description: `${ctx.principal.user.email} ${how} the hostname ${row.hostname} of ${ctx.account.name}`,
  })
  for (const claim of outcome.dropped) {
    await recordHostnameChange(c.env, claim, 'hostname_expired', `The claim of ${claim.reseller.name} on ${claim.hostname} ended: another account verified the hostname first`, 'system')
  }
}

const claimExpiredProblem = (hostname: string) =>
  new AppError('claim_expired', `The claim on ${hostname} has expired (claims last 7 days). Remove it and claim the hostname again for a new token.`)

/** A hostname a reseller may claim, normalised; 400 when it is not a hostname, 409 for the platform's own. */

const listHostnamesRoute = route.get('/accounts/{id}/hostnames', 'listHostnames', requirePermission('branding.view', resellersOnly), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ items: z.array(HostnameView), devTools: z.boolean(), edge: EdgeView }), 'Hostnames') },
})
const createHostnameRoute = route.post('/accounts/{id}/hostnames', 'createHostname', requirePermission('branding.manage', resellersOnly), {
  request: { params: AccountParam, body: body(AddHostname) }, responses: { 201: json(z.object({ hostname: HostnameView }), 'Added'), ...problems(409) },
})
const verifyHostnameRoute = route.post('/accounts/{id}/hostnames/{hostnameId}/verify', 'verifyHostname', requirePermission('branding.manage', resellersOnly), {
  request: { params: HostnameParams }, responses: { 200: json(z.object({ hostname: HostnameView }), 'Verified'), ...problems(409, 410, 422) },
})
const markHostnameVerifiedRoute = route.post('/accounts/{id}/hostnames/{hostnameId}/dev-verify', 'markHostnameVerified', requirePermission('branding.manage', resellersOnly), {
  request: { params: HostnameParams }, responses: { 200: json(z.object({ hostname: HostnameView }), 'Verified'), ...problems(409, 410) },
})
const checkHostnameTlsRoute = route.post('/accounts/{id}/hostnames/{hostnameId}/tls-check', 'checkHostnameTls', requirePermission('branding.manage', resellersOnly), {
  request: { params: HostnameParams }, responses: { 200: json(z.object({ hostname: HostnameView }), 'Checked'), ...problems(409, 422) },
})
const deleteHostnameRoute = route.delete('/accounts/{id}/hostnames/{hostnameId}', 'deleteHostname', requirePermission('branding.manage', resellersOnly), {
  request: { params: HostnameParams }, responses: { 204: { description: 'Removed' } },
})

export const hostnamesRouter = createRouter('Branding')
  .openapi(listHostnamesRoute, async (c) => {
    const ctx = c.var.access
    const items = await present(c, await listHostnames(c.var.db, ctx.account.id))
    return c.json({ items, devTools: c.env.DEV_TOOLS === 'true', edge: edgeSettings(c.env) }, 200)
  })
  .openapi(createHostnameRoute, async (c) => {
    const ctx = c.var.access
    const body = c.req.valid('json')
    const hostname = hostnameFrom(c.env, body.hostname)
    if (body.customerAccountId) {
      const customer = await getAccount(c.var.db, body.customerAccountId)
      if (!customer || customer.parentId !== ctx.account.id || customer.kind !== 'customer') {
        throw fieldError('validation_failed', 'customerAccountId', 'Choose one of your customers.')
      }
    }
    const row = await addHostname(c.var.db, ctx.account.id, { hostname, customerAccountId: body.customerAccountId })
    await audit(c, ctx.account, {
      type: 'hostname_added',
      target: { kind: 'hostname', id: row.id, label: hostname },
      description: `${ctx.principal.user.email} added the hostname ${hostname} to ${ctx.account.name}`,
    })
    return c.json({ hostname: (await present(c, [row]))[0]! }, 201)
  })
  .openapi(verifyHostnameRoute, async (c) => {
    const { hostnameId } = c.req.valid('param')
    const ctx = c.var.access
    const row = await existing(c, ctx.account.id, hostnameId)
    if (row.status !== 'verified') {
      if (claimLapsed(row)) throw claimExpiredProblem(row.hostname)
      await requireChallenge(c.env, row.hostname, row.verificationToken)
      await verifyClaim(c, ctx, row, 'verified')
    }
    return c.json({ hostname: await reread(c, ctx.account.id, row.id) }, 200)
  })
  .openapi(markHostnameVerifiedRoute, async (c) => {
    if (c.env.DEV_TOOLS !== 'true') throw new AppError('not_found', 'No such route.')
    const { hostnameId } = c.req.valid('param')
    const ctx = c.var.access
    const row = await existing(c, ctx.account.id, hostnameId)
    if (row.status !== 'verified') await verifyClaim(c, ctx, row, 'used the development switch to verify')
    return c.json({ hostname: await reread(c, ctx.account.id, row.id) }, 200)
  })
  .openapi(checkHostnameTlsRoute, async (c) => {
    const { hostnameId } = c.req.valid('param')
    const ctx = c.var.access
    const row = await existing(c, ctx.account.id, hostnameId)
    if (row.status !== 'verified') throw new AppError('conflict', 'Verify the hostname first: certificates are issued for verified hostnames only.')
    if (!edgeSettings(c.env).managed) throw new AppError('tls_unmanaged', 'This deployment does not obtain certificates through Cloudflare for SaaS.')
    await syncTls(c.env, c.var.db, row)
    return c.json({ hostname: await reread(c, ctx.account.id, row.id) }, 200)
  })
  .openapi(deleteHostnameRoute, async (c) => {
    const { hostnameId } = c.req.valid('param')
    const ctx = c.var.access
    const row = await existing(c, ctx.account.id, hostnameId)
    await deleteHostname(c.var.db, ctx.account.id, row.id)
    // The delete queued its custom hostname for removal (a trigger); remove it now if Cloudflare answers, else the cron will.
    if (row.edgeId) await drainEdgeCleanup(c.env, c.var.db, { edgeIds: [row.edgeId] })
    invalidateBrandCache()
    await audit(c, ctx.account, {
      type: 'hostname_removed',
      target: { kind: 'hostname', id: row.id, label: row.hostname },
      description: `${ctx.principal.user.email} removed the hostname ${row.hostname} from ${ctx.account.name}`,
    })
    return c.body(null, 204)
  })
