import { createRoute, z } from '@hono/zod-openapi'
import { categories, sections } from '../authz/catalogue.ts'
import { requireSignIn } from '../middleware/access.ts'
import { createRouter } from '../openapi.ts'
import { problems } from './schemas.ts'

const Section = z
  .object({
    key: z.string(),
    label: z.string(),
    icon: z.string(),
    path: z.string(),
    category: z.enum(categories),
    tiers: z.array(z.enum(['platform', 'reseller', 'customer'])),
    actions: z.array(z.string()),
  })
  .openapi('CatalogueSection')

/** The permission catalogue itself, for the role editor: the same table the guards read. */
export const catalogue = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/catalogue',
    operationId: 'getCatalogue',
    middleware: [requireSignIn({ keys: true })] as const,
    tags: ['Roles'],
    summary: 'Every menu section with its category, tiers and actions',
    description: 'The permission catalogue the role editor reads: every menu section with its category, the account kinds it exists on, and its actions. Needs a session; the same for everyone.',
    responses: { 200: { description: 'The catalogue', content: { 'application/json': { schema: z.object({ sections: z.array(Section) }) } } }, ...problems(401) },
  }),
  (c) => {
    c.header('cache-control', 'private, max-age=300')
    return c.json({ sections: sections.map((s) => ({ ...s, tiers: [...s.tiers], actions: [...s.actions] })) }, 200)
  },
)
