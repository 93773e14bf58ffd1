import { createRoute, z } from '@hono/zod-openapi'
import { createRouter } from '../openapi.ts'

export const health = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    tags: ['System'],
    summary: 'Liveness check',
    description: 'Public liveness check: answers 200 when the worker runs. Reads no data.',
    responses: { 200: { description: 'The API is up', content: { 'application/json': { schema: z.object({ ok: z.literal(true) }) } } } },
  }),
  (c) => c.json({ ok: true as const }, 200),
)
