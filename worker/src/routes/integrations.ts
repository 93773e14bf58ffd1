import { z } from '@hono/zod-openapi'
import { assertMayChange, createIntegration, integrationsOf, subscribableTypes, validateHook } from '../domain/integrations.ts'
import { streamFormats, webhookTypes, type CreateHook } from '../durable/hooks.ts'
import { AppError } from '../errors.ts'
import { localizeSentence } from '../i18n/field-messages.ts'
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { decide, requirePermission, type AccessEnv } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { answers, body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam, accountParams } from './schemas.ts'

const DeliveryFields = z
  .object({
    id: z.number(),
    /** `event` and `batch` are the scheduled deliveries; `ping` a test; `resend` one sent again by hand. */
    kind: z.enum(['event', 'batch', 'ping', 'resend']),
    eventId: z.string().nullable(),
    eventType: z.string().nullable(),
    /** How many events the request carried (streams send batches). */
    events: z.number(),
    attempt: z.number(),
    at: z.number(),
    /** `refused`: not sent, the address is private or reserved; `gave_up`: failed for 24 h, skipped. */
    status: z.enum(['delivered', 'failed', 'gave_up', 'refused']),
    responseCode: z.number().nullable(),
    latencyMs: z.number().nullable(),
    error: z.string().nullable(),
    nextRetryAt: z.number().nullable(),
  })
const Delivery = DeliveryFields.openapi('IntegrationDelivery')

const Integration = z
  .object({
    id: z.string(),
    kind: z.enum(['webhook', 'stream']),
    url: z.string(),
    description: z.string(),
    /** Webhooks: the event types sent. Streams send every event of the log. */
    types: z.array(z.string()),
    format: z.enum(streamFormats).nullable(),
    hasToken: z.boolean(),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    createdAt: z.number(),
    createdBy: z.string(),
    secretVersion: z.number(),
    failingSince: z.number().nullable(),
    nextAttemptAt: z.number().nullable(),
    lastSuccessAt: z.number().nullable(),
    /** How far behind the log it is: events not yet delivered and the age of the oldest, in seconds. */
    lag: z.object({ events: z.number(), seconds: z.number() }),
    /** The newest scheduled delivery (`status` as in IntegrationDelivery); null before the first. */
    lastDelivery: DeliveryFields.extend({ kind: z.string(), status: z.string() }).nullable(),
  })
  .openapi('Integration')

const Types = z.array(z.enum(webhookTypes as [string, ...string[]])).min(1, 'Choose at least one event type.').max(webhookTypes.length)

const CreateWebhook = z
  .object({
    url: z.string().trim().min(1, 'Enter a URL.').max(2000),
    description: z.string().trim().max(200).default(''),
    types: Types,
  })
  .openapi('CreateWebhook')

const CreateStream = z
  .object({
    url: z.string().trim().min(1, 'Enter a URL.').max(2000),
    description: z.string().trim().max(200).default(''),
    format: z.enum(streamFormats),
    /** Datadog API key or Splunk HEC token (required for those); for NDJSON an optional bearer token. Stored encrypted, never shown again. */
    token: z.string().trim().max(500).nullable().default(null),
  })
  .openapi('CreateLogStream')

const UpdateIntegration = z
  .object({ enabled: z.boolean().optional(), types: Types.optional(), description: z.string().trim().max(200).optional() })
  .openapi('UpdateIntegration')

const HookParams = accountParams('hookId')
const DeliveryParams = HookParams.extend({ deliveryId: z.coerce.number().int().min(1).openapi({ param: { name: 'deliveryId', in: 'path' } }) })
const Created = z.object({ integration: Integration, secret: z.string().nullable() }).openapi('CreatedIntegration')

/** Log streams carry a whole tree's log: resellers and the platform have them. */
const streamsOnly = { kinds: ['platform', 'reseller'], detail: 'Only resellers and the platform stream their logs.' } as const
const notFound = () => new AppError('not_found', 'No integration with that id.')

/** An integration as the target of an event in the log. */
const hookTarget = (hook: { id: string; kind: string; url: string }) => ({ kind: hook.kind === 'webhook' ? 'webhook' : 'log_stream', id: hook.id, label: hook.url.slice(0, 200) })

const label = (kind: string) => (kind === 'webhook' ? 'webhook' : 'log stream')

/** An attempt as its reader reads it: what went wrong, in their language (the log keeps the English words). */
const readable = <T extends { error: string | null }>(delivery: T): T => (delivery.error ? { ...delivery, error: localizeSentence(delivery.error) } : delivery)

/** Integrations are not changed while acting as someone (authz/impersonation.ts): refused before the body is read. */
const notWhileActingAs = answers(
  createMiddleware<AccessEnv>(async (c, next) => {
    assertMayChange(c.var.access.principal)
    await next()
  }),
  403,
)
const changeIntegrations = [requirePermission('activity.export'), notWhileActingAs] as const

const listIntegrationsRoute = route.get('/accounts/{id}/integrations', 'listIntegrations', requirePermission('activity.export'), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ items: z.array(Integration), eventTypes: z.array(z.string()), streamsAvailable: z.boolean(), readOnly: z.boolean() }), 'OK') },
})
const createWebhookRoute = route.post('/accounts/{id}/integrations/webhooks', 'createWebhook', changeIntegrations, {
  request: { params: AccountParam, body: body(CreateWebhook) }, responses: { 201: json(Created, 'Created'), ...problems(422) },
})
const createLogStreamRoute = route.post('/accounts/{id}/integrations/streams', 'createLogStream', [requirePermission('activity.export', streamsOnly), notWhileActingAs], {
  request: { params: AccountParam, body: body(CreateStream) }, responses: { 201: json(Created, 'Created'), ...problems(422) },
})
const updateIntegrationRoute = route.patch('/accounts/{id}/integrations/{hookId}', 'updateIntegration', changeIntegrations, {
  request: { params: HookParams, body: body(UpdateIntegration) }, responses: { 200: json(Integration, 'Updated') },
})
const deleteIntegrationRoute = route.delete('/accounts/{id}/integrations/{hookId}', 'deleteIntegration', changeIntegrations, {
  request: { params: HookParams }, responses: { 204: { description: 'Deleted' } },
})
const rotateWebhookSecretRoute = route.post('/accounts/{id}/integrations/{hookId}/rotate-secret', 'rotateWebhookSecret', changeIntegrations, {
  request: { params: HookParams }, responses: { 200: json(Created, 'Rotated') },
})
const testIntegrationRoute = route.post('/accounts/{id}/integrations/{hookId}/test', 'testIntegration', changeIntegrations, {
  request: { params: HookParams }, responses: { 200: json(Delivery, 'The attempt') },
})
const listIntegrationDeliveriesRoute = route.get('/accounts/{id}/integrations/{hookId}/deliveries', 'listIntegrationDeliveries', requirePermission('activity.export'), {
  request: { params: HookParams, query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) }, responses: { 200: json(z.object({ items: z.array(Delivery) }), 'OK') },
})
const resendIntegrationDeliveryRoute = route.post('/accounts/{id}/integrations/{hookId}/deliveries/{deliveryId}/resend', 'resendIntegrationDelivery', changeIntegrations, {
  request: { params: DeliveryParams }, responses: { 200: json(Delivery, 'The attempt'), ...problems(410) },
})

export const integrationsRouter = createRouter('Activity')
  .openapi(listIntegrationsRoute, async (c) => {
    const ctx = c.var.access
    const items = await integrationsOf(c.env, ctx.account.id).list()
    return c.json(
      {
        items: items.map((i) => (i.disabledReason ? { ...i, disabledReason: localizeSentence(i.disabledReason) } : i)),
        eventTypes: [...subscribableTypes(decide(ctx, 'activity.view').ok)],
        streamsAvailable: (streamsOnly.kinds as readonly string[]).includes(ctx.account.kind),
        readOnly: !!ctx.principal.impersonation,
      },
      200,
    )
  })
  .openapi(createWebhookRoute, async (c) => {
    const ctx = c.var.access
    const body = c.req.valid('json')
    const input = validateHook(c.env, { kind: 'webhook', ...body }, subscribableTypes(decide(ctx, 'activity.view').ok))
    return c.json(await create(c, input), 201)
  })
  .openapi(createLogStreamRoute, async (c) => {
    const input = validateHook(c.env, { kind: 'stream', ...c.req.valid('json') }, [])
    return c.json(await create(c, input), 201)
  })
  .openapi(updateIntegrationRoute, async (c) => {
    const ctx = c.var.access
    const { hookId } = c.req.valid('param')
    const body = c.req.valid('json')
    if (body.types) validateHook(c.env, { kind: 'webhook', url: 'https://example.com/', description: '', types: body.types }, subscribableTypes(decide(ctx, 'activity.view').ok))
    const hooks = integrationsOf(c.env, ctx.account.id)
    const updated = await hooks.update(hookId, body)
    if (!updated) throw notFound()
    const changes = [body.enabled === true && 'turned on', body.enabled === false && 'turned off', body.types && `set its events to ${body.types.join(', ')}`].filter(Boolean)
    await audit(c, ctx.account, {
      type: 'integration_updated',
      target: hookTarget(updated),
      description: `${ctx.principal.user.email} changed the ${label(updated.kind)} to ${new URL(updated.url).host}${changes.length ? `: ${changes.join('; ')}` : ''}`,
    })
    return c.json(updated, 200)
  })
  .openapi(deleteIntegrationRoute, async (c) => {
    const ctx = c.var.access
    const { hookId } = c.req.valid('param')
    const hooks = integrationsOf(c.env, ctx.account.id)
    const hook = await hooks.get(hookId)
    if (!hook || !(await hooks.remove(hookId))) throw notFound()
    await audit(c, ctx.account, {
      type: 'integration_deleted',
      target: hookTarget(hook),
      description: `${ctx.principal.user.email} deleted the ${label(hook.kind)} to ${new URL(hook.url).host}`,
    })
    return c.body(null, 204)
  })
  .openapi(rotateWebhookSecretRoute, async (c) => {
    const ctx = c.var.access
    const { hookId } = c.req.valid('param')
    const rotated = await integrationsOf(c.env, ctx.account.id).rotate(hookId)
    if (!rotated) throw notFound()
    await audit(c, ctx.account, {
      type: 'integration_secret_rotated',
      target: { kind: 'webhook', id: rotated.hook.id, label: rotated.hook.url.slice(0, 200) },
      description: `${ctx.principal.user.email} replaced the signing secret of the webhook to ${new URL(rotated.hook.url).host}`,
    })
    return c.json({ integration: rotated.hook, secret: rotated.secret }, 200)
  })
  .openapi(testIntegrationRoute, async (c) => {
    const ctx = c.var.access
    const { hookId } = c.req.valid('param')
    const result = await integrationsOf(c.env, ctx.account.id).test(hookId)
    if (!result) throw notFound()
    return c.json(readable(result), 200)
  })
  .openapi(listIntegrationDeliveriesRoute, async (c) => {
    const ctx = c.var.access
    const { hookId } = c.req.valid('param')
    const items = await integrationsOf(c.env, ctx.account.id).deliveries(hookId, c.req.valid('query').limit)
    if (!items) throw notFound()
    return c.json({ items: items.map(readable) }, 200)
  })
  .openapi(resendIntegrationDeliveryRoute, async (c) => {
    const ctx = c.var.access
    const { hookId, deliveryId } = c.req.valid('param')
    const result = await integrationsOf(c.env, ctx.account.id).resend(hookId, deliveryId)
    if (!result) throw new AppError('not_found', 'No delivery with that id.')
    if (result === 'gone') throw new AppError('delivery_gone')
    return c.json(readable(result), 200)
  })

async function create(c: Context<AccessEnv>, input: CreateHook) {
  const ctx = c.var.access
  const created = await createIntegration(c.env, ctx.account, ctx.principal.user.email, input)
  const { hook } = created
  await audit(c, ctx.account, {
    type: 'integration_created',
    target: hookTarget(hook),
    description:
      hook.kind === 'webhook'
        ? `${ctx.principal.user.email} added a webhook to ${new URL(hook.url).host} for ${hook.types.join(', ')}`
        : `${ctx.principal.user.email} added a ${hook.format} log stream to ${new URL(hook.url).host}`,
  })
  return { integration: hook, secret: created.secret }
}
