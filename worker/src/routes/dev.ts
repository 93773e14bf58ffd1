import { Hono } from 'hono'
import { outboxMessage, outboxMessages } from '../adapters/email.ts'
import { z } from 'zod'
import { activityLog } from '../domain/activity.ts'
import { activityTypes } from '../durable/activity-types.ts'
import type { EventInput } from '../durable/activity-schema.ts'
import type { AppEnv } from '../env.ts'
import { AppError, fieldError, found } from '../errors.ts'
import { authorize, loadAccess } from '../middleware/access.ts'

const WORDS = ['restarted', 'renamed', 'server', 'mailbox', 'domain', 'invoice', 'backup', 'password', 'firewall', 'certificate', 'quota', 'ticket', 'license', 'dns', 'record', 'migrated']
const ACTORS = ['sarah@acme.test', 'tom@acme.test', 'billie@acme.test', 'owner@acme.test', 'ops@acme.test']

const Burst = z.object({
  accountId: z.string().min(1).max(64),
  count: z.number().int().min(1).max(1_000_000),
  /** Events per RPC: 1 measures single durable appends; larger seeds big logs fast. */
  batch: z.number().int().min(1).max(1000).default(1),
  /** Pace the appends at this many per second (omit for as fast as the log takes them). */
  ratePerSecond: z.number().int().min(1).max(100_000).optional(),
})

/**
 * Development tools, present only when the DEV_TOOLS var is "true" (npm start
 * and the benchmarks set it; deploys do not): synthetic activity for load tests.
 */
export const dev = new Hono<AppEnv>()
  .use(async (c, next) => {
    if (c.env.DEV_TOOLS !== 'true') throw new AppError('not_found', 'No such route.')
    await next()
  })
  // The local email outbox (adapters/email.ts): what would have been sent, newest first.
  .get('/outbox', async (c) => {
    return c.json({ items: await outboxMessages(c.var.db) })
  })
  .get('/outbox/:id', async (c) => {
    return c.json(found(await outboxMessage(c.var.db, c.req.param('id')), 'No message with that id.'))
  })
  .post('/activity/burst', async (c) => {
    let body: z.infer<typeof Burst>
    try {
      body = Burst.parse(await c.req.json())
    } catch {
      throw fieldError('validation_failed', 'body', 'Send { accountId, count, batch? }.')
    }
    const ctx = await loadAccess(c, body.accountId)
    authorize(ctx, 'activity.view')
    const log = activityLog(c.env, ctx.account.id)
    const make = (i: number): EventInput => {
      const actor = ACTORS[i % ACTORS.length]!
      const words = [WORDS[i % WORDS.length], WORDS[(i * 7) % WORDS.length], WORDS[(i * 13) % WORDS.length]].join(' ')
      return {
        accountId: ctx.account.id,
        accountPath: ctx.account.path,
        type: activityTypes[i % 17]!,
        kind: i % 5 === 0 ? 'page_view' : 'action',
        actor: { id: `usr_bench_${i % ACTORS.length}`, email: actor },
        impersonator: null,
        subject: null,
        target: { kind: 'service', id: `svc_bench_${i % 1000}`, label: `bench-${i % 1000}` },
        description: `${actor} ${words} #${i}`,
        ip: '127.0.0.1',
        userAgent: 'bench',
      }
    }
    const started = performance.now()
    for (let i = 0; i < body.count; i += body.batch) {
      if (body.ratePerSecond) {
        const due = started + (i / body.ratePerSecond) * 1000
        const wait = due - performance.now()
        if (wait > 1) await new Promise((r) => setTimeout(r, wait))
      }
      const slice = Array.from({ length: Math.min(body.batch, body.count - i) }, (_, k) => make(i + k))
      if (slice.length === 1) await log.append(ctx.account.path, slice[0]!)
      else await log.appendMany(ctx.account.path, slice)
    }
    const seconds = (performance.now() - started) / 1000
    return c.json({ appended: body.count, seconds, perSecond: Math.round(body.count / Math.max(seconds, 1e-6)) })
  })
