import { createRoute, z } from '@hono/zod-openapi'
import { listMembershipsOfUser } from '../domain/accounts.ts'
import { requirePrincipal } from '../middleware/session.ts'
import { createRouter } from '../openapi.ts'
import { Account, level, problems, User } from './schemas.ts'

const MeAccount = Account.pick({ id: true, name: true, kind: true, path: true, status: true }).extend({ level })

export const me = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/me',
    tags: ['Auth'],
    summary: 'The signed-in user and every account they are a member of',
    responses: {
      200: {
        description: 'The current user',
        content: { 'application/json': { schema: z.object({ user: User, accounts: z.array(MeAccount) }) } },
      },
      ...problems(401),
    },
  }),
  async (c) => {
    const { user } = requirePrincipal(c)
    const rows = await listMembershipsOfUser(c.var.db, user.id)
    const accounts = rows.map(({ accountId, name, kind, path, status, level }) => ({ id: accountId, name, kind, path, status, level }))
    return c.json({ user, accounts }, 200)
  },
)
