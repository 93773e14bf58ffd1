import { createRoute, z } from '@hono/zod-openapi'
import { requirePrincipal } from '../middleware/session.ts'
import { createRouter } from '../openapi.ts'
import { Account, level, problems, User } from './schemas.ts'

const MeAccount = Account.pick({ id: true, name: true, kind: true, path: true, status: true }).extend({
  level,
  parent: z.object({ id: z.string(), name: z.string() }).nullable(),
})

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
    const { user, memberships } = requirePrincipal(c)
    const accounts = memberships.map((m) => ({
      id: m.accountId,
      name: m.accountName,
      kind: m.kind,
      path: m.path,
      status: m.status,
      level: m.level,
      parent: m.parent,
    }))
    return c.json({ user, accounts }, 200)
  },
)
