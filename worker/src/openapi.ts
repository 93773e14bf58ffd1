import { OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from './env.ts'
import { AppError } from './errors.ts'
import { friendlyMessage } from './validation-messages.ts'

/** Dotted path of a zod issue (`roles.0`); `body` when the issue is about the whole value. */
function fieldOf(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : 'body'
}

/**
 * A router whose validation failures become one problem+json answer naming
 * every offending field.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return
      const errors = result.error.issues.map((issue) => ({ field: fieldOf(issue.path), message: friendlyMessage(issue) }))
      const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ')
      throw new AppError('validation_failed', detail, { errors })
    },
  })
}
