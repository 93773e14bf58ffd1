import { z } from '@hono/zod-openapi'
import { activityLog, pageViewsLogged } from '../domain/activity.ts'
import { exportActivity } from '../domain/activity-export.ts'
import { forgetLiveConnection, liveHolder, pickRelay, registerLiveConnection } from '../domain/live.ts'
import { overLimit } from '../domain/rate-limits.ts'
import { activityTypes } from '../durable/activity-types.ts'
import type { EventFilter, Subscriber } from '../durable/activity-schema.ts'
import { AppError, fieldError, rateLimited } from '../errors.ts'
import { authorize, decide, peopleOnly, requireAccount, requirePermission } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam } from './schemas.ts'

/** A date as ISO 8601 or epoch milliseconds. */
const Instant = z
  .string()
  .max(40)
  .transform((v, ctx) => {
    const ms = /^\d{1,15}$/.test(v) ? Number(v) : Date.parse(v)
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'Use an ISO 8601 date or epoch milliseconds.' })
      return z.NEVER
    }
    return ms
  })

const TypeList = z
  .string()
  .max(1000)
  .transform((v, ctx) => {
    const types = v.split(',').map((t) => t.trim()).filter(Boolean)
    const unknown = types.filter((t) => !(activityTypes as readonly string[]).includes(t))
    if (unknown.length) {
      ctx.addIssue({ code: 'custom', message: `Unknown type: ${unknown.join(', ')}.` })
      return z.NEVER
    }
    return types as (typeof activityTypes)[number][]
  })

const FilterQuery = z.object({
  actor: z.string().trim().toLowerCase().max(254).optional().openapi({ description: 'Only events by this login (email)' }),
  type: TypeList.optional().openapi({ description: 'Comma-separated action types' }),
  kind: z.enum(['action', 'all']).default('action').openapi({ description: '`all` includes page views' }),
  target: z.string().max(64).optional().openapi({ description: 'Only events about this target id' }),
  account: z.string().max(64).optional().openapi({ description: 'Only events of this account (inside the tree)' }),
  from: Instant.optional(),
  to: Instant.optional(),
  q: z.string().trim().max(200).optional().openapi({ description: 'Full-text search on the description' }),
})

function toFilter(q: z.infer<typeof FilterQuery>): EventFilter {
  if (q.from !== undefined && q.to !== undefined && q.from >= q.to) throw fieldError('validation_failed', 'to', 'Must be after from.')
  return { actor: q.actor || undefined, types: q.type, kind: q.kind, targetId: q.target, accountId: q.account, from: q.from, to: q.to, q: q.q || undefined }
}

const Cursor = z
  .string()
  .max(20)
  .regex(/^\d+$/, 'Not a cursor returned by this API.')
  .transform(Number)

const Party = z.object({ id: z.string(), email: z.string() }).nullable()
const Event = z
  .object({
    seq: z.number(),
    id: z.string(),
    time: z.number(),
    accountId: z.string(),
    accountPath: z.string(),
    type: z.enum(activityTypes),
    kind: z.enum(['action', 'page_view']),
    actor: Party,
    impersonator: Party,
    subject: Party,
    target: z.object({ kind: z.string(), id: z.string(), label: z.string() }).nullable(),
    description: z.string(),
    ip: z.string(),
    userAgent: z.string(),
  })
  .openapi('ActivityEvent')

/** 120 page views per session per minute. */
const PAGE_VIEW_WINDOW = { max: 120, windowMs: 60_000 }

const listActivityRoute = route.get('/accounts/{id}/activity', 'listActivity', requirePermission('activity.view'), {
  request: { params: AccountParam, query: FilterQuery.extend({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: Cursor.optional() }) }, responses: { 200: json(z.object({ items: z.array(Event), nextCursor: z.string().nullable() }), 'One page') },
})
const getActivityHistogramRoute = route.get('/accounts/{id}/activity/histogram', 'getActivityHistogram', requirePermission('activity.view'), {
  request: { params: AccountParam, query: FilterQuery }, responses: { 200: json(z.object({ from: z.number(), to: z.number(), buckets: z.array(z.object({ hour: z.number(), kind: z.string(), count: z.number() })) }), 'Buckets') },
})
const exportActivityRoute = route.get('/accounts/{id}/activity/export', 'exportActivity', requirePermission('activity.export'), {
  request: { params: AccountParam, query: FilterQuery.extend({ format: z.enum(['csv', 'ndjson']).default('csv') }) }, responses: { 200: { description: 'The file' } },
})
const verifyActivityChainRoute = route.get('/accounts/{id}/activity/verify', 'verifyActivityChain', requirePermission('activity.view'), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ ok: z.boolean(), checked: z.number(), firstBroken: z.object({ seq: z.number(), id: z.string(), position: z.number() }).nullable() }), 'Result') },
})
const openLiveActivityRoute = route.get('/accounts/{id}/activity/live', 'openLiveActivity', [peopleOnly('Live sockets are for people in the portal; an API key reads the log with GET …/activity.'), requireAccount()], {
  request: { params: AccountParam, query: FilterQuery.extend({ events: z.enum(['0', '1']).default('0'), after: z.coerce.number().int().min(0).optional(), page: z.string().max(200).default('') }) }, responses: { 101: { description: 'Switching protocols' }, ...problems(403, 426) },
})
const recordPageViewRoute = route.post('/accounts/{id}/activity/page-views', 'recordPageView', [peopleOnly('Page views are a person\'s navigation; an API key has none.'), requireAccount()], {
  request: { params: AccountParam, body: body(z.object({ path: z.string().min(1).max(300).startsWith('/'), title: z.string().trim().min(1).max(200) })) }, responses: { 202: json(z.object({ logged: z.boolean() }), 'Recorded (or ignored when logging is off)'), ...problems(403, 429) },
})

export const activity = createRouter('Activity')
  .openapi(listActivityRoute, async (c) => {
    const ctx = c.var.access
    const q = c.req.valid('query')
    const page = await activityLog(c.env, ctx.account.id).list(toFilter(q), q.limit, q.cursor)
    return c.json({ items: page.items, nextCursor: page.nextBefore === null ? null : String(page.nextBefore) }, 200)
  })
  .openapi(getActivityHistogramRoute, async (c) => {
    const ctx = c.var.access
    const q = c.req.valid('query')
    const to = q.to ?? Date.now()
    const from = q.from ?? to - 24 * 3600_000
    if (to - from > 93 * 24 * 3600_000) throw fieldError('validation_failed', 'from', 'The chart covers at most 93 days.')
    const buckets = await activityLog(c.env, ctx.account.id).histogram(toFilter({ ...q, from, to }))
    return c.json({ from, to, buckets }, 200)
  })
  .openapi(exportActivityRoute, async (c) => {
    const ctx = c.var.access
    const q = c.req.valid('query')
    const body = await exportActivity(c.env, ctx.account.id, toFilter(q), q.format)
    return new Response(body, {
      headers: {
        'content-type': q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
        'content-disposition': `attachment; filename="activity.${q.format}"`,
      },
    })
  })
  .openapi(verifyActivityChainRoute, async (c) => c.json(await activityLog(c.env, c.var.access.account.id).verify(), 200))
  .openapi(openLiveActivityRoute, async (c) => {
    const ctx = c.var.access
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') throw new AppError('upgrade_required')
    // Browsers send Origin on WebSocket handshakes; refuse other sites (cross-site WebSocket hijacking).
    const origin = c.req.header('origin')
    if (origin && origin !== new URL(c.req.url).origin) throw new AppError('csrf_rejected')
    const q = c.req.valid('query')
    const wantsEvents = q.events === '1'
    if (wantsEvents) authorize(ctx, 'activity.view')
    const { principal, account, via } = ctx
    const imp = principal.impersonation
    // Rule 15: the socket is registered with the rights that open it, so ending any of them closes it,
    // and with the relay that will hold it (docs/decisions/029), so closes find it there.
    const relay = pickRelay(c.env)
    const connectionId = await registerLiveConnection(c.var.db, {
      session: principal.session,
      userId: imp ? imp.impersonator.id : principal.user.id,
      impersonation: imp,
      membership: via,
      account,
      relay,
    })
    if (!connectionId) throw new AppError('unauthenticated', 'Your session or access ended while connecting.')
    const subscriber: Subscriber = {
      connectionId,
      accountId: account.id,
      sessionId: principal.session.id,
      impersonationId: imp?.id ?? null,
      sessionExpiresAt: principal.session.expiresAt,
      impersonationExpiresAt: imp?.expiresAt ?? null,
      personId: imp ? imp.impersonator.id : principal.user.id,
      userId: principal.user.id,
      name: principal.user.name,
      email: principal.user.email,
      memberPath: via.path,
      events: wantsEvents,
      // Change notices name targets and actors only for those who may read the log.
      details: decide(ctx, 'activity.view', account).ok,
      filter: toFilter(q),
      after: q.after ?? null,
      page: q.page,
    }
    const res = await liveHolder(c.env, account.id, relay).fetch('https://activity/live', {
      headers: { upgrade: 'websocket', 'x-trellis-subscriber': JSON.stringify(subscriber), 'x-trellis-relay': String(relay ?? '') },
    })
    if (!res.webSocket) {
      await forgetLiveConnection(c.var.db, connectionId)
      throw new Error(`activity log refused the socket: ${res.status}`)
    }
    return new Response(null, { status: 101, webSocket: res.webSocket })
  })
  .openapi(recordPageViewRoute, async (c) => {
    const ctx = c.var.access
    // A page view is a member's own navigation of their own account: staff of an ancestor (who reach
    // it, so 403 hides nothing) write none into it. Acting as a member, one is that member here.
    if (ctx.via.accountId !== ctx.account.id) throw new AppError('forbidden', 'Page views are recorded only for members of this account.')
    const { path, title } = c.req.valid('json')
    const wait = await overLimit(c.var.db, `page-views:${ctx.principal.session.id}`, PAGE_VIEW_WINDOW)
    if (wait !== null) throw rateLimited(wait, 'Too many page views recorded; slow down.')
    if (!pageViewsLogged(ctx.account)) return c.json({ logged: false }, 202)
    await audit(c, ctx.account, {
      type: 'page_view',
      kind: 'page_view',
      target: { kind: 'page', id: path.slice(0, 64), label: title },
      description: `${ctx.principal.user.email} viewed ${title}`,
    })
    return c.json({ logged: true }, 202)
  })
