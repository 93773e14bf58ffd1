import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { invalidateBrandCache } from '../domain/host-brand.ts'
import { disableAccount, enableAccount, mayUndo, restoreAccount, softDeleteAccount } from '../domain/lifecycle.ts'
import { liveAccountClosed } from '../domain/live.ts'
import { getChildAccount, type ChildAccount } from '../domain/resellers.ts'
import { AppError } from '../errors.ts'
import { requirePermission, type Access, type AccessEnv } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { LimitReached } from '../domain/limits.ts'
import type { AppEnv } from '../env.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { ChildView, loadChild, perms, present, type Kind } from './managed-accounts.ts'
import { accountParams } from './schemas.ts'

const DisableBody = z
  .object({
    reason: z.string().trim().min(1, 'Give a reason.').max(500),
    showReason: z.boolean().default(false),
  })
  .strict()
  .openapi('DisableAccount')

const ResellerParams = accountParams('rid')
const CustomerParams = accountParams('cid')

function lifecycle(kind: Kind) {
  const base = kind === 'reseller' ? '/accounts/{id}/resellers/{rid}' : '/accounts/{id}/customers/{cid}'
  const params = kind === 'reseller' ? ResellerParams : CustomerParams
  const tag = kind === 'reseller' ? 'Resellers' : 'Customers'
  const childId = <E extends AppEnv>(c: Context<E>) => c.req.param(kind === 'reseller' ? 'rid' : 'cid')!
  const noun = perms[kind].noun
  const Noun = kind === 'reseller' ? 'Reseller' : 'Customer'
  /** Every change needs the kind's `manage` permission in the account `{id}`. */
  const manage = requirePermission(perms[kind].manage)
  const changed = json(z.object({ account: ChildView }), 'The account after the change')

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

  const disableRoute = route.post(`${base}/disable`, `disable${Noun}` as const, manage, { request: { params, body: body(DisableBody) }, responses: { 200: changed, ...problems(409) } })
  const enableRoute = route.post(`${base}/enable`, `enable${Noun}` as const, manage, { request: { params }, responses: { 200: changed, ...problems(409) } })
  const deleteRoute = route.delete(base, `delete${Noun}` as const, manage, { request: { params }, responses: { 200: changed, ...problems(409) } })
  const restoreRoute = route.post(`${base}/restore`, `restore${Noun}` as const, manage, { request: { params }, responses: { 200: changed, ...problems(409, 422) } })

  return createRouter(tag)
    .openapi(disableRoute, (c) =>
      act(c, async (ctx, child) => {
        const body = c.req.valid('json')
        if (!(await disableAccount(c.var.db, child, { ...body, byPath: ctx.via.path }))) throw new AppError('conflict', `Only an active ${noun} can be disabled.`)
        await liveAccountClosed(c.env, c.var.db, child, 'disabled')
        return { type: 'account_disabled', description: `${ctx.principal.user.email} disabled ${child.name}: ${body.reason}` }
      }))
    .openapi(enableRoute, (c) =>
      act(c, async (ctx, child) => {
        if (child.status === 'disabled' && !mayUndo(child.disabledBy, ctx.via.path)) throw new AppError('forbidden', `This ${noun} was suspended by an account above yours; only it can enable it again.`)
        if (!(await enableAccount(c.var.db, child.id, ctx.via.path))) throw new AppError('conflict', `Only a disabled ${noun} can be enabled.`)
        return { type: 'account_enabled', description: `${ctx.principal.user.email} enabled ${child.name}` }
      }))
    .openapi(deleteRoute, (c) =>
      act(c, async (ctx, child) => {
        const purgeAfter = await softDeleteAccount(c.var.db, child, ctx.via.path)
        if (!purgeAfter) throw new AppError('conflict', `This ${noun} is already deleted.`)
        await liveAccountClosed(c.env, c.var.db, child, 'deleted')
        return { type: 'account_deleted', description: `${ctx.principal.user.email} deleted ${child.name} (purged after ${new Date(purgeAfter).toISOString().slice(0, 10)} unless restored)` }
      }))
    .openapi(restoreRoute, (c) =>
      act(c, async (ctx, child) => {
        if (child.status === 'deleted' && !mayUndo(child.deletedBy, ctx.via.path)) throw new AppError('forbidden', `This ${noun} was deleted by an account above yours; only it can restore it.`)
        if (!(await restoreAccount(c.var.db, child, ctx.via.path))) {
          const inWindow = child.status === 'deleted' && (child.purgeAfter ?? 0) > Date.now()
          if (inWindow && kind === 'customer') throw new LimitReached('max_customers', child.path)
          throw new AppError('conflict', `Only a deleted ${noun} inside its purge window can be restored.`)
        }
        return { type: 'account_restored', description: `${ctx.principal.user.email} restored ${child.name}` }
      }))
}

/** Disable, enable, delete and restore a platform's resellers (rule 8). */
export const resellerLifecycle = lifecycle('reseller')
/** Disable, enable, delete and restore a reseller's customers (rule 8). */
export const customerLifecycle = lifecycle('customer')
