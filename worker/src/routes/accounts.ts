import { createRoute, z } from '@hono/zod-openapi'
import { menuFor } from '../authz/menu.ts'
import { listChildren } from '../domain/accounts.ts'
import { authorize, loadAccountContext } from '../middleware/account-context.ts'
import { createRouter } from '../openapi.ts'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { Account, AccountParam, level, problems } from './schemas.ts'

const ChildrenQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
})

const MenuItem = z
  .object({ key: z.string(), label: z.string(), icon: z.string(), path: z.string(), actions: z.array(z.string()) })
  .openapi('MenuItem')

export const accounts = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/accounts/{id}',
      tags: ['Accounts'],
      summary: 'One account',
      description: 'Visible to members of the account and of its ancestors; any other id answers 404.',
      request: { params: AccountParam },
      responses: {
        200: {
          description: 'The account and the level through which the caller reaches it',
          content: {
            'application/json': {
              schema: z.object({ account: Account, access: z.object({ level, viaAccountId: z.string(), inherited: z.boolean() }) }),
            },
          },
        },
        ...problems(401, 404),
      },
    }),
    async (c) => {
      const { account, via } = await loadAccountContext(c, c.req.valid('param').id)
      return c.json(
        { account, access: { level: via.level, viaAccountId: via.accountId, inherited: via.accountId !== account.id } },
        200,
      )
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/accounts/{id}/children',
      tags: ['Accounts'],
      summary: 'Direct child accounts',
      description: 'Resellers of the platform, customers of a reseller. Ordered by name; cursor pagination.',
      request: { params: AccountParam, query: ChildrenQuery },
      responses: {
        200: {
          description: 'One page of children',
          content: { 'application/json': { schema: z.object({ items: z.array(Account), nextCursor: z.string().nullable() }) } },
        },
        ...problems(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const ctx = await loadAccountContext(c, c.req.valid('param').id)
      const { account } = ctx
      authorize(ctx, account.kind === 'platform' ? 'resellers.view' : account.kind === 'reseller' ? 'customers.view' : 'dashboard.view')
      const { limit, cursor } = c.req.valid('query')
      const page = await listChildren(c.var.db, account.id, limit, cursor ? decodeCursor(cursor) : undefined)
      return c.json({ items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/accounts/{id}/menu',
      tags: ['Accounts'],
      summary: 'The menu sections the caller may see in this account',
      request: { params: AccountParam },
      responses: {
        200: { description: 'Menu sections in order', content: { 'application/json': { schema: z.object({ items: z.array(MenuItem) }) } } },
        ...problems(401, 404),
      },
    }),
    async (c) => {
      const { account, grants } = await loadAccountContext(c, c.req.valid('param').id)
      return c.json({ items: menuFor(grants, account) }, 200)
    },
  )
