import { z } from '@hono/zod-openapi'
import { createRouter, json, route } from '../openapi.ts'

export const health = createRouter('System').openapi(
  route.get('/health', 'getHealth', { responses: { 200: json(z.object({ ok: z.literal(true) }), 'The API is up') } }),
  (c) => c.json({ ok: true as const }, 200),
)
