import { z } from '@hono/zod-openapi'
import { canShapeGroups, withinScope } from '../authz/services.ts'
import { assignGroup, createGroup, deleteGroup, getGroup, listGroups, renameGroup } from '../domain/service-operations.ts'
import { getServiceInTree, serviceFacts } from '../domain/services.ts'
import { AppError, found } from '../errors.ts'
import { authorize, requirePermission, type Access } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam, accountParams } from './schemas.ts'

const GroupView = z.object({ id: z.string(), name: z.string(), services: z.number().int() }).openapi('ServiceGroup')
const GroupBody = z.object({ name: z.string().trim().min(1, 'Enter a name.').max(60) })
const GroupParams = accountParams('gid')
const Ids = z.array(z.string().min(1).max(64)).max(100)
const AssignBody = z.object({ add: Ids.default([]), remove: Ids.default([]) })

/** Refuse unless the caller may create, rename or delete the account's groups. */
function mayShape(ctx: Access) {
  const decision = canShapeGroups(ctx, ctx.account)
  if (!decision.ok) throw new AppError(decision.code, decision.detail)
}

const groupTarget = (g: { id: string; name: string }) => ({ kind: 'service_group', id: g.id, label: g.name })

const listServiceGroupsRoute = route.get('/accounts/{id}/service-groups', 'listServiceGroups', requirePermission('services.view'), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ items: z.array(GroupView), canShape: z.boolean() }), 'The groups') },
})
const createServiceGroupRoute = route.post('/accounts/{id}/service-groups', 'createServiceGroup', requirePermission('services.manage'), {
  request: { params: AccountParam, body: body(GroupBody) }, responses: { 201: json(z.object({ group: GroupView }), 'Created'), ...problems(409) },
})
const renameServiceGroupRoute = route.patch('/accounts/{id}/service-groups/{gid}', 'renameServiceGroup', requirePermission('services.manage'), {
  request: { params: GroupParams, body: body(GroupBody) }, responses: { 200: json(z.object({ group: GroupView }), 'Renamed'), ...problems(409) },
})
const deleteServiceGroupRoute = route.delete('/accounts/{id}/service-groups/{gid}', 'deleteServiceGroup', requirePermission('services.manage'), {
  request: { params: GroupParams }, responses: { 200: json(z.object({ ungrouped: z.number().int() }), 'Deleted') },
})
const assignServiceGroupRoute = route.post('/accounts/{id}/service-groups/{gid}/services', 'assignServiceGroup', requirePermission('services.manage'), {
  request: { params: GroupParams, body: body(AssignBody) }, responses: { 200: json(z.object({ group: GroupView }), 'Assigned') },
})

export const serviceGroupsRouter = createRouter('Services')
  .openapi(listServiceGroupsRoute, async (c) => {
    const ctx = c.var.access
    return c.json({ items: await listGroups(c.var.db, ctx.account.id), canShape: canShapeGroups(ctx, ctx.account).ok }, 200)
  })
  .openapi(createServiceGroupRoute, async (c) => {
    const ctx = c.var.access
    mayShape(ctx)
    const { name } = c.req.valid('json')
    const id = await createGroup(c.var.db, ctx.account.id, name)
    await audit(c, ctx.account, { type: 'service_group_created', target: groupTarget({ id, name }), description: `${ctx.principal.user.email} created the service group ${name}` })
    return c.json({ group: { id, name, services: 0 } }, 201)
  })
  .openapi(renameServiceGroupRoute, async (c) => {
    const ctx = c.var.access
    const group = found(await getGroup(c.var.db, ctx.account.id, c.req.valid('param').gid), 'No group with that id.')
    mayShape(ctx)
    const { name } = c.req.valid('json')
    await renameGroup(c.var.db, ctx.account.id, group.id, name)
    await audit(c, ctx.account, { type: 'service_group_updated', target: groupTarget({ id: group.id, name }), description: `${ctx.principal.user.email} renamed the service group ${group.name} to ${name}` })
    const row = (await listGroups(c.var.db, ctx.account.id)).find((g) => g.id === group.id)!
    return c.json({ group: row }, 200)
  })
  .openapi(deleteServiceGroupRoute, async (c) => {
    const ctx = c.var.access
    const group = found(await getGroup(c.var.db, ctx.account.id, c.req.valid('param').gid), 'No group with that id.')
    mayShape(ctx)
    const ungrouped = await deleteGroup(c.var.db, ctx.account.id, group.id)
    await audit(c, ctx.account, {
      type: 'service_group_deleted',
      target: groupTarget(group),
      description: `${ctx.principal.user.email} deleted the service group ${group.name} (${ungrouped} service${ungrouped === 1 ? '' : 's'} ungrouped)`,
    })
    return c.json({ ungrouped }, 200)
  })
  .openapi(assignServiceGroupRoute, async (c) => {
    const ctx = c.var.access
    const group = found(await getGroup(c.var.db, ctx.account.id, c.req.valid('param').gid), 'No group with that id.')
    const { add, remove } = c.req.valid('json')
    const moves = [...new Set(add)].map((id) => ({ id, groupId: group.id as string | null })).concat([...new Set(remove)].filter((id) => !add.includes(id)).map((id) => ({ id, groupId: null })))
    const names: string[] = []
    for (const move of moves) {
      const service = await getServiceInTree(c.var.db, ctx.account.path, move.id)
      if (!service || service.accountId !== ctx.account.id) throw new AppError('not_found', 'No service with that id.')
      authorize(ctx, 'services.view', serviceFacts(service))
      authorize(ctx, 'services.manage', serviceFacts(service))
      if (!withinScope(ctx, ctx.account, { ...serviceFacts(service), groupId: move.groupId })) {
        throw new AppError('forbidden', `Moving ${service.name} would take it outside your scope.`)
      }
      names.push(service.name)
    }
    const added = moves.filter((m) => m.groupId).map((m) => m.id)
    const removed = moves.filter((m) => !m.groupId).map((m) => m.id)
    await assignGroup(c.var.db, ctx.account.id, group.id, added, removed)
    if (moves.length) {
      const parts = [added.length ? `put ${added.length} service${added.length === 1 ? '' : 's'} into` : '', removed.length ? `took ${removed.length} out of` : ''].filter(Boolean).join(' and ')
      await audit(c, ctx.account, {
        type: 'service_group_updated',
        target: groupTarget(group),
        description: `${ctx.principal.user.email} ${parts} the service group ${group.name}: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}`,
      })
    }
    const row = (await listGroups(c.var.db, ctx.account.id)).find((g) => g.id === group.id)!
    return c.json({ group: row }, 200)
  })
