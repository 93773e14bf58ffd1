import { z } from '@hono/zod-openapi'
import { createMiddleware } from 'hono/factory'
import { serverActions, serverActionStatuses, type ServerAction } from '../../../db/schema/service-operations.ts'
import { serviceStatuses, serviceTypes } from '../../../db/schema/services.ts'
import { provisioningFor, provisioningTimeoutMs } from '../adapters/provisioning.ts'
import { totpSealingSecret } from '../crypto/secret-box.ts'
import { DEV_TOTP_ENCRYPTION_KEY } from '../crypto/totp.ts'
import type { Permission } from '../authz/catalogue.ts'
import { canChangeConsent, canCreateService, withinScope } from '../authz/services.ts'
import {
  createService,
  deleteService,
  getServiceInTree,
  groupInAccount,
  listServices,
  serviceFacets,
  serviceFacts,
  setPartnerAccess,
  setPartnerAccessForAll,
  updateService,
  type ServiceRow,
} from '../domain/services.ts'
import { finishServerAction, getLicence, presentAction, recentServerActions, revealLicenceKey, revokeLicence, setLicence, startServerAction } from '../domain/service-operations.ts'
import { AppError, fieldError, found } from '../errors.ts'
import { authorize, decide, requirePermission, type Access, type AccessEnv } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { answers, body, createRouter, json, problems, route } from '../openapi.ts'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { ceilingScope, readableKinds } from '../middleware/visible-services.ts'
import { AccountParam, accountParams } from './schemas.ts'

const Tag = z.string().trim().toLowerCase().min(1).max(40).regex(/^[a-z0-9][a-z0-9 ._-]*$/, 'Use letters, digits, spaces, dots, dashes or underscores.')
const Name = z.string().trim().min(1, 'Enter a name.').max(200)

const ServiceView = z
  .object({
    id: z.string(),
    account: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
    type: z.enum(serviceTypes),
    name: z.string(),
    status: z.enum(serviceStatuses),
    expiresAt: z.number().nullable(),
    group: z.object({ id: z.string(), name: z.string() }).nullable(),
    tags: z.array(z.string()),
    partnerAccess: z.boolean(),
    lastAction: z.object({ action: z.string(), at: z.number() }).nullable(),
    createdAt: z.number(),
  })
  .openapi('Service')

const Allowed = z.object({
  manage: z.boolean(),
  operate: z.boolean(),
  partnerAccess: z.boolean(),
  consentRequired: z.boolean(),
  /** The server actions the caller may send for this service (its type's, when they may operate it). */
  actions: z.array(z.enum(serverActions)),
})

const ListQuery = z.object({
  type: z.enum(serviceTypes).optional(),
  status: z.enum(serviceStatuses).optional(),
  group: z.string().max(64).optional(),
  tag: z.string().trim().toLowerCase().max(40).optional(),
  expiring_within: z.coerce.number().int().min(1).max(3650).optional().openapi({ description: 'Days' }),
  q: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
})

const CreateBody = z.object({
  type: z.enum(serviceTypes),
  name: Name,
  status: z.enum(serviceStatuses).default('active'),
  expiresAt: z.number().int().min(0).max(32503680000000).nullable().default(null),
  groupId: z.string().max(64).nullable().default(null),
  tags: z.array(Tag).max(20).default([]),
  /** Omitted: the customer's own setting for all its services (off unless the customer turned it on). */
  partnerAccess: z.boolean().optional(),
})

const UpdateBody = z.object({
  name: Name.optional(),
  status: z.enum(serviceStatuses).optional(),
  expiresAt: z.number().int().min(0).max(32503680000000).nullable().optional(),
  groupId: z.string().max(64).nullable().optional(),
  tags: z.array(Tag).max(20).optional(),
})

const ServiceParams = accountParams('sid')
const ActionParams = ServiceParams.extend({ action: z.enum(serverActions).openapi({ param: { name: 'action', in: 'path' } }) })

const ActionBody = z.object({
  /** `rename`: the new name. */
  name: Name.optional(),
  /** `reinstall`: the service's current name, typed by the person to confirm that its data is wiped. */
  confirm: z.string().max(200).optional(),
})

const ServerActionView = z
  .object({
    id: z.string(),
    action: z.enum(serverActions),
    newName: z.string().nullable(),
    status: z.enum(serverActionStatuses),
    reason: z.string().nullable(),
    requestedBy: z.string(),
    createdAt: z.number(),
    finishedAt: z.number().nullable(),
  })
  .openapi('ServerAction')

const LicenceView = z
  .object({ product: z.string(), seats: z.number().int(), expiresAt: z.number().nullable(), updatedAt: z.number() })
  .openapi('ServiceLicense', { description: 'A licence carried by a service. The key is never part of it: `getServiceLicenseKey` reveals it to those who may manage the service.' })

const LicenceBody = z.object({
  product: z.string().trim().min(1, 'Enter the product.').max(120),
  seats: z.number().int().min(1).max(1_000_000),
  expiresAt: z.number().int().min(0).max(32503680000000).nullable().default(null),
  /** Required when the service has no licence yet; omitted on a change, the key stays. */
  key: z.string().trim().min(1).max(500).optional(),
})

/** Which service types each action applies to. */
const ACTION_TYPES: Record<ServerAction, ReadonlySet<string> | null> = {
  restart: new Set(['server', 'hosting']),
  stop: new Set(['server']),
  start: new Set(['server']),
  reinstall: new Set(['server']),
  rename: null,
}
const ACTION_WORDS: Record<ServerAction, string> = { restart: 'restart', stop: 'stop', start: 'start', reinstall: 'reinstall', rename: 'rename' }

function view(s: ServiceRow) {
  return {
    id: s.id,
    account: { id: s.accountId, name: s.accountName, kind: s.accountKind },
    type: s.type,
    name: s.name,
    status: s.status,
    expiresAt: s.expiresAt,
    group: s.groupId && s.groupName ? { id: s.groupId, name: s.groupName } : null,
    tags: s.tags,
    partnerAccess: s.partnerAccess,
    lastAction: s.lastAction && s.lastActionAt ? { action: s.lastAction, at: s.lastActionAt } : null,
    createdAt: s.createdAt,
  }
}

/** Licence keys are sealed with the secret box's key (TOTP_ENCRYPTION_KEY), bound to their service. */
const licenceSecret = (env: Parameters<typeof totpSealingSecret>[0]) => totpSealingSecret(env, DEV_TOTP_ENCRYPTION_KEY)

const ownerOf = (s: ServiceRow) => ({ id: s.accountId, path: s.accountPath, kind: s.accountKind })
const label = (s: ServiceRow) => `${s.type.replace('_', ' ')} ${s.name}`
const target = (s: Pick<ServiceRow, 'id' | 'name'>) => ({ kind: 'service', id: s.id, label: s.name })

/**
 * The route acts on the service `{sid}` under the route's account: reading it
 * comes first, so a service outside the caller's tree or scope is not found
 * (404) whatever the action; then `permission` on it (scope, and from a
 * partner the customer's consent). Checked before the body is read; the
 * handler finds the service on `c.var.service`.
 */
const serviceGuard = (permission: Permission) =>
  answers(
    createMiddleware<AccessEnv & { Variables: { service: ServiceRow } }>(async (c, next) => {
      const ctx = c.var.access
      const service = found(await getServiceInTree(c.var.db, ctx.account.path, c.req.param('sid') ?? ''), 'No service with that id.')
      authorize(ctx, 'services.view', serviceFacts(service), ownerOf(service))
      if (permission !== 'services.view') authorize(ctx, permission, serviceFacts(service), ownerOf(service))
      c.set('service', service)
      await next()
    }),
    403,
    404,
  )

/** The guards of a route on one service: `services.view` in the account, then `permission` on the service. */
const requireService = (permission: Permission) => [requirePermission('services.view'), serviceGuard(permission)] as const

/** What the caller may do with one service: the UI shows exactly these buttons. */
function allowed(ctx: Access, s: ServiceRow) {
  const facts = serviceFacts(s)
  const owner = ownerOf(s)
  const manage = decide(ctx, 'services.manage', owner, facts)
  const operate = decide(ctx, 'services.operate', owner, facts)
  return {
    manage: manage.ok,
    operate: operate.ok,
    partnerAccess: manage.ok && manage.via.accountId === s.accountId,
    consentRequired: !operate.ok && operate.code === 'consent_required',
    actions: operate.ok ? serverActions.filter((a) => ACTION_TYPES[a]?.has(s.type) ?? true) : [],
  }
}

const listServicesRoute = route.get('/accounts/{id}/services', 'listServices', requirePermission('services.view'), {
  request: { params: AccountParam, query: ListQuery }, responses: { 200: json(z.object({ items: z.array(ServiceView), nextCursor: z.string().nullable() }), 'One page') },
})
const getServiceFacetsRoute = route.get('/accounts/{id}/services/facets', 'getServiceFacets', requirePermission('services.view'), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ groups: z.array(z.object({ id: z.string(), name: z.string(), accountId: z.string(), accountName: z.string() })), tags: z.array(z.string()) }), 'Facets') },
})
const createServiceRoute = route.post('/accounts/{id}/services', 'createService', requirePermission('services.manage'), {
  request: { params: AccountParam, body: body(CreateBody) }, responses: { 201: json(z.object({ service: ServiceView, allowed: Allowed }), 'Created'), ...problems(422) },
})
const getServiceRoute = route.get('/accounts/{id}/services/{sid}', 'getService', requireService('services.view'), {
  request: { params: ServiceParams }, responses: { 200: json(z.object({ service: ServiceView, allowed: Allowed, actions: z.array(ServerActionView).openapi({ description: 'The newest server actions, newest first.' }), license: LicenceView.or(z.null()) }), 'The service') },
})
const updateServiceRoute = route.patch('/accounts/{id}/services/{sid}', 'updateService', requireService('services.manage'), {
  request: { params: ServiceParams, body: body(UpdateBody) }, responses: { 200: json(z.object({ service: ServiceView, allowed: Allowed }), 'Updated') },
})
const deleteServiceRoute = route.delete('/accounts/{id}/services/{sid}', 'deleteService', requireService('services.manage'), {
  request: { params: ServiceParams }, responses: { 204: { description: 'Deleted' } },
})
const runServiceActionRoute = route.post('/accounts/{id}/services/{sid}/actions/{action}', 'runServiceAction', requireService('services.operate'), {
  request: { params: ActionParams, body: { required: false, content: { 'application/json': { schema: ActionBody } } } }, responses: { 202: json(z.object({ service: ServiceView, allowed: Allowed, action: ServerActionView }), 'Sent; pending'), ...problems(409, 422) },
})
const listServiceActionsRoute = route.get('/accounts/{id}/services/{sid}/actions', 'listServiceActions', requireService('services.view'), {
  request: { params: ServiceParams }, responses: { 200: json(z.object({ items: z.array(ServerActionView) }), 'Recent actions') },
})
const setServiceLicenseRoute = route.put('/accounts/{id}/services/{sid}/license', 'setServiceLicense', requireService('services.manage'), {
  request: { params: ServiceParams, body: body(LicenceBody) }, responses: { 200: json(z.object({ license: LicenceView }), 'Saved') },
})
const revokeServiceLicenseRoute = route.delete('/accounts/{id}/services/{sid}/license', 'revokeServiceLicense', requireService('services.manage'), {
  request: { params: ServiceParams }, responses: { 204: { description: 'Revoked' } },
})
const getServiceLicenseKeyRoute = route.get('/accounts/{id}/services/{sid}/license/key', 'getServiceLicenseKey', requireService('services.manage'), {
  request: { params: ServiceParams }, responses: { 200: json(z.object({ key: z.string() }), 'The key') },
})
const setServicePartnerAccessRoute = route.put('/accounts/{id}/services/{sid}/partner-access', 'setServicePartnerAccess', requireService('services.view'), {
  request: { params: ServiceParams, body: body(z.object({ enabled: z.boolean() })) }, responses: { 200: json(z.object({ service: ServiceView, allowed: Allowed }), 'Changed') },
})
const setPartnerAccessForAllRoute = route.put('/accounts/{id}/partner-access', 'setPartnerAccessForAll', requirePermission('services.manage'), {
  request: { params: AccountParam, body: body(z.object({ enabled: z.boolean() })) }, responses: { 200: json(z.object({ partnerAccessDefault: z.boolean(), servicesChanged: z.number().int() }), 'Changed') },
})

export const servicesRouter = createRouter('Services')
  .openapi(listServicesRoute, async (c) => {
    const ctx = c.var.access
    const { via } = ctx
    const q = c.req.valid('query')
    const descendantKinds = readableKinds(ctx)
    const page = await listServices(c.var.db, {
      account: ctx.account,
      descendantKinds,
      scope: via.level === 'owner' ? null : via.scope,
      ceilingScope: ceilingScope(ctx),
      filters: { type: q.type, status: q.status, group: q.group, tag: q.tag, expiringWithinDays: q.expiring_within, q: q.q },
      limit: q.limit,
      after: q.cursor ? decodeCursor(q.cursor) : undefined,
    })
    return c.json({ items: page.items.map(view), nextCursor: page.next ? encodeCursor(page.next) : null }, 200)
  })
  .openapi(getServiceFacetsRoute, async (c) => c.json(await serviceFacets(c.var.db, c.var.access.account, readableKinds(c.var.access)), 200))
  .openapi(createServiceRoute, async (c) => {
    const ctx = c.var.access
    const { via } = ctx
    const body = c.req.valid('json')
    const tags = [...new Set(body.tags)]
    if (body.groupId && !(await groupInAccount(c.var.db, ctx.account.id, body.groupId))) throw fieldError('validation_failed', 'groupId', 'No such group in this account.')
    const placement = canCreateService(ctx, ctx.account, { groupId: body.groupId, tags, partnerAccess: body.partnerAccess })
    if (!placement.ok) throw placement.field ? fieldError(placement.code, placement.field, placement.detail) : new AppError(placement.code, placement.detail)
    const { partnerAccess } = placement
    const id = await createService(c.var.db, ctx.account.id, { ...body, tags, partnerAccess })
    const service = (await getServiceInTree(c.var.db, ctx.account.path, id))!
    await audit(c, ctx.account, { type: 'service_created', target: target(service), description: `${ctx.principal.user.email} created ${label(service)}` })
    return c.json({ service: view(service), allowed: allowed(ctx, service) }, 201)
  })
  .openapi(getServiceRoute, async (c) => {
    const { access: ctx, service } = c.var
    const [actions, license] = await Promise.all([recentServerActions(c.var.db, service.id), getLicence(c.var.db, service.id)])
    return c.json({ service: view(service), allowed: allowed(ctx, service), actions, license }, 200)
  })
  .openapi(updateServiceRoute, async (c) => {
    const { access: ctx, service } = c.var
    const body = c.req.valid('json')
    if (body.groupId && !(await groupInAccount(c.var.db, service.accountId, body.groupId))) throw fieldError('validation_failed', 'groupId', 'No such group in this account.')
    const tags = body.tags ? [...new Set(body.tags)] : undefined
    const next = { id: service.id, groupId: body.groupId !== undefined ? body.groupId : service.groupId, tags: tags ?? service.tags, partnerAccess: service.partnerAccess }
    if (!withinScope(ctx, ownerOf(service), next)) throw fieldError('forbidden', 'tags', 'The change would move the service outside your scope.')
    await updateService(c.var.db, service.id, { ...body, tags })
    const updated = (await getServiceInTree(c.var.db, ctx.account.path, service.id))!
    await audit(c, ownerOf(service), { type: 'service_updated', target: target(updated), description: `${ctx.principal.user.email} changed ${label(updated)}` })
    return c.json({ service: view(updated), allowed: allowed(ctx, updated) }, 200)
  })
  .openapi(deleteServiceRoute, async (c) => {
    const { access: ctx, service } = c.var
    await deleteService(c.var.db, service.id)
    await audit(c, ownerOf(service), { type: 'service_deleted', target: target(service), description: `${ctx.principal.user.email} deleted ${label(service)}` })
    return c.body(null, 204)
  })
  .openapi(runServiceActionRoute, async (c) => {
    const { action } = c.req.valid('param')
    const { access: ctx, service } = c.var
    const { name, confirm } = c.req.valid('json') ?? {}
    const types = ACTION_TYPES[action]
    if (types && !types.has(service.type)) throw new AppError('unsupported_action', `A ${service.type.replace('_', ' ')} cannot be ${action === 'stop' ? 'stopped' : `${action}ed`}.`)
    if (action === 'rename' && !name) throw fieldError('validation_failed', 'name', 'Enter the new name.')
    if (action === 'reinstall' && confirm?.trim() !== service.name) throw fieldError('validation_failed', 'confirm', `Type ${service.name} to confirm the reinstall.`)
    const requester = ctx.principal.impersonation?.impersonator.email ?? ctx.principal.user.email
    const timeoutMs = provisioningTimeoutMs(c.env)
    const pending = await startServerAction(c.var.db, {
      serviceId: service.id,
      accountId: service.accountId,
      action,
      newName: action === 'rename' ? name! : null,
      requestedBy: requester,
      timeoutMs,
    })
    const what = action === 'rename' ? `renaming ${label(service)} to ${name}` : `${ACTION_WORDS[action]} of ${label(service)}`
    await audit(c, ownerOf(service), { type: 'server_action', target: target(service), description: `${ctx.principal.user.email} asked for ${what}` })
    // The backend may take its time: the person gets the pending action now; the outcome
    // is recorded, and announced on the live socket, when the backend answers.
    const backend = provisioningFor(c.env)
    const outcome = async () => {
      const result = await backend.send({
        id: pending.id,
        action,
        service: { id: service.id, name: service.name, type: service.type, accountId: service.accountId },
        ...(action === 'rename' && { name }),
      })
      const recorded = await finishServerAction(c.var.db, pending.id, result)
      if (!recorded) return
      const words = result.status === 'done' ? 'done' : `failed: ${result.reason}`
      await audit(c, ownerOf(service), { type: 'update_server', target: target(action === 'rename' && result.status === 'done' ? { ...service, name: name! } : service), description: `The backend finished ${what} (asked by ${requester}): ${words}` })
    }
    c.executionCtx.waitUntil(outcome().catch((error) => console.error('server action outcome not recorded', error)))
    const updated = (await getServiceInTree(c.var.db, ctx.account.path, service.id))!
    return c.json({ service: view(updated), allowed: allowed(ctx, updated), action: presentAction(pending) }, 202)
  })
  .openapi(listServiceActionsRoute, async (c) => c.json({ items: await recentServerActions(c.var.db, c.var.service.id) }, 200))
  .openapi(setServiceLicenseRoute, async (c) => {
    const { access: ctx, service } = c.var
    const input = c.req.valid('json')
    const existed = await setLicence(c.var.db, licenceSecret(c.env), service.id, input)
    const licence = (await getLicence(c.var.db, service.id))!
    const expiry = licence.expiresAt ? `, expires ${new Date(licence.expiresAt).toISOString().slice(0, 10)}` : ''
    const keyNote = input.key && existed ? ' (new key)' : ''
    await audit(c, ownerOf(service), {
      type: 'update_license',
      target: target(service),
      description: `${ctx.principal.user.email} ${existed ? 'changed' : 'added'} the licence of ${label(service)}: ${licence.product}, ${licence.seats} seat${licence.seats === 1 ? '' : 's'}${expiry}${keyNote}`,
    })
    return c.json({ license: licence }, 200)
  })
  .openapi(revokeServiceLicenseRoute, async (c) => {
    const { access: ctx, service } = c.var
    const licence = found(await getLicence(c.var.db, service.id), 'This service has no licence.')
    await revokeLicence(c.var.db, service.id)
    await audit(c, ownerOf(service), { type: 'update_license', target: target(service), description: `${ctx.principal.user.email} revoked the licence of ${label(service)} (${licence.product})` })
    return c.body(null, 204)
  })
  .openapi(getServiceLicenseKeyRoute, async (c) => {
    const key = found(await revealLicenceKey(c.var.db, licenceSecret(c.env), c.var.service.id), 'This service has no licence.')
    c.header('cache-control', 'no-store')
    return c.json({ key }, 200)
  })
  .openapi(setServicePartnerAccessRoute, async (c) => {
    const { access: ctx, service } = c.var
    const consent = canChangeConsent(ctx, ownerOf(service), serviceFacts(service))
    if (!consent.ok) throw new AppError(consent.code, consent.detail)
    const { enabled } = c.req.valid('json')
    await setPartnerAccess(c.var.db, service.id, enabled)
    const updated = (await getServiceInTree(c.var.db, ctx.account.path, service.id))!
    await audit(c, ownerOf(service), {
      type: 'update_configuration',
      target: target(updated),
      description: `${ctx.principal.user.email} turned partner access ${enabled ? 'on' : 'off'} for ${label(service)}`,
    })
    return c.json({ service: view(updated), allowed: allowed(ctx, updated) }, 200)
  })
  .openapi(setPartnerAccessForAllRoute, async (c) => {
    const ctx = c.var.access
    const { via } = ctx
    if (ctx.account.kind !== 'customer' || via.accountId !== ctx.account.id) throw new AppError('forbidden', 'Only the customer itself decides partner access.')
    if (ctx.principal.impersonation) throw new AppError('impersonation_restricted', 'Consent is the customer’s own decision; it cannot be changed on their behalf.')
    const { enabled } = c.req.valid('json')
    const changed = await setPartnerAccessForAll(c.var.db, ctx.account.id, enabled)
    await audit(c, ctx.account, {
      type: 'update_configuration',
      target: { kind: 'account', id: ctx.account.id, label: ctx.account.name },
      description: `${ctx.principal.user.email} turned partner access ${enabled ? 'on' : 'off'} for all services of ${ctx.account.name} (${changed} changed)`,
    })
    return c.json({ partnerAccessDefault: enabled, servicesChanged: changed }, 200)
  })
