import { z } from '@hono/zod-openapi'
import { isPermission, type Permission } from '../authz/catalogue.ts'
import { canWriteRole } from '../authz/grants.ts'
import { parsePermissions } from '../domain/grants.ts'
import { liveRightsChanged } from '../domain/live.ts'
import { createRole, customRoleOrRefusal, deleteRole, holdersOfRole, listRoles, roleNameTaken, updateRole } from '../domain/roles.ts'
import { fieldError } from '../errors.ts'
import { requirePermission } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam, accountParams } from './schemas.ts'

const PermissionList = z
  .array(z.string().refine(isPermission, { message: 'Not a permission of the catalogue.' }))
  .max(200)
  .transform((list) => [...new Set(list)] as Permission[])

const RoleView = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    permissions: z.array(z.string()),
    builtin: z.boolean(),
    members: z.number(),
    heldByUsers: z.boolean(),
  })
  .openapi('Role')

const RoleBody = z.object({
  name: z.string().trim().min(1, 'Enter a name.').max(60),
  description: z.string().trim().max(280).default(''),
  permissions: PermissionList,
})

const RoleParams = accountParams('roleId')

const listRolesRoute = route.get('/accounts/{id}/roles', 'listRoles', requirePermission('roles.view'), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ items: z.array(RoleView) }), 'Roles') },
})
const createRoleRoute = route.post('/accounts/{id}/roles', 'createRole', requirePermission('roles.manage'), {
  request: { params: AccountParam, body: body(RoleBody) }, responses: { 201: json(z.object({ role: RoleView }), 'Created'), ...problems(409) },
})
const updateRoleRoute = route.patch('/accounts/{id}/roles/{roleId}', 'updateRole', requirePermission('roles.manage'), {
  request: { params: RoleParams, body: body(RoleBody.partial()) }, responses: { 200: json(z.object({ role: RoleView }), 'Updated'), ...problems(409, 422) },
})
const deleteRoleRoute = route.delete('/accounts/{id}/roles/{roleId}', 'deleteRole', requirePermission('roles.manage'), {
  request: { params: RoleParams }, responses: { 204: { description: 'Deleted' } },
})

export const roles = createRouter('Roles')
  .openapi(listRolesRoute, async (c) => c.json({ items: await listRoles(c.var.db, c.var.access.account.id) }, 200))
  .openapi(createRoleRoute, async (c) => {
    const ctx = c.var.access
    const body = c.req.valid('json')
    const check = canWriteRole(ctx, ctx.account, { had: [], proposed: body.permissions, heldByUsers: false })
    if (!check.ok) throw fieldError(check.code, check.field, check.detail)
    if (await roleNameTaken(c.var.db, ctx.account.id, body.name)) throw fieldError('conflict', 'name', 'A role with this name already exists.')
    const id = await createRole(c.var.db, ctx.account.id, body)
    const role = (await listRoles(c.var.db, ctx.account.id)).find((r) => r.id === id)!
    await audit(c, ctx.account, { type: 'role_created', target: { kind: 'role', id, label: role.name }, description: `${ctx.principal.user.email} created the role ${role.name}` })
    return c.json({ role }, 201)
  })
  .openapi(updateRoleRoute, async (c) => {
    const { roleId } = c.req.valid('param')
    const ctx = c.var.access
    const existing = await customRoleOrRefusal(c.var.db, ctx.account.id, roleId, 'Built-in roles are read-only; create a custom role instead.')
    const body = c.req.valid('json')
    if (body.permissions) {
      // Only what the edit adds must be the editor's own: removing, or keeping what others granted, is fine.
      const heldByUsers = (await holdersOfRole(c.var.db, ctx.account.id, roleId)).some((m) => m.level === 'user')
      const check = canWriteRole(ctx, ctx.account, { had: parsePermissions(existing.permissions), proposed: body.permissions, heldByUsers })
      if (!check.ok) throw fieldError(check.code, check.field, check.detail)
    }
    if (body.name && (await roleNameTaken(c.var.db, ctx.account.id, body.name, roleId))) throw fieldError('conflict', 'name', 'A role with this name already exists.')
    await updateRole(c.var.db, roleId, body)
    if (body.permissions) await liveRightsChanged(c.env, c.var.db, (await holdersOfRole(c.var.db, ctx.account.id, roleId)).map((m) => m.id))
    const role = (await listRoles(c.var.db, ctx.account.id)).find((r) => r.id === roleId)!
    await audit(c, ctx.account, { type: 'role_updated', target: { kind: 'role', id: roleId, label: role.name }, description: `${ctx.principal.user.email} changed the role ${role.name}` })
    return c.json({ role }, 200)
  })
  .openapi(deleteRoleRoute, async (c) => {
    const { roleId } = c.req.valid('param')
    const ctx = c.var.access
    const existing = await customRoleOrRefusal(c.var.db, ctx.account.id, roleId, 'Built-in roles cannot be deleted.')
    const holders = (await holdersOfRole(c.var.db, ctx.account.id, roleId)).map((m) => m.id)
    await deleteRole(c.var.db, roleId)
    await liveRightsChanged(c.env, c.var.db, holders)
    await audit(c, ctx.account, { type: 'role_deleted', target: { kind: 'role', id: roleId, label: existing.name }, description: `${ctx.principal.user.email} deleted the role ${existing.name}` })
    return c.body(null, 204)
  })
