import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { SectionKey } from '../authz/catalogue.ts'
import { addHostname, HostnameTaken, hostnameTaken } from '../domain/hostnames.ts'
import { invalidateBrandCache } from '../domain/host-brand.ts'
import { noLimits, type Limits } from '../domain/limits.ts'
import { createChildAccount, getChildAccount, getTemplate, updateChildAccount } from '../domain/resellers.ts'
import type { AppEnv } from '../env.ts'
import { fieldError } from '../errors.ts'
import { requirePermission, type Access } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccessSchema, ChildView, inviteFirstOwner, LimitsSchema, loadChild, OwnerInvitation, listChildren, ownerFields, present, StatusQuery } from './managed-accounts.ts'
import { AccountParam, accountParams, hostnameFrom } from './schemas.ts'

const ResellerParams = accountParams('rid')

const CreateReseller = z
  .object({
    ...ownerFields,
    templateId: z.string().min(1).max(64).nullable().optional(),
    limits: LimitsSchema.optional(),
    access: AccessSchema.optional(),
    /** The reseller's brand domain: claimed at once, pending until its DNS TXT record is verified. */
    hostname: z.string().trim().min(1).max(253).optional(),
  })
  .strict()
  .openapi('CreateReseller')

const UpdateReseller = z
  .object({
    name: ownerFields.name.optional(),
    templateId: z.string().min(1).max(64).nullable().optional(),
    limits: LimitsSchema.optional(),
    access: AccessSchema.optional(),
    /** Show "Powered by Trellis" on the reseller's portal. */
    poweredBy: z.boolean().optional(),
  })
  .strict()
  .openapi('UpdateReseller')

/** Limits and access to store: explicit values win, else the template's, else none. */
async function fromTemplate<E extends AppEnv>(c: Context<E>, ctx: Access, body: { templateId?: string | null | undefined; limits?: Limits | undefined; access?: SectionKey[] | null | undefined }) {
  const template = body.templateId ? await getTemplate(c.var.db, ctx.account.id, body.templateId) : null
  if (body.templateId && !template) throw fieldError('validation_failed', 'templateId', 'No such template.')
  return {
    limits: body.limits ?? template?.limits,
    access: body.access !== undefined ? body.access : template?.access,
    templateId: body.templateId === undefined ? undefined : (template?.id ?? null),
  }
}

const listResellersRoute = route.get('/accounts/{id}/resellers', 'listResellers', requirePermission('resellers.view'), {
  request: { params: AccountParam, query: StatusQuery }, responses: { 200: json(z.object({ items: z.array(ChildView) }), 'Resellers by name') },
})
const getResellerRoute = route.get('/accounts/{id}/resellers/{rid}', 'getReseller', requirePermission('resellers.view'), {
  request: { params: ResellerParams }, responses: { 200: json(z.object({ account: ChildView }), 'The reseller') },
})
const createResellerRoute = route.post('/accounts/{id}/resellers', 'createReseller', requirePermission('resellers.manage'), {
  request: { params: AccountParam, body: body(CreateReseller) }, responses: { 201: json(z.object({ account: ChildView, ownerInvitation: OwnerInvitation }), 'Created, with the owner invitation that was emailed'), ...problems(409) },
})
const updateResellerRoute = route.patch('/accounts/{id}/resellers/{rid}', 'updateReseller', requirePermission('resellers.manage'), {
  request: { params: ResellerParams, body: body(UpdateReseller) }, responses: { 200: json(z.object({ account: ChildView }), 'Updated') },
})

export const resellers = createRouter('Resellers')
  .openapi(listResellersRoute, async (c) => c.json({ items: await listChildren(c, 'reseller', c.req.valid('query').status) }, 200))
  .openapi(getResellerRoute, async (c) => {
    const { rid } = c.req.valid('param')
    const ctx = c.var.access
    return c.json({ account: present(await loadChild(c, ctx, rid, 'reseller'), ctx) }, 200)
  })
  .openapi(createResellerRoute, async (c) => {
    const ctx = c.var.access
    const body = c.req.valid('json')
    const preset = await fromTemplate(c, ctx, body)
    // Check the brand domain before anything is created.
    const hostname = body.hostname ? hostnameFrom(c.env, body.hostname) : null
    if (hostname && (await hostnameTaken(c.var.db, hostname))) throw fieldError('conflict', 'hostname', 'That hostname is already in use.')
    const id = await createChildAccount(c.var.db, ctx.account, {
      kind: 'reseller',
      name: body.name,
      limits: preset.limits ?? noLimits(),
      access: preset.access ?? null,
      templateId: preset.templateId ?? null,
    })
    const account = (await getChildAccount(c.var.db, ctx.account, id, 'reseller'))!
    await audit(c, account, {
      type: 'account_created',
      target: { kind: 'account', id, label: account.name },
      description: `${ctx.principal.user.email} created the reseller ${account.name}${account.templateName ? ` from the template ${account.templateName}` : ''}`,
    })
    if (hostname) {
      try {
        const row = await addHostname(c.var.db, account.id, { hostname, customerAccountId: null })
        await audit(c, account, {
          type: 'hostname_added',
          target: { kind: 'hostname', id: row.id, label: hostname },
          description: `${ctx.principal.user.email} added the hostname ${hostname} to ${account.name}`,
        })
      } catch (error) {
        // Claimed by someone else in the instant since the check: the reseller exists; its Domains page can take another.
        if (!(error instanceof HostnameTaken)) throw error
      }
    }
    const ownerInvitation = await inviteFirstOwner(c, ctx, account, body)
    return c.json({ account: present(account, ctx), ownerInvitation }, 201)
  })
  .openapi(updateResellerRoute, async (c) => {
    const { rid } = c.req.valid('param')
    const ctx = c.var.access
    const child = await loadChild(c, ctx, rid, 'reseller')
    const body = c.req.valid('json')
    if (Object.keys(body).length === 0) throw fieldError('validation_failed', 'body', 'Send name, templateId, limits, access or poweredBy.')
    const preset = await fromTemplate(c, ctx, body)
    await updateChildAccount(c.var.db, child.id, { name: body.name, limits: preset.limits, access: preset.access, templateId: preset.templateId, poweredBy: body.poweredBy })
    // The portal's brand carries the flag.
    if (body.poweredBy !== undefined) invalidateBrandCache()
    const account = (await getChildAccount(c.var.db, ctx.account, child.id, 'reseller'))!
    const changed = [body.name && 'name', preset.limits && 'limits', preset.access !== undefined && 'access', body.templateId !== undefined && 'template', body.poweredBy !== undefined && '“Powered by Trellis” setting']
      .filter(Boolean)
      .join(', ')
    await audit(c, account, { type: 'account_updated', target: { kind: 'account', id: child.id, label: account.name }, description: `${ctx.principal.user.email} changed the ${changed} of ${account.name}` })
    return c.json({ account: present(account, ctx) }, 200)
  })
