import { z } from '@hono/zod-openapi'
import { canGrantActing } from '../authz/grants.ts'
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from '../domain/api-keys.ts'
import { resolveRoles } from '../domain/roles.ts'
import { ScopeSchema } from '../domain/scope.ts'
import { AppError, fieldError } from '../errors.ts'
import { peopleOnly, requirePermission } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam, accountParams } from './schemas.ts'

const YEAR = 366 * 24 * 60 * 60 * 1000

const ApiKeyView = z
  .object({
    id: z.string(),
    accountId: z.string(),
    name: z.string(),
    /** The key's non-secret start (`trl_…`), to recognise it. */
    prefix: z.string(),
    level: z.enum(['owner', 'admin', 'user']),
    roleIds: z.array(z.string()),
    roles: z.array(z.object({ id: z.string(), name: z.string() })),
    scope: ScopeSchema,
    createdBy: z.object({ id: z.string().nullable(), email: z.string() }),
    createdAt: z.number(),
    expiresAt: z.number().nullable(),
    lastUsedAt: z.number().nullable(),
    lastUsedIp: z.string().nullable(),
    revokedAt: z.number().nullable(),
  })
  .openapi('ApiKey')

const CreateApiKey = z
  .object({
    name: z.string().trim().min(1, 'Name the key.').max(80),
    level: z.enum(['admin', 'user']),
    roles: z.array(z.string().min(1).max(64)).max(50).default([]),
    scope: ScopeSchema.default({ mode: 'none' }),
    /** Epoch milliseconds, in the future and within a year; null for a key that does not expire. */
    expiresAt: z.number().int().nullable().default(null),
  })
  .openapi('CreateApiKey')

const KeyParams = accountParams('keyId')

const listApiKeysRoute = route.get('/accounts/{id}/api-keys', 'listApiKeys', requirePermission('security.view'), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ items: z.array(ApiKeyView) }), 'Keys') },
})
const createApiKeyRoute = route.post('/accounts/{id}/api-keys', 'createApiKey', [peopleOnly('An API key cannot create API keys.'), requirePermission('security.manage')], {
  request: { params: AccountParam, body: body(CreateApiKey) }, responses: { 201: json(z.object({ apiKey: ApiKeyView, secret: z.string().openapi({ description: 'The key itself: shown once.' }) }), 'Created'), ...problems(422) },
})
const revokeApiKeyRoute = route.delete('/accounts/{id}/api-keys/{keyId}', 'revokeApiKey', requirePermission('security.manage'), {
  request: { params: KeyParams }, responses: { 204: { description: 'Revoked' } },
})

export const apiKeyRoutes = createRouter('API keys')
  .openapi(listApiKeysRoute, async (c) => c.json({ items: await listApiKeys(c.var.db, c.var.access.account.id) }, 200))
  .openapi(createApiKeyRoute, async (c) => {
    const ctx = c.var.access
    const body = c.req.valid('json')
    const now = Date.now()
    if (body.expiresAt !== null && (body.expiresAt <= now || body.expiresAt > now + YEAR)) {
      throw fieldError('validation_failed', 'expiresAt', 'Choose an expiry in the future and within a year, or none.')
    }
    const roleIds = [...new Set(body.roles)]
    const { permissions, unknown } = await resolveRoles(c.var.db, ctx.account.id, roleIds)
    if (unknown.length) throw fieldError('validation_failed', 'roles', `Unknown role: ${unknown.join(', ')}.`)
    // Never beyond the creator (and the impersonator): the rule that governs members. A key takes no admin seat.
    const decision = canGrantActing(ctx, ctx.account, { self: false, current: null }, { level: body.level, permissions, scope: body.scope }, { count: 0, cap: Number.POSITIVE_INFINITY })
    if (!decision.ok) throw fieldError(decision.code, decision.field, decision.detail)
    const creator = ctx.principal.impersonation?.impersonator ?? ctx.principal.user
    const created = await createApiKey(c.var.db, {
      accountId: ctx.account.id,
      name: body.name,
      level: body.level,
      roleIds,
      scope: body.scope,
      expiresAt: body.expiresAt,
      createdBy: { id: creator.id, email: creator.email },
    }, now)
    const apiKey = (await getApiKey(c.var.db, ctx.account.id, created.id))!
    await audit(c, ctx.account, {
      type: 'api_key_created',
      target: { kind: 'api_key', id: apiKey.id, label: apiKey.name },
      description: `${ctx.principal.user.email} created the API key “${apiKey.name}” (${apiKey.prefix}) at ${apiKey.level} level`,
    })
    return c.json({ apiKey, secret: created.key }, 201)
  })
  .openapi(revokeApiKeyRoute, async (c) => {
    const ctx = c.var.access
    const { keyId } = c.req.valid('param')
    const key = await getApiKey(c.var.db, ctx.account.id, keyId)
    if (!key || key.revokedAt !== null) throw new AppError('not_found', 'No live API key with that id in this account.')
    if (!(await revokeApiKey(c.var.db, ctx.account.id, keyId))) throw new AppError('not_found', 'No live API key with that id in this account.')
    await audit(c, ctx.account, {
      type: 'api_key_revoked',
      target: { kind: 'api_key', id: key.id, label: key.name },
      description: `${ctx.principal.user.email} revoked the API key “${key.name}” (${key.prefix})`,
    })
    return c.body(null, 204)
  })
