import { z } from '@hono/zod-openapi'
import { createMiddleware } from 'hono/factory'
import { serviceStatuses, serviceTypes } from '../../../db/schema/services.ts'
import type { Permission } from '../authz/catalogue.ts'
import { canChangeConsent, canCreateService, withinScope } from '../authz/services.ts'
import {
  createService,
  deleteService,
  getServiceInTree,
  groupInAccount,
  listServices,
  recordServiceAction,
  serviceFacets,
  serviceFacts,
  setPartnerAccess,
  setPartnerAccessForAll,
  updateService,
  type ServiceRow,
} from '../domain/services.ts'
import { AppError, fieldError, found } from '../errors.ts'
import { authorize, decide, requirePermission, type Access, type AccessEnv } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { answers, body, createRouter, json, problems, route } from '../openapi.ts'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { ceilingScope, readableKinds } from '../middleware/visible-services.ts'
import { AccountParam } from './schemas.ts'

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

const Allowed = z.object({ manage: z.boolean(), operate: z.boolean(), partnerAccess: z.boolean(), consentRequired: z.boolean() })

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

const ServiceParams = AccountParam.extend({ sid: z.string().min(1).max(64).openapi({ param: { name: 'sid', in: 'path' } }) })
const ActionParams = ServiceParams.extend({ action: z.enum(['restart', 'rename']).openapi({ param: { name: 'action', in: 'path' } }) })

const RESTARTABLE = new Set(['server', 'hosting'])

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

const ownerOf = (s: ServiceRow) => ({ id: s.accountId, path: s.accountPath, kind: s.accountKind })
const label = (s: ServiceRow) => `${s.type.replace('_', ' ')} ${s.name}`
const target = (s: ServiceRow) => ({ kind: 'service', id: s.id, label: s.name })

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
  }
}

export const servicesRouter = createRouter('Services')
  .openapi(
    route.get('/accounts/{id}/services', {
      operationId: 'listServices',
      guard: requirePermission('services.view'),
      summary: 'Services visible from an account',
      description: "Needs `services.view`. Lists the account's services and, for members who may read them, those of its customers (and resellers), narrowed to the caller's scope. Cursor pagination by name.",
      request: { params: AccountParam, query: ListQuery },
      responses: { 200: json(z.object({ items: z.array(ServiceView), nextCursor: z.string().nullable() }), 'One page') },
    }),
    async (c) => {
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
    },
  )
  .openapi(
    route.get('/accounts/{id}/services/facets', {
      operationId: 'getServiceFacets',
      guard: requirePermission('services.view'),
      summary: 'Groups and tags of the services visible from an account',
      description: 'Needs `services.view`. The groups and tags of the services the caller may see from this account, for the filters of the services page.',
      request: { params: AccountParam },
      responses: { 200: json(z.object({ groups: z.array(z.object({ id: z.string(), name: z.string(), accountId: z.string(), accountName: z.string() })), tags: z.array(z.string()) }), 'Facets') },
    }),
    async (c) => {
      const ctx = c.var.access
      return c.json(await serviceFacets(c.var.db, ctx.account, readableKinds(ctx)), 200)
    },
  )
  .openapi(
    route.post('/accounts/{id}/services', {
      operationId: 'createService',
      guard: requirePermission('services.manage'),
      summary: 'Create a service owned by this account',
      description: 'Needs `services.manage`. A scoped member may only create services inside their scope. Only the owning account itself may turn partner access on.',
      request: { params: AccountParam, body: body(CreateBody) },
      responses: { 201: json(z.object({ service: ServiceView, allowed: Allowed }), 'Created'), ...problems(422) },
    }),
    async (c) => {
      const ctx = c.var.access
      const { via } = ctx
      const body = c.req.valid('json')
      const tags = [...new Set(body.tags)]
      if (body.groupId && !(await groupInAccount(c.var.db, ctx.account.id, body.groupId))) throw fieldError('validation_failed', 'groupId', 'No such group in this account.')
      const placement = canCreateService(ctx.grants, ctx.ceiling, ctx.account, { groupId: body.groupId, tags, partnerAccess: body.partnerAccess })
      if (!placement.ok) throw placement.field ? fieldError(placement.code, placement.field, placement.detail) : new AppError(placement.code, placement.detail)
      const { partnerAccess } = placement
      const id = await createService(c.var.db, ctx.account.id, { ...body, tags, partnerAccess })
      const service = (await getServiceInTree(c.var.db, ctx.account.path, id))!
      await audit(c, ctx.account, { type: 'service_created', target: target(service), description: `${ctx.principal.user.email} created ${label(service)}` })
      return c.json({ service: view(service), allowed: allowed(ctx, service) }, 201)
    },
  )
  .openapi(
    route.get('/accounts/{id}/services/{sid}', {
      operationId: 'getService',
      guard: requireService('services.view'),
      summary: 'One service, with what the caller may do with it',
      description: 'Needs `services.view` with the service inside the caller’s scope (404 otherwise, as if it did not exist). `allowed` says what the caller may do with it.',
      request: { params: ServiceParams },
      responses: { 200: json(z.object({ service: ServiceView, allowed: Allowed }), 'The service') },
    }),
    async (c) => {
      const { access: ctx, service } = c.var
      return c.json({ service: view(service), allowed: allowed(ctx, service) }, 200)
    },
  )
  .openapi(
    route.patch('/accounts/{id}/services/{sid}', {
      operationId: 'updateService',
      guard: requireService('services.manage'),
      summary: 'Change a service',
      description: 'Needs `services.manage` with the service in scope; from a partner, the customer’s consent.',
      request: { params: ServiceParams, body: body(UpdateBody) },
      responses: { 200: json(z.object({ service: ServiceView, allowed: Allowed }), 'Updated') },
    }),
    async (c) => {
      const { access: ctx, service } = c.var
      const body = c.req.valid('json')
      if (body.groupId && !(await groupInAccount(c.var.db, service.accountId, body.groupId))) throw fieldError('validation_failed', 'groupId', 'No such group in this account.')
      const tags = body.tags ? [...new Set(body.tags)] : undefined
      const next = { id: service.id, groupId: body.groupId !== undefined ? body.groupId : service.groupId, tags: tags ?? service.tags, partnerAccess: service.partnerAccess }
      if (!withinScope(ctx.grants, ctx.ceiling, ownerOf(service), next)) throw fieldError('forbidden', 'tags', 'The change would move the service outside your scope.')
      await updateService(c.var.db, service.id, { ...body, tags })
      const updated = (await getServiceInTree(c.var.db, ctx.account.path, service.id))!
      await audit(c, ownerOf(service), { type: 'service_updated', target: target(updated), description: `${ctx.principal.user.email} changed ${label(updated)}` })
      return c.json({ service: view(updated), allowed: allowed(ctx, updated) }, 200)
    },
  )
  .openapi(
    route.delete('/accounts/{id}/services/{sid}', {
      operationId: 'deleteService',
      guard: requireService('services.manage'),
      summary: 'Delete a service',
      description: 'Needs `services.manage` with the service in scope; from a partner, the customer’s consent. The deletion is recorded in the owning account’s log.',
      request: { params: ServiceParams },
      responses: { 204: { description: 'Deleted' } },
    }),
    async (c) => {
      const { access: ctx, service } = c.var
      await deleteService(c.var.db, service.id)
      await audit(c, ownerOf(service), { type: 'service_deleted', target: target(service), description: `${ctx.principal.user.email} deleted ${label(service)}` })
      return c.body(null, 204)
    },
  )
  .openapi(
    route.post('/accounts/{id}/services/{sid}/actions/{action}', {
      operationId: 'runServiceAction',
      guard: requireService('services.operate'),
      summary: 'Run a server action: restart or rename',
      description: 'Needs `services.operate` with the service in scope; from a partner, the customer’s consent (`consent_required` otherwise). `rename` takes `{ name }`.',
      request: { params: ActionParams, body: { required: false, content: { 'application/json': { schema: z.object({ name: Name.optional() }) } } } },
      responses: { 200: json(z.object({ service: ServiceView, allowed: Allowed }), 'Done'), ...problems(422) },
    }),
    async (c) => {
      const { action } = c.req.valid('param')
      const { access: ctx, service } = c.var
      const { name } = c.req.valid('json')
      if (action === 'restart' && !RESTARTABLE.has(service.type)) throw new AppError('unsupported_action', `A ${service.type.replace('_', ' ')} cannot be restarted.`)
      if (action === 'rename' && !name) throw fieldError('validation_failed', 'name', 'Enter the new name.')
      await recordServiceAction(c.var.db, service.id, action, action === 'rename' ? name : undefined)
      const updated = (await getServiceInTree(c.var.db, ctx.account.path, service.id))!
      const what = action === 'restart' ? `restarted ${label(service)}` : `renamed ${label(service)} to ${name}`
      await audit(c, ownerOf(service), { type: 'server_action', target: target(updated), description: `${ctx.principal.user.email} ${what}` })
      return c.json({ service: view(updated), allowed: allowed(ctx, updated) }, 200)
    },
  )
  .openapi(
    route.put('/accounts/{id}/services/{sid}/partner-access', {
      operationId: 'setServicePartnerAccess',
      guard: requireService('services.view'),
      summary: "Grant or withdraw the partner's access to a service (customer consent)",
      description: 'Only members of the owning account with `services.manage` may change it; partners never can.',
      request: { params: ServiceParams, body: body(z.object({ enabled: z.boolean() })) },
      responses: { 200: json(z.object({ service: ServiceView, allowed: Allowed }), 'Changed') },
    }),
    async (c) => {
      const { access: ctx, service } = c.var
      const consent = canChangeConsent(ctx.grants, ctx.ceiling, ownerOf(service), serviceFacts(service))
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
    },
  )
  .openapi(
    route.put('/accounts/{id}/partner-access', {
      operationId: 'setPartnerAccessForAll',
      guard: requirePermission('services.manage'),
      summary: "A customer's consent for all its services at once",
      description: 'Turns partner access on or off for every current service of the account and sets what new services start with. Only the customer\'s own members with `services.manage`; never a partner, never while impersonating.',
      request: { params: AccountParam, body: body(z.object({ enabled: z.boolean() })) },
      responses: { 200: json(z.object({ partnerAccessDefault: z.boolean(), servicesChanged: z.number().int() }), 'Changed') },
    }),
    async (c) => {
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
    },
  )
