import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { serviceTypes } from '../../../db/schema/services.ts'
import { sections, type Permission, type SectionKey } from '../authz/catalogue.ts'
import { PASSWORD_MAX } from '../crypto/password-policy.ts'
import { addHostname, HostnameTaken, hostnameTaken, invalidateBrandCache } from '../domain/brands.ts'
import { disableAccount, enableAccount, mayUndo, restoreAccount, softDeleteAccount } from '../domain/lifecycle.ts'
import { LimitReached, noLimits, type Limits } from '../domain/limits.ts'
import { createChildAccount, getChildAccount, getTemplate, listChildAccounts, updateChildAccount, type ChildAccount } from '../domain/resellers.ts'
import { inviteOwner } from '../domain/invitation-emails.ts'
import type { AppEnv } from '../env.ts'
import { AppError, fieldError } from '../errors.ts'
import { requirePermission, type Access, type AccessEnv } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { createRouter } from '../openapi.ts'
import { claimableHostname } from './hostnames.ts'
import { limitProblem } from '../middleware/limit-problem.ts'
import { AccountParam, problems } from './schemas.ts'

const count = z.number().int('Use a whole number.').min(0, 'Use 0 or more.').max(1_000_000).nullable()

/** Limits as the API reads and writes them; null (or absent) = unlimited. */
export const LimitsSchema = z
  .object({
    max_customers: count.default(null),
    max_staff: count.default(null),
    max_admins: count.default(null),
    max_services: z.object(Object.fromEntries(serviceTypes.map((t) => [t, count.optional()])) as Record<(typeof serviceTypes)[number], z.ZodOptional<typeof count>>).strict().default({}),
  })
  .strict()
  .openapi('Limits')

/** The sections a reseller's tree may use: null = all. The dashboard is always kept. */
const grantable = sections.filter((s) => s.key !== 'dashboard' && s.tiers.some((t) => t !== 'platform')).map((s) => s.key)
export const AccessSchema = z
  .array(z.enum(grantable as [SectionKey, ...SectionKey[]], { message: 'Not a section a reseller can use.' }))
  .max(50)
  .nullable()
  .transform((list) => (list ? [...new Set(list)] : null))
  .openapi('Access')

const Owner = z.object({ id: z.string(), email: z.string(), name: z.string() })

export const ChildView = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(['reseller', 'customer']),
    status: z.enum(['active', 'disabled', 'deleted']),
    path: z.string(),
    parentId: z.string().nullable(),
    createdAt: z.number(),
    adminCap: z.number(),
    limits: LimitsSchema,
    access: z.array(z.string()).nullable(),
    templateId: z.string().nullable(),
    templateName: z.string().nullable(),
    statusReason: z.string().nullable(),
    showReason: z.boolean(),
    disabledAt: z.number().nullable(),
    deletedAt: z.number().nullable(),
    purgeAfter: z.number().nullable(),
    owner: Owner.nullable(),
    /** While the account has no owner: the invitation its owner has not accepted yet. */
    ownerInvitation: z.object({ email: z.string(), expiresAt: z.number() }).nullable(),
    /** False when an account above the caller's suspended or deleted it: only that account (or one above) may undo it. */
    canUndo: z.boolean(),
  })
  .openapi('ManagedAccount')

const StatusQuery = z.object({ status: z.enum(['active', 'disabled', 'deleted']).optional() })

const ownerFields = {
  name: z.string().trim().min(1, 'Enter a name.').max(120),
  ownerEmail: z.string().trim().max(254).email('Enter a valid email address.'),
  ownerName: z.string().trim().min(1, 'Enter the owner’s name.').max(120),
  /** Ignored: owners always choose their own password through the emailed invitation. */
  ownerPassword: z.string().max(PASSWORD_MAX).optional().openapi({ deprecated: true, description: 'Ignored: the owner always sets their own password through the emailed invitation.' }),
}

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
  })
  .strict()
  .openapi('UpdateReseller')

const CreateCustomer = z.object(ownerFields).strict().openapi('CreateCustomer')

const DisableBody = z
  .object({
    reason: z.string().trim().min(1, 'Give a reason.').max(500),
    showReason: z.boolean().default(false),
  })
  .strict()
  .openapi('DisableAccount')

const ResellerParams = AccountParam.extend({ rid: z.string().min(1).max(64).openapi({ param: { name: 'rid', in: 'path' } }) })
const CustomerParams = AccountParam.extend({ cid: z.string().min(1).max(64).openapi({ param: { name: 'cid', in: 'path' } }) })

/** A child as the API shows it to this caller; `canUndo` says whether they may enable or restore it (rule 8). */
const present = (a: ChildAccount, ctx: Access) => ({
  id: a.id,
  name: a.name,
  kind: a.kind as 'reseller' | 'customer',
  status: a.status,
  path: a.path,
  parentId: a.parentId,
  createdAt: a.createdAt,
  adminCap: a.adminCap,
  limits: a.limits,
  access: a.access,
  templateId: a.templateId,
  templateName: a.templateName,
  statusReason: a.statusReason,
  showReason: a.showReason,
  disabledAt: a.disabledAt,
  deletedAt: a.deletedAt,
  purgeAfter: a.purgeAfter,
  owner: a.owner,
  ownerInvitation: a.owner ? null : a.ownerInvitation,
  canUndo: mayUndo(a.status === 'deleted' ? a.deletedBy : a.disabledBy, ctx.via.path),
})

type Kind = 'reseller' | 'customer'
const perms: Record<Kind, { view: Permission; manage: Permission; noun: string }> = {
  reseller: { view: 'resellers.view', manage: 'resellers.manage', noun: 'reseller' },
  customer: { view: 'customers.view', manage: 'customers.manage', noun: 'customer' },
}

/** The child account `childId` of this kind under the context, or 404. */
async function loadChild<E extends AppEnv>(c: Context<E>, ctx: Access, childId: string, kind: Kind) {
  const child = await getChildAccount(c.var.db, ctx.account, childId, kind)
  if (!child) throw new AppError('not_found', `No ${perms[kind].noun} with that id.`)
  return child
}

/**
 * Invite the new account's owner and record it. Whoever the email belongs to
 * — a new person, or an existing login of any tree — becomes owner only by
 * accepting (rule 14), and the answer is the same either way: it says nothing
 * about whether the email already has a login.
 */
async function inviteFirstOwner<E extends AppEnv>(c: Context<E>, ctx: Access, account: { id: string; name: string; path: string }, owner: { ownerEmail: string; ownerName: string }) {
  const invitation = await inviteOwner(c.env, c.var.db, account, ctx.principal.user, { email: owner.ownerEmail, name: owner.ownerName })
  await audit(c, account, {
    type: 'invite_user',
    target: { kind: 'invitation', id: invitation.id, label: invitation.email },
    description: `${ctx.principal.user.email} invited ${invitation.email} to own ${account.name}`,
  })
  return { id: invitation.id, email: invitation.email, expiresAt: invitation.expiresAt }
}

const OwnerInvitation = z.object({ id: z.string(), email: z.string(), expiresAt: z.number() })

function lifecycle(kind: Kind) {
  const base = kind === 'reseller' ? '/accounts/{id}/resellers/{rid}' : '/accounts/{id}/customers/{cid}'
  const params = kind === 'reseller' ? ResellerParams : CustomerParams
  const tag = kind === 'reseller' ? 'Resellers' : 'Customers'
  const childId = <E extends AppEnv>(c: Context<E>) => c.req.param(kind === 'reseller' ? 'rid' : 'cid')!
  const noun = perms[kind].noun
  const Noun = kind === 'reseller' ? 'Reseller' : 'Customer'
  const one = { 200: { description: 'The account after the change', content: { 'application/json': { schema: z.object({ account: ChildView }) } } } }

  /** Load the child, run `change`, audit, answer the account (the route's guard checked `*.manage`). */
  async function act<E extends AccessEnv>(c: Context<E>, run: (ctx: Access, child: ChildAccount) => Promise<{ type: 'account_disabled' | 'account_enabled' | 'account_deleted' | 'account_restored'; description: string }>) {
    const ctx = c.var.access
    const child = await loadChild(c, ctx, childId(c), kind)
    const event = await run(ctx, child)
    // A disabled or deleted reseller's hostnames stop serving its brand at once in this isolate (others within the cache's 30 s).
    invalidateBrandCache()
    const after = (await getChildAccount(c.var.db, ctx.account, child.id, kind))!
    await audit(c, { id: child.id, path: child.path }, { type: event.type, target: { kind: 'account', id: child.id, label: child.name }, description: event.description })
    return c.json({ account: present(after, ctx) }, 200)
  }

  return createRouter()
    .openapi(
      createRoute({
        method: 'post',
        path: `${base}/disable`,
        operationId: `disable${Noun}`,
        middleware: [requirePermission(perms[kind].manage)] as const,
        tags: [tag],
        summary: `Disable a ${noun} and its whole subtree`,
        description: `Needs \`${perms[kind].manage}\`. Logins of its people are refused (with the reason when \`showReason\`), their sessions end, data is kept.`,
        request: { params, body: { required: true, content: { 'application/json': { schema: DisableBody } } } },
        responses: { ...one, ...problems(400, 401, 403, 404, 409) },
      }),
      (c) =>
        act(c, async (ctx, child) => {
          const body = c.req.valid('json')
          if (!(await disableAccount(c.var.db, child, { ...body, byPath: ctx.via.path }))) throw new AppError('conflict', `Only an active ${noun} can be disabled.`)
          return { type: 'account_disabled', description: `${ctx.principal.user.email} disabled ${child.name}: ${body.reason}` }
        }),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: `${base}/enable`,
        operationId: `enable${Noun}`,
        middleware: [requirePermission(perms[kind].manage)] as const,
        tags: [tag],
        summary: `Enable a disabled ${noun}`,
        description: `Needs \`${perms[kind].manage}\`. Lifts the suspension: its people sign in again. Only the account that suspended it, or one above, may enable it (403 otherwise).`,
        request: { params },
        responses: { ...one, ...problems(401, 403, 404, 409) },
      }),
      (c) =>
        act(c, async (ctx, child) => {
          if (child.status === 'disabled' && !mayUndo(child.disabledBy, ctx.via.path)) throw new AppError('forbidden', `This ${noun} was suspended by an account above yours; only it can enable it again.`)
          if (!(await enableAccount(c.var.db, child.id, ctx.via.path))) throw new AppError('conflict', `Only a disabled ${noun} can be enabled.`)
          return { type: 'account_enabled', description: `${ctx.principal.user.email} enabled ${child.name}` }
        }),
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: base,
        operationId: `delete${Noun}`,
        middleware: [requirePermission(perms[kind].manage)] as const,
        tags: [tag],
        summary: `Delete a ${noun} and its subtree (restorable for 30 days)`,
        description: `Needs \`${perms[kind].manage}\`. Logins of its tree are refused and their sessions and live sockets end; data is kept for 30 days, then purged by the daily job.`,
        request: { params },
        responses: { ...one, ...problems(401, 403, 404, 409) },
      }),
      (c) =>
        act(c, async (ctx, child) => {
          const purgeAfter = await softDeleteAccount(c.var.db, child, ctx.via.path)
          if (!purgeAfter) throw new AppError('conflict', `This ${noun} is already deleted.`)
          return { type: 'account_deleted', description: `${ctx.principal.user.email} deleted ${child.name} (purged after ${new Date(purgeAfter).toISOString().slice(0, 10)} unless restored)` }
        }),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: `${base}/restore`,
        operationId: `restore${Noun}`,
        middleware: [requirePermission(perms[kind].manage)] as const,
        tags: [tag],
        summary: `Restore a deleted ${noun} inside its purge window`,
        description: `Needs \`${perms[kind].manage}\`. Only the account that deleted it, or one above, may restore it (403 otherwise); a customer must still fit under its reseller’s \`max_customers\` (422).`,
        request: { params },
        responses: { ...one, ...problems(401, 403, 404, 409, 422) },
      }),
      (c) =>
        act(c, async (ctx, child) => {
          if (child.status === 'deleted' && !mayUndo(child.deletedBy, ctx.via.path)) throw new AppError('forbidden', `This ${noun} was deleted by an account above yours; only it can restore it.`)
          if (!(await restoreAccount(c.var.db, child, ctx.via.path))) {
            const inWindow = child.status === 'deleted' && (child.purgeAfter ?? 0) > Date.now()
            if (inWindow && kind === 'customer') throw await limitProblem(c.var.db, child.path, 'max_customers')
            throw new AppError('conflict', `Only a deleted ${noun} inside its purge window can be restored.`)
          }
          return { type: 'account_restored', description: `${ctx.principal.user.email} restored ${child.name}` }
        }),
    )
}

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

export const resellers = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/accounts/{id}/resellers',
      operationId: 'listResellers',
      middleware: [requirePermission('resellers.view')] as const,
      tags: ['Resellers'],
      summary: 'The resellers of the platform, with status, template, limits and owner',
      description: 'Needs `resellers.view`. Deleted resellers are listed (filter `status=deleted`) while they can be restored.',
      request: { params: AccountParam, query: StatusQuery },
      responses: { 200: { description: 'Resellers by name', content: { 'application/json': { schema: z.object({ items: z.array(ChildView) }) } } }, ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const ctx = c.var.access
      const { status } = c.req.valid('query')
      const items = (await listChildAccounts(c.var.db, ctx.account.id, 'reseller')).filter((a) => !status || a.status === status)
      return c.json({ items: items.map((a) => present(a, ctx)) }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/accounts/{id}/resellers/{rid}',
      operationId: 'getReseller',
      middleware: [requirePermission('resellers.view')] as const,
      tags: ['Resellers'],
      summary: 'One reseller',
      description: 'Needs `resellers.view`. One reseller with its limits, access, template, status, owner (or the pending owner invitation) and whether the caller may undo its suspension.',
      request: { params: ResellerParams },
      responses: { 200: { description: 'The reseller', content: { 'application/json': { schema: z.object({ account: ChildView }) } } }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { id, rid } = c.req.valid('param')
      const ctx = c.var.access
      return c.json({ account: present(await loadChild(c, ctx, rid, 'reseller'), ctx) }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/accounts/{id}/resellers',
      operationId: 'createReseller',
      middleware: [requirePermission('resellers.manage')] as const,
      tags: ['Resellers'],
      summary: 'Create a reseller',
      description:
        'Needs `resellers.manage`. The owner is invited by email: a new person sets their own password, an existing login joins by accepting — the answer is the same either way. `templateId` copies the template’s limits and access (explicit `limits`/`access` win). Defaults: no limits, every section. `hostname` claims the brand domain (pending until verified).',
      request: { params: AccountParam, body: { required: true, content: { 'application/json': { schema: CreateReseller } } } },
      responses: { 201: { description: 'Created, with the owner invitation that was emailed', content: { 'application/json': { schema: z.object({ account: ChildView, ownerInvitation: OwnerInvitation }) } } }, ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const ctx = c.var.access
      const body = c.req.valid('json')
      const preset = await fromTemplate(c, ctx, body)
      // Check the brand domain before anything is created.
      const hostname = body.hostname ? claimableHostname(c, body.hostname) : null
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
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/accounts/{id}/resellers/{rid}',
      operationId: 'updateReseller',
      middleware: [requirePermission('resellers.manage')] as const,
      tags: ['Resellers'],
      summary: 'Change a reseller’s name, limits, access or template',
      description: 'Needs `resellers.manage`. Setting `templateId` copies that template’s limits and access unless the body gives them; `null` unlinks.',
      request: { params: ResellerParams, body: { required: true, content: { 'application/json': { schema: UpdateReseller } } } },
      responses: { 200: { description: 'Updated', content: { 'application/json': { schema: z.object({ account: ChildView }) } } }, ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id, rid } = c.req.valid('param')
      const ctx = c.var.access
      const child = await loadChild(c, ctx, rid, 'reseller')
      const body = c.req.valid('json')
      if (Object.keys(body).length === 0) throw fieldError('validation_failed', 'body', 'Send name, templateId, limits or access.')
      const preset = await fromTemplate(c, ctx, body)
      await updateChildAccount(c.var.db, child.id, { name: body.name, limits: preset.limits, access: preset.access, templateId: preset.templateId })
      const account = (await getChildAccount(c.var.db, ctx.account, child.id, 'reseller'))!
      const changed = [body.name && 'name', preset.limits && 'limits', preset.access !== undefined && 'access', body.templateId !== undefined && 'template'].filter(Boolean).join(', ')
      await audit(c, account, { type: 'account_updated', target: { kind: 'account', id: child.id, label: account.name }, description: `${ctx.principal.user.email} changed the ${changed} of ${account.name}` })
      return c.json({ account: present(account, ctx) }, 200)
    },
  )
  .route('/', lifecycle('reseller'))

export const customers = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/accounts/{id}/customers',
      operationId: 'listCustomers',
      middleware: [requirePermission('customers.view')] as const,
      tags: ['Customers'],
      summary: 'The customers of a reseller, with status and owner',
      description: 'Needs `customers.view`. Deleted customers are listed while they can be restored.',
      request: { params: AccountParam, query: StatusQuery },
      responses: { 200: { description: 'Customers by name', content: { 'application/json': { schema: z.object({ items: z.array(ChildView) }) } } }, ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const ctx = c.var.access
      const { status } = c.req.valid('query')
      const items = (await listChildAccounts(c.var.db, ctx.account.id, 'customer')).filter((a) => !status || a.status === status)
      return c.json({ items: items.map((a) => present(a, ctx)) }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/accounts/{id}/customers',
      operationId: 'createCustomer',
      middleware: [requirePermission('customers.manage')] as const,
      tags: ['Customers'],
      summary: 'Create a customer organisation under a reseller',
      description:
        'Needs `customers.manage` in a reseller. The owner is invited by email: a new person sets their own password, an existing login joins by accepting — the answer is the same either way. The reseller’s `max_customers` limit holds (422 `limit_reached`).',
      request: { params: AccountParam, body: { required: true, content: { 'application/json': { schema: CreateCustomer } } } },
      responses: { 201: { description: 'Created, with the owner invitation that was emailed', content: { 'application/json': { schema: z.object({ account: ChildView, ownerInvitation: OwnerInvitation }) } } }, ...problems(400, 401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const ctx = c.var.access
      if (ctx.account.kind !== 'reseller') throw new AppError('forbidden', 'Customers are created under a reseller.')
      const body = c.req.valid('json')
      let id: string
      try {
        id = await createChildAccount(c.var.db, ctx.account, { kind: 'customer', name: body.name })
      } catch (error) {
        if (error instanceof LimitReached) throw await limitProblem(c.var.db, ctx.account.path, error.limit)
        throw error
      }
      const account = (await getChildAccount(c.var.db, ctx.account, id, 'customer'))!
      await audit(c, account, {
        type: 'account_created',
        target: { kind: 'account', id, label: account.name },
        description: `${ctx.principal.user.email} created the customer ${account.name}`,
      })
      const ownerInvitation = await inviteFirstOwner(c, ctx, account, body)
      return c.json({ account: present(account, ctx), ownerInvitation }, 201)
    },
  )
  .route('/', lifecycle('customer'))
