import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { serviceTypes } from '../../../db/schema/services.ts'
import { sections, type Permission, type SectionKey } from '../authz/catalogue.ts'
import { hashPassword } from '../crypto/password.ts'
import { PASSWORD_MAX, passwordProblem } from '../crypto/password-policy.ts'
import { addHostname, HostnameTaken, hostnameTaken, invalidateBrandCache } from '../domain/brands.ts'
import { disableAccount, enableAccount, restoreAccount, softDeleteAccount } from '../domain/lifecycle.ts'
import { LimitReached, noLimits, type Limits } from '../domain/limits.ts'
import { createChildAccount, getChildAccount, getTemplate, listChildAccounts, updateChildAccount, type ChildAccount } from '../domain/resellers.ts'
import { findUserByEmail, normalizeEmail } from '../domain/users.ts'
import type { AppEnv } from '../env.ts'
import { AppError } from '../errors.ts'
import { authorize, loadAccountContext, type AccountContext } from '../middleware/account-context.ts'
import { audit } from '../middleware/audit.ts'
import { createRouter } from '../openapi.ts'
import { argon2Params } from './auth.ts'
import { claimableHostname } from './hostnames.ts'
import { inviteOwner } from './invitations.ts'
import { limitProblem } from './limit-problem.ts'
import { AccountParam, fieldError, problems } from './schemas.ts'

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
  })
  .openapi('ManagedAccount')

const StatusQuery = z.object({ status: z.enum(['active', 'disabled', 'deleted']).optional() })

const ownerFields = {
  name: z.string().trim().min(1, 'Enter a name.').max(120),
  ownerEmail: z.string().trim().max(254).email('Enter a valid email address.'),
  ownerName: z.string().trim().min(1, 'Enter the owner’s name.').max(120),
  ownerPassword: z.string().max(PASSWORD_MAX).optional(),
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

const present = (a: ChildAccount) => ({
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
})

type Kind = 'reseller' | 'customer'
const perms: Record<Kind, { view: Permission; manage: Permission; noun: string }> = {
  reseller: { view: 'resellers.view', manage: 'resellers.manage', noun: 'reseller' },
  customer: { view: 'customers.view', manage: 'customers.manage', noun: 'customer' },
}

/** The child account `childId` of this kind under the context, or 404. */
async function loadChild(c: Context<AppEnv>, ctx: AccountContext, childId: string, kind: Kind) {
  const child = await getChildAccount(c.var.db, ctx.account, childId, kind)
  if (!child) throw new AppError(404, 'not_found', `No ${perms[kind].noun} with that id.`)
  return child
}

/**
 * Resolve the owner: an existing login with that email, a new one with the
 * given password, or — without a password — an owner invitation emailed once
 * the account exists (the person sets their own password).
 */
async function ownerOf(c: Context<AppEnv>, body: { ownerEmail: string; ownerName: string; ownerPassword?: string | undefined }) {
  const existing = await findUserByEmail(c.var.db, body.ownerEmail)
  if (existing) return { existing: true as const, userId: existing.id, email: existing.email }
  if (!body.ownerPassword) return { existing: false as const, invite: true as const, email: normalizeEmail(body.ownerEmail) }
  const weak = await passwordProblem(body.ownerPassword)
  if (weak) throw fieldError(400, 'weak_password', 'ownerPassword', weak)
  return { existing: false as const, invite: false as const, email: body.ownerEmail, name: body.ownerName, passwordHash: hashPassword(body.ownerPassword, argon2Params(c.env)) }
}

/** What `createChildAccount` needs to know of the owner. */
function ownerInput(owner: Awaited<ReturnType<typeof ownerOf>>) {
  if (owner.existing) return { userId: owner.userId }
  if (owner.invite) return null
  return { email: owner.email, name: owner.name, passwordHash: owner.passwordHash }
}

/** Send the owner invitation when the owner has no login yet. */
async function inviteOwnerIfNeeded(c: Context<AppEnv>, ctx: AccountContext, owner: Awaited<ReturnType<typeof ownerOf>>, account: { id: string; name: string; path: string }) {
  if (owner.existing || !owner.invite) return null
  const invitation = await inviteOwner(c, account, ctx.principal.user, owner.email)
  return { id: invitation.id, email: invitation.email, expiresAt: invitation.expiresAt }
}

const OwnerInvitation = z.object({ id: z.string(), email: z.string(), expiresAt: z.number() }).nullable()

const ownerEmailOf = (o: Awaited<ReturnType<typeof ownerOf>>) => o.email

function lifecycle(kind: Kind) {
  const base = kind === 'reseller' ? '/accounts/{id}/resellers/{rid}' : '/accounts/{id}/customers/{cid}'
  const params = kind === 'reseller' ? ResellerParams : CustomerParams
  const tag = kind === 'reseller' ? 'Resellers' : 'Customers'
  const childId = (c: Context<AppEnv>) => c.req.param(kind === 'reseller' ? 'rid' : 'cid')!
  const noun = perms[kind].noun
  const one = { 200: { description: 'The account after the change', content: { 'application/json': { schema: z.object({ account: ChildView }) } } } }

  /** Load, authorize `*.manage`, run `change`, audit, answer the account. */
  async function act(c: Context<AppEnv>, run: (ctx: AccountContext, child: ChildAccount) => Promise<{ type: 'account_disabled' | 'account_enabled' | 'account_deleted' | 'account_restored'; description: string }>) {
    const ctx = await loadAccountContext(c, c.req.param('id')!)
    authorize(ctx, perms[kind].manage)
    const child = await loadChild(c, ctx, childId(c), kind)
    const event = await run(ctx, child)
    // A disabled or deleted reseller's hostnames stop serving its brand at once in this isolate (others within the cache's 30 s).
    invalidateBrandCache()
    const after = (await getChildAccount(c.var.db, ctx.account, child.id, kind))!
    await audit(c, { id: child.id, path: child.path }, { type: event.type, target: { kind: 'account', id: child.id, label: child.name }, description: event.description })
    return c.json({ account: present(after) }, 200)
  }

  return createRouter()
    .openapi(
      createRoute({
        method: 'post',
        path: `${base}/disable`,
        tags: [tag],
        summary: `Disable a ${noun} and its whole subtree`,
        description: `Needs \`${perms[kind].manage}\`. Logins of its people are refused (with the reason when \`showReason\`), their sessions end, data is kept.`,
        request: { params, body: { required: true, content: { 'application/json': { schema: DisableBody } } } },
        responses: { ...one, ...problems(400, 401, 403, 404, 409) },
      }),
      (c) =>
        act(c, async (ctx, child) => {
          const body = c.req.valid('json')
          if (!(await disableAccount(c.var.db, child, body))) throw new AppError(409, 'conflict', `Only an active ${noun} can be disabled.`)
          return { type: 'account_disabled', description: `${ctx.principal.user.email} disabled ${child.name}: ${body.reason}` }
        }),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: `${base}/enable`,
        tags: [tag],
        summary: `Enable a disabled ${noun}`,
        request: { params },
        responses: { ...one, ...problems(401, 403, 404, 409) },
      }),
      (c) =>
        act(c, async (ctx, child) => {
          if (!(await enableAccount(c.var.db, child.id))) throw new AppError(409, 'conflict', `Only a disabled ${noun} can be enabled.`)
          return { type: 'account_enabled', description: `${ctx.principal.user.email} enabled ${child.name}` }
        }),
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: base,
        tags: [tag],
        summary: `Delete a ${noun} and its subtree (restorable for 30 days)`,
        request: { params },
        responses: { ...one, ...problems(401, 403, 404, 409) },
      }),
      (c) =>
        act(c, async (ctx, child) => {
          const purgeAfter = await softDeleteAccount(c.var.db, child)
          if (!purgeAfter) throw new AppError(409, 'conflict', `This ${noun} is already deleted.`)
          return { type: 'account_deleted', description: `${ctx.principal.user.email} deleted ${child.name} (purged after ${new Date(purgeAfter).toISOString().slice(0, 10)} unless restored)` }
        }),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: `${base}/restore`,
        tags: [tag],
        summary: `Restore a deleted ${noun} inside its purge window`,
        request: { params },
        responses: { ...one, ...problems(401, 403, 404, 409, 422) },
      }),
      (c) =>
        act(c, async (ctx, child) => {
          if (!(await restoreAccount(c.var.db, child))) {
            const inWindow = child.status === 'deleted' && (child.purgeAfter ?? 0) > Date.now()
            if (inWindow && kind === 'customer') throw await limitProblem(c.var.db, child.path, 'max_customers')
            throw new AppError(409, 'conflict', `Only a deleted ${noun} inside its purge window can be restored.`)
          }
          return { type: 'account_restored', description: `${ctx.principal.user.email} restored ${child.name}` }
        }),
    )
}

/** Limits and access to store: explicit values win, else the template's, else none. */
async function fromTemplate(c: Context<AppEnv>, ctx: AccountContext, body: { templateId?: string | null | undefined; limits?: Limits | undefined; access?: SectionKey[] | null | undefined }) {
  const template = body.templateId ? await getTemplate(c.var.db, ctx.account.id, body.templateId) : null
  if (body.templateId && !template) throw fieldError(400, 'validation_failed', 'templateId', 'No such template.')
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
      tags: ['Resellers'],
      summary: 'The resellers of the platform, with status, template, limits and owner',
      description: 'Needs `resellers.view`. Deleted resellers are listed (filter `status=deleted`) while they can be restored.',
      request: { params: AccountParam, query: StatusQuery },
      responses: { 200: { description: 'Resellers by name', content: { 'application/json': { schema: z.object({ items: z.array(ChildView) }) } } }, ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const ctx = await loadAccountContext(c, c.req.valid('param').id)
      authorize(ctx, 'resellers.view')
      const { status } = c.req.valid('query')
      const items = (await listChildAccounts(c.var.db, ctx.account.id, 'reseller')).filter((a) => !status || a.status === status)
      return c.json({ items: items.map(present) }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/accounts/{id}/resellers/{rid}',
      tags: ['Resellers'],
      summary: 'One reseller',
      request: { params: ResellerParams },
      responses: { 200: { description: 'The reseller', content: { 'application/json': { schema: z.object({ account: ChildView }) } } }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      const { id, rid } = c.req.valid('param')
      const ctx = await loadAccountContext(c, id)
      authorize(ctx, 'resellers.view')
      return c.json({ account: present(await loadChild(c, ctx, rid, 'reseller')) }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/accounts/{id}/resellers',
      tags: ['Resellers'],
      summary: 'Create a reseller',
      description:
        'Needs `resellers.manage`. The owner is the login with `ownerEmail` when one exists, else a new login with `ownerPassword`, else (no password) an owner invitation is emailed. `templateId` copies the template’s limits and access (explicit `limits`/`access` win). Defaults: no limits, every section. `hostname` claims the brand domain (pending until verified).',
      request: { params: AccountParam, body: { required: true, content: { 'application/json': { schema: CreateReseller } } } },
      responses: { 201: { description: 'Created (with the owner invitation when the owner had no login)', content: { 'application/json': { schema: z.object({ account: ChildView, ownerInvitation: OwnerInvitation }) } } }, ...problems(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const ctx = await loadAccountContext(c, c.req.valid('param').id)
      authorize(ctx, 'resellers.manage')
      const body = c.req.valid('json')
      const preset = await fromTemplate(c, ctx, body)
      const owner = await ownerOf(c, body)
      // Check the brand domain before anything is created.
      const hostname = body.hostname ? claimableHostname(c, body.hostname) : null
      if (hostname && (await hostnameTaken(c.var.db, hostname))) throw fieldError(409, 'conflict', 'hostname', 'That hostname is already in use.')
      let id: string
      try {
        id = await createChildAccount(c.var.db, ctx.account, {
          kind: 'reseller',
          name: body.name,
          limits: preset.limits ?? noLimits(),
          access: preset.access ?? null,
          templateId: preset.templateId ?? null,
          owner: ownerInput(owner),
        })
      } catch (error) {
        if (String(error).includes('UNIQUE constraint failed: users.email')) throw fieldError(409, 'conflict', 'ownerEmail', 'Someone with this email already has a login.')
        throw error
      }
      const account = (await getChildAccount(c.var.db, ctx.account, id, 'reseller'))!
      await audit(c, account, {
        type: 'account_created',
        target: { kind: 'account', id, label: account.name },
        description: `${ctx.principal.user.email} created the reseller ${account.name}${account.templateName ? ` from the template ${account.templateName}` : ''}, owned by ${ownerEmailOf(owner)}`,
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
      const ownerInvitation = await inviteOwnerIfNeeded(c, ctx, owner, account)
      return c.json({ account: present(account), ownerInvitation }, 201)
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/accounts/{id}/resellers/{rid}',
      tags: ['Resellers'],
      summary: 'Change a reseller’s name, limits, access or template',
      description: 'Needs `resellers.manage`. Setting `templateId` copies that template’s limits and access unless the body gives them; `null` unlinks.',
      request: { params: ResellerParams, body: { required: true, content: { 'application/json': { schema: UpdateReseller } } } },
      responses: { 200: { description: 'Updated', content: { 'application/json': { schema: z.object({ account: ChildView }) } } }, ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id, rid } = c.req.valid('param')
      const ctx = await loadAccountContext(c, id)
      authorize(ctx, 'resellers.manage')
      const child = await loadChild(c, ctx, rid, 'reseller')
      const body = c.req.valid('json')
      if (Object.keys(body).length === 0) throw fieldError(400, 'validation_failed', 'body', 'Send name, templateId, limits or access.')
      const preset = await fromTemplate(c, ctx, body)
      await updateChildAccount(c.var.db, child.id, { name: body.name, limits: preset.limits, access: preset.access, templateId: preset.templateId })
      const account = (await getChildAccount(c.var.db, ctx.account, child.id, 'reseller'))!
      const changed = [body.name && 'name', preset.limits && 'limits', preset.access !== undefined && 'access', body.templateId !== undefined && 'template'].filter(Boolean).join(', ')
      await audit(c, account, { type: 'account_updated', target: { kind: 'account', id: child.id, label: account.name }, description: `${ctx.principal.user.email} changed the ${changed} of ${account.name}` })
      return c.json({ account: present(account) }, 200)
    },
  )
  .route('/', lifecycle('reseller'))

export const customers = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/accounts/{id}/customers',
      tags: ['Customers'],
      summary: 'The customers of a reseller, with status and owner',
      description: 'Needs `customers.view`. Deleted customers are listed while they can be restored.',
      request: { params: AccountParam, query: StatusQuery },
      responses: { 200: { description: 'Customers by name', content: { 'application/json': { schema: z.object({ items: z.array(ChildView) }) } } }, ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const ctx = await loadAccountContext(c, c.req.valid('param').id)
      authorize(ctx, 'customers.view')
      const { status } = c.req.valid('query')
      const items = (await listChildAccounts(c.var.db, ctx.account.id, 'customer')).filter((a) => !status || a.status === status)
      return c.json({ items: items.map(present) }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/accounts/{id}/customers',
      tags: ['Customers'],
      summary: 'Create a customer organisation under a reseller',
      description:
        'Needs `customers.manage` in a reseller. The owner is the login with `ownerEmail` when one exists, else a new login with `ownerPassword`, else (no password) an owner invitation is emailed. The reseller’s `max_customers` limit holds (422 `limit_reached`).',
      request: { params: AccountParam, body: { required: true, content: { 'application/json': { schema: CreateCustomer } } } },
      responses: { 201: { description: 'Created (with the owner invitation when the owner had no login)', content: { 'application/json': { schema: z.object({ account: ChildView, ownerInvitation: OwnerInvitation }) } } }, ...problems(400, 401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const ctx = await loadAccountContext(c, c.req.valid('param').id)
      authorize(ctx, 'customers.manage')
      if (ctx.account.kind !== 'reseller') throw new AppError(403, 'forbidden', 'Customers are created under a reseller.')
      const body = c.req.valid('json')
      const owner = await ownerOf(c, body)
      let id: string
      try {
        id = await createChildAccount(c.var.db, ctx.account, { kind: 'customer', name: body.name, owner: ownerInput(owner) })
      } catch (error) {
        if (error instanceof LimitReached) throw await limitProblem(c.var.db, ctx.account.path, error.limit)
        if (String(error).includes('UNIQUE constraint failed: users.email')) throw fieldError(409, 'conflict', 'ownerEmail', 'Someone with this email already has a login.')
        throw error
      }
      const account = (await getChildAccount(c.var.db, ctx.account, id, 'customer'))!
      await audit(c, account, {
        type: 'account_created',
        target: { kind: 'account', id, label: account.name },
        description: `${ctx.principal.user.email} created the customer ${account.name}, owned by ${ownerEmailOf(owner)}`,
      })
      const ownerInvitation = await inviteOwnerIfNeeded(c, ctx, owner, account)
      return c.json({ account: present(account), ownerInvitation }, 201)
    },
  )
  .route('/', lifecycle('customer'))
