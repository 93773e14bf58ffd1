/**
 * The API's OpenAPI plumbing: the router, and the short way to declare a route.
 *
 * ```ts
 * export const roles = createRouter('Roles')         // the tag of every route it registers
 *   .openapi(
 *     route.post('/accounts/{id}/roles', {
 *       operationId: 'createRole',
 *       guard: requirePermission('roles.manage'),    // or a list: [requireAccount(), memberSettings()]
 *       summary: 'Create a custom role',
 *       description: 'Needs `roles.manage`. …',
 *       request: { params: AccountParam, body: body(RoleBody) },
 *       responses: { 201: json(z.object({ role: RoleView }), 'Created'), ...problems(409) },
 *     }),
 *     async (c) => c.json({ role: … }, 201),          // c.req.valid('json'), c.var.access: typed as before
 *   )
 * ```
 *
 * A declaration states only what is particular to its route. Implied, and added to `responses`:
 * - the problems its guards may answer — each guard says which (`answers(middleware, 401, 403, 404)`:
 *   `requireSignIn()` 401, `requireAccount()` 401/404, `requirePermission(rule)` 401/403/404);
 * - 400 when the route reads a body or a query (their validation failures name the field).
 * Write `...problems(…)` only for the rest (409, 422, 429, …). `tags` overrides the router's tag.
 */
import { createRoute, OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from './env.ts'
import { AppError } from './errors.ts'
import { friendlyMessage } from './validation-messages.ts'

/** Dotted path of a zod issue (`roles.0`); `body` when the issue is about the whole value. */
function fieldOf(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : 'body'
}

/**
 * A router whose validation failures become one problem+json answer naming
 * every offending field; the routes it registers without `tags` get `tag`.
 */
export function createRouter(tag?: string) {
  const router = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return
      const errors = result.error.issues.map((issue) => ({ field: fieldOf(issue.path), message: friendlyMessage(issue) }))
      // The detail is English whatever the request's language; the field messages are not.
      const detail = result.error.issues.map((issue) => `${fieldOf(issue.path)}: ${friendlyMessage(issue, 'en')}`).join('; ')
      throw new AppError('validation_failed', detail, { errors })
    },
  })
  if (tag) {
    const register = router.openapi
    router.openapi = (r, handler, hook) => register({ ...r, tags: r.tags ?? [tag] }, handler, hook)
  }
  return router
}

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    /** The detail in the request's language, when that is not English and the API has its words (`detail` stays English). */
    message: z.string().optional(),
    /** `rate_limited`: seconds until the next attempt is allowed (also the Retry-After header). */
    retryAfter: z.number().optional(),
    /** `wrong_portal`: the address of the portal where this login or invitation belongs. */
    portal: z.string().optional(),
    /** `review_stale` and refused removals of an access review: the ids of the lines concerned. */
    lines: z.array(z.string()).optional(),
  })
  .openapi('Problem')

const problemResponse = { description: 'Problem', content: { 'application/problem+json': { schema: Problem } } }

/** Response entries for problems a route may answer. */
export const problems = <const S extends number[]>(...statuses: S) =>
  Object.fromEntries(statuses.map((s) => [s, problemResponse])) as { [K in S[number]]: typeof problemResponse }

/** A JSON response of `schema`. */
export const json = <S extends z.ZodType>(schema: S, description: string) => ({ description, content: { 'application/json': { schema } } })

/** A required JSON request body of `schema`. */
export const body = <S extends z.ZodType>(schema: S) => ({ required: true as const, content: { 'application/json': { schema } } })

type Middleware = MiddlewareHandler<any, any, any>
type Answering = { problems?: readonly number[] }

/** Marks a guard middleware with the problems it may answer, for the routes that declare it. */
export function answers<M extends Middleware>(middleware: M, ...statuses: number[]): M {
  return Object.assign(middleware, { problems: statuses })
}

type Guards = Middleware | readonly [Middleware, ...Middleware[]]
type GuardList<G> = G extends readonly [...infer L] ? L : G extends Middleware ? [G] : []

/** What a route states about itself; everything else is implied (see the top of this file). */
export interface Declaration {
  operationId: string
  summary: string
  description: string
  guard?: Guards
  tags?: string[]
  request?: RouteConfig['request']
  responses: RouteConfig['responses']
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'

/** The route `createRoute` would make of the full declaration. */
type Declared<M extends Method, P extends string, D extends Declaration> = {
  method: M
  path: P
  operationId: string
  tags: string[] | undefined
  summary: string
  description: string
  middleware: GuardList<D['guard']>
  request: D extends { request: infer Q } ? Q : undefined
  responses: D['responses'] & { [S in Exclude<400 | 401 | 403 | 404, keyof D['responses']>]: typeof problemResponse }
}

function declare<M extends Method, P extends string, D extends Declaration>(method: M, path: P, d: D) {
  const guards = (d.guard === undefined ? [] : Array.isArray(d.guard) ? d.guard : [d.guard]) as Middleware[]
  const implied = guards.flatMap((g) => (g as Answering).problems ?? [])
  if (d.request?.body || d.request?.query) implied.push(400)
  const route = {
    method,
    path,
    operationId: d.operationId,
    middleware: guards,
    tags: d.tags,
    summary: d.summary,
    description: d.description,
    request: d.request,
    responses: { ...d.responses, ...problems(...implied) },
  }
  return createRoute(route) as unknown as Declared<M, P, D> & { getRoutingPath(): string }
}

const declarer =
  <M extends Method>(m: M) =>
  <P extends string, const D extends Declaration>(path: P, d: D) =>
    declare(m, path, d)

/** Route declarations: `route.get(path, declaration)` and the other methods (see the top of this file). */
export const route = { get: declarer('get'), post: declarer('post'), put: declarer('put'), patch: declarer('patch'), delete: declarer('delete') }
