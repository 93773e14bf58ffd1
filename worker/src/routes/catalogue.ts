import { z } from '@hono/zod-openapi'
import { categories, sections } from '../authz/catalogue.ts'
import { requireSignIn } from '../middleware/access.ts'
import { createRouter, json, route } from '../openapi.ts'


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

export const catalogue = createRouter('Roles').openapi(
  route.get('/catalogue', 'getCatalogue', requireSignIn({ keys: true }), {
    responses: { 200: json(z.object({ sections: z.array(Section) }), 'The catalogue') },
  }),
  (c) => {
    c.header('cache-control', 'private, max-age=300')
    return c.json({ sections: sections.map((s) => ({ ...s, tiers: [...s.tiers], actions: [...s.actions] })) }, 200)
  },
)
