import { z } from '@hono/zod-openapi'
import { serviceStatuses, serviceTypes } from '../../../db/schema/services.ts'
import { canGrantActing } from '../authz/grants.ts'
import { previewAccess, PREVIEW_SERVICES } from '../domain/access-preview.ts'
import { resolveRoles } from '../domain/roles.ts'
import { ScopeSchema } from '../domain/scope.ts'
import { fieldError } from '../errors.ts'
import { requirePermission } from '../middleware/access.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam } from './schemas.ts'

const PreviewRequest = z
  .object({
    level: z.enum(['admin', 'user']),
    roles: z.array(z.string().min(1).max(64)).max(50).default([]),
    scope: ScopeSchema.default({ mode: 'none' }),
  })
  .openapi('AccessPreviewRequest')

const AccessPreview = z
  .object({
    menu: z.array(z.object({ key: z.string(), label: z.string(), icon: z.string(), path: z.string(), actions: z.array(z.string()) })),
    services: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        type: z.enum(serviceTypes),
        status: z.enum(serviceStatuses),
        account: z.object({ id: z.string(), name: z.string() }),
        allowed: z.object({ manage: z.boolean(), operate: z.boolean() }),
      }),
    ),
    /** More services than the preview lists are visible. */
    more: z.boolean(),
  })
  .openapi('AccessPreview')

export const accessPreview = createRouter('Staff').openapi(
  route.post('/accounts/{id}/access-preview', 'previewAccess', requirePermission('staff.manage'), {
    request: { params: AccountParam, body: body(PreviewRequest) }, responses: { 200: json(AccessPreview, 'What the grant would show'), ...problems(422) },
  }),
  async (c) => {
    const ctx = c.var.access
    const proposed = c.req.valid('json')
    const { permissions, unknown } = await resolveRoles(c.var.db, ctx.account.id, [...new Set(proposed.roles)])
    if (unknown.length) throw fieldError('validation_failed', 'roles', `Unknown role: ${unknown.join(', ')}.`)
    const grant = { level: proposed.level, permissions, scope: proposed.scope }
    const decision = canGrantActing(ctx, ctx.account, { self: false, current: null }, grant, { count: 0, cap: Number.POSITIVE_INFINITY })
    if (!decision.ok) throw fieldError(decision.code, decision.field, decision.detail)
    const account = ctx.account
    return c.json(await previewAccess(c.var.db, account, { accountId: account.id, path: account.path, kind: account.kind, ...grant }), 200)
  },
)
