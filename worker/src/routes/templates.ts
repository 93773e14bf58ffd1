import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { createTemplate, deleteTemplate, getTemplate, listTemplates, updateTemplate } from '../domain/resellers.ts'
import { fieldError, found } from '../errors.ts'
import { requirePermission, type AccessEnv } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccessSchema, LimitsSchema } from './managed-accounts.ts'
import { AccountParam, accountParams } from './schemas.ts'

const TemplateView = z
  .object({
    id: z.string(),
    name: z.string(),
    limits: LimitsSchema,
    access: z.array(z.string()).nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
    resellers: z.number().optional(),
  })
  .openapi('ResellerTemplate')

const TemplateBody = z
  .object({
    name: z.string().trim().min(1, 'Enter a name.').max(80),
    limits: LimitsSchema.default({ max_customers: null, max_staff: null, max_admins: null, max_services: {} }),
    access: AccessSchema.default(null),
  })
  .strict()
  .openapi('TemplateInput')

const TemplatePatch = z
  .object({ name: TemplateBody.shape.name.optional(), limits: LimitsSchema.optional(), access: AccessSchema.optional() })
  .strict()
  .openapi('TemplatePatch')

const TemplateParams = accountParams('tid')
const one = { content: { 'application/json': { schema: z.object({ template: TemplateView }) } } }

type Template = NonNullable<Awaited<ReturnType<typeof getTemplate>>>

/** The template of the path's `{tid}` in the platform of the path's `{id}`, or 404. */
async function templateOf(c: Context<AccessEnv>) {
  return found(await getTemplate(c.var.db, c.var.access.account.id, c.req.param('tid') ?? ''), 'No template with that id.')
}

/** Record in the platform's log what was done to a template. */
function recordTemplate(c: Context<AccessEnv>, type: 'template_created' | 'template_updated' | 'template_deleted', template: Template, did: string) {
  const ctx = c.var.access
  return audit(c, ctx.account, { type, target: { kind: 'template', id: template.id, label: template.name }, description: `${ctx.principal.user.email} ${did} the reseller template ${template.name}` })
}

const listTemplatesRoute = route.get('/accounts/{id}/templates', 'listTemplates', requirePermission('resellers.view'), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ items: z.array(TemplateView) }), 'Templates by name') },
})
const getTemplateRoute = route.get('/accounts/{id}/templates/{tid}', 'getTemplate', requirePermission('resellers.view'), {
  request: { params: TemplateParams }, responses: { 200: { description: 'The template', ...one } },
})
const createTemplateRoute = route.post('/accounts/{id}/templates', 'createTemplate', requirePermission('resellers.manage'), {
  request: { params: AccountParam, body: body(TemplateBody) }, responses: { 201: { description: 'Created', ...one }, ...problems(409) },
})
const updateTemplateRoute = route.patch('/accounts/{id}/templates/{tid}', 'updateTemplate', requirePermission('resellers.manage'), {
  request: { params: TemplateParams, body: body(TemplatePatch) }, responses: { 200: { description: 'Updated', ...one }, ...problems(409) },
})
const deleteTemplateRoute = route.delete('/accounts/{id}/templates/{tid}', 'deleteTemplate', requirePermission('resellers.manage'), {
  request: { params: TemplateParams }, responses: { 204: { description: 'Deleted' } },
})

export const templates = createRouter('Resellers')
  .openapi(listTemplatesRoute, async (c) => c.json({ items: await listTemplates(c.var.db, c.var.access.account.id) }, 200))
  .openapi(getTemplateRoute, async (c) => c.json({ template: await templateOf(c) }, 200))
  .openapi(createTemplateRoute, async (c) => {
    const ctx = c.var.access
    const body = c.req.valid('json')
    const tid = await createTemplate(c.var.db, ctx.account.id, body)
    const template = (await getTemplate(c.var.db, ctx.account.id, tid))!
    await recordTemplate(c, 'template_created', template, 'created')
    return c.json({ template }, 201)
  })
  .openapi(updateTemplateRoute, async (c) => {
    const { id: tid } = await templateOf(c)
    const ctx = c.var.access
    const body = c.req.valid('json')
    if (Object.keys(body).length === 0) throw fieldError('validation_failed', 'body', 'Send name, limits or access.')
    await updateTemplate(c.var.db, ctx.account.id, tid, body)
    const template = (await getTemplate(c.var.db, ctx.account.id, tid))!
    await recordTemplate(c, 'template_updated', template, 'changed')
    return c.json({ template }, 200)
  })
  .openapi(deleteTemplateRoute, async (c) => {
    const template = await templateOf(c)
    const ctx = c.var.access
    await deleteTemplate(c.var.db, ctx.account.id, template.id)
    await recordTemplate(c, 'template_deleted', template, 'deleted')
    return c.body(null, 204)
  })
