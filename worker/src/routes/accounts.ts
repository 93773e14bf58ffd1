import { z } from '@hono/zod-openapi'
import type { AccountKind } from '../../../db/schema/accounts.ts'
import type { Permission } from '../authz/catalogue.ts'
import { menuFor } from '../authz/menu.ts'
import { getAccount, listChildren, updateAccount } from '../domain/accounts.ts'
import { mayUndo } from '../domain/lifecycle.ts'
import { limitsFor, usageOf } from '../domain/limits.ts'
import { AppError, fieldError, found } from '../errors.ts'
import { authorize, requireAccount, requirePermission } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { ceilingScope, ownScope } from '../middleware/visible-services.ts'
import { body, createRouter, json, route } from '../openapi.ts'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { Account, AccountParam, level } from './schemas.ts'

/** A child account as the children list shows it: with its owner and, when disabled, the reason. */
const ChildAccount = Account.extend({
  statusReason: z.string().nullable(),
  owner: z.object({ id: z.string(), email: z.string(), name: z.string() }).nullable(),
  /** While the account has no owner: the invitation its owner has not accepted yet. */
  ownerInvitation: z.object({ id: z.string(), email: z.string(), expiresAt: z.number() }).nullable(),
  /** False when an account above the caller's suspended it: only that account (or one above) may enable it. */
  canUndo: z.boolean(),
}).openapi('ChildAccount')

const ChildrenQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
})

const MenuItem = z
  .object({ key: z.string(), label: z.string(), icon: z.string(), path: z.string(), actions: z.array(z.string()) })
  .openapi('MenuItem')

const UsageItem = z.object({ limit: z.string(), label: z.string(), used: z.number(), allowed: z.number().nullable() }).openapi('UsageItem')

/** Children of the platform are resellers, of a reseller customers; a customer has none to list. */
const childrenPermission = (account: { kind: AccountKind }): Permission =>
  account.kind === 'platform' ? 'resellers.view' : account.kind === 'reseller' ? 'customers.view' : 'dashboard.view'

/** One account, with how the caller reaches it. */
const AccountAnswer = z.object({
  account: Account,
  access: z.object({
    level,
    viaAccountId: z.string(),
    inherited: z.boolean(),
    /** The caller's service scope is narrower than every service (theirs, or while impersonating the impersonator's). */
    scoped: z.boolean(),
  }),
  /** The accounts from the one the caller's membership is in down to this one (breadcrumbs); ancestors above it are left out. */
  trail: z.array(z.object({ id: z.string(), name: z.string() })),
})

const getAccountUsageRoute = route.get('/accounts/{id}/usage', 'getAccountUsage', requirePermission('dashboard.view'), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ scope: z.object({ resellerId: z.string() }).nullable(), items: z.array(UsageItem) }), 'Used and allowed per limit') },
})
const getAccountRoute = route.get('/accounts/{id}', 'getAccount', requireAccount(), {
  request: { params: AccountParam }, responses: { 200: json(AccountAnswer, 'The account and the level through which the caller reaches it') },
})
const listChildAccountsRoute = route.get('/accounts/{id}/children', 'listChildAccounts', requirePermission(childrenPermission), {
  request: { params: AccountParam, query: ChildrenQuery }, responses: { 200: json(z.object({ items: z.array(ChildAccount), nextCursor: z.string().nullable() }), 'One page of children') },
})
const getAccountMenuRoute = route.get('/accounts/{id}/menu', 'getAccountMenu', requireAccount(), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ items: z.array(MenuItem) }), 'Menu sections in order') },
})
const updateAccountRoute = route.patch('/accounts/{id}', 'updateAccount', requirePermission(['settings.manage', 'staff.manage']), {
  request: { params: AccountParam, body: body(z.object({ name: z.string().trim().min(1, 'Enter a name.').max(120).optional(), adminCap: z.number().int().min(1).max(100).optional(), pageViewLogging: z.boolean().optional() })) }, responses: { 200: json(z.object({ account: Account }), 'Updated') },
})

export const accounts = createRouter('Accounts')
  .openapi(getAccountUsageRoute, async (c) => c.json(await usageOf(c.var.db, c.var.access.account), 200))
  .openapi(getAccountRoute, async (c) => {
    const ctx = c.var.access
    const { account, via } = ctx
    const scoped = ownScope(ctx) !== null && ownScope(ctx)!.mode !== 'all'
    const ceiling = ceilingScope(ctx)
    const trail = account.trail.filter((a) => a.path.startsWith(via.path)).map((a) => ({ id: a.id, name: a.name }))
    return c.json(
      {
        account: { id: account.id, name: account.name, kind: account.kind, status: account.status, path: account.path, parentId: account.parentId, createdAt: account.createdAt, adminCap: account.adminCap, pageViewLogging: account.pageViewLogging, partnerAccessDefault: account.partnerAccessDefault },
        access: { level: via.level, viaAccountId: via.accountId, inherited: via.accountId !== account.id, scoped: scoped || (ceiling !== null && ceiling.mode !== 'all') },
        trail,
      },
      200,
    )
  })
  .openapi(listChildAccountsRoute, async (c) => {
    const { account, via } = c.var.access
    const { limit, cursor } = c.req.valid('query')
    const page = await listChildren(c.var.db, account.id, limit, cursor ? decodeCursor(cursor) : undefined)
    const items = page.items.map(({ disabledBy, ...child }) => ({ ...child, canUndo: mayUndo(disabledBy, via.path) }))
    return c.json({ items, nextCursor: page.next ? encodeCursor(page.next) : null }, 200)
  })
  .openapi(getAccountMenuRoute, async (c) => {
    return c.json({ items: menuFor(c.var.access, c.var.access.account) }, 200)
  })
  .openapi(updateAccountRoute, async (c) => {
    const ctx = c.var.access
    const body = c.req.valid('json')
    if (body.name !== undefined || body.pageViewLogging !== undefined) authorize(ctx, 'settings.manage')
    if (body.adminCap !== undefined) {
      const via = authorize(ctx, 'staff.manage')
      if (via.accountId === ctx.account.id) throw fieldError('forbidden', 'adminCap', 'The admin cap is set by the parent account.')
      // Rule 9: no parent raises a cap above its reseller's max_admins.
      const max = (await limitsFor(c.var.db, ctx.account.path)).max_admins
      if (max !== null && body.adminCap > max) {
        throw new AppError('limit_reached', `adminCap: The reseller's limit allows at most ${max} admins per account.`, {
          limit: 'max_admins',
          value: max,
          errors: [{ field: 'adminCap', message: `At most ${max} (the reseller's limit).` }],
        })
      }
    }
    if (body.name === undefined && body.adminCap === undefined && body.pageViewLogging === undefined) {
      throw fieldError('validation_failed', 'body', 'Send name, adminCap or pageViewLogging.')
    }
    await updateAccount(c.var.db, ctx.account.id, body)
    const account = found(await getAccount(c.var.db, ctx.account.id), 'No account with that id.')
    const changes = [
      body.name !== undefined && `renamed it to ${body.name}`,
      body.adminCap !== undefined && `set its admin cap to ${body.adminCap}`,
      body.pageViewLogging !== undefined && `turned page-view logging ${body.pageViewLogging ? 'on' : 'off'}`,
    ]
    await audit(c, account, {
      type: 'update_organization',
      target: { kind: 'account', id: account.id, label: account.name },
      description: `${ctx.principal.user.email} ${changes.filter(Boolean).join(' and ')} (${ctx.account.name})`,
    })
    return c.json({ account }, 200)
  })
