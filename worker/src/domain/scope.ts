import { z } from '@hono/zod-openapi'
import { sql, type SQL } from 'drizzle-orm'
import type { Scope } from '../authz/decide.ts'
import { schema } from '../db.ts'

const id = z.string().min(1).max(64)
const tag = z.string().trim().min(1).max(40)

/** The wire and storage shape of a scope. */
export const ScopeSchema = z
  .discriminatedUnion('mode', [
    z.object({ mode: z.literal('none') }),
    z.object({ mode: z.literal('all') }),
    z.object({ mode: z.literal('selected'), services: z.array(id).max(500).default([]), groups: z.array(id).max(100).default([]) }),
    z.object({ mode: z.literal('tagged'), tags: z.array(tag).min(1).max(50) }),
  ])
  .openapi('Scope')

/** Read a stored scope; anything unreadable reaches nothing. */
export function parseScope(json: string): Scope {
  try {
    const parsed = ScopeSchema.safeParse(JSON.parse(json))
    return parsed.success ? parsed.data : { mode: 'none' }
  } catch {
    return { mode: 'none' }
  }
}

const { services, serviceTags } = schema

/**
 * The SQL twin of `inScope` (authz/decide.ts) for listing: the services a
 * scope reaches. A property test keeps the two in agreement.
 */
export function scopeCondition(scope: Scope): SQL | undefined {
  switch (scope.mode) {
    case 'all':
      return undefined
    case 'none':
      return sql`0`
    case 'selected': {
      const parts: SQL[] = []
      if (scope.services.length) parts.push(sql`${services.id} IN (SELECT value FROM json_each(${JSON.stringify(scope.services)}))`)
      if (scope.groups.length) parts.push(sql`${services.groupId} IN (SELECT value FROM json_each(${JSON.stringify(scope.groups)}))`)
      return parts.length ? sql`(${sql.join(parts, sql` OR `)})` : sql`0`
    }
    case 'tagged':
      return sql`EXISTS (SELECT 1 FROM ${serviceTags} WHERE ${serviceTags.serviceId} = ${services.id} AND ${serviceTags.tag} IN (SELECT value FROM json_each(${JSON.stringify(scope.tags)})))`
  }
}
