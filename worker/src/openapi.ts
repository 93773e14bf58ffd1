/**
 * The API's OpenAPI plumbing: the router, and the short way to declare a route.
 *
 * ```ts
 * const createRoleRoute = route.post('/accounts/{id}/roles', 'createRole', requirePermission('roles.manage'), {
 *   request: { params: AccountParam, body: body(RoleBody) }, responses: { 201: json(z.object({ role: RoleView }), 'Created'), ...problems(409) },
 * })
 *
 * export const roles = createRouter('Roles')         // the tag of every route it registers
 *   .openapi(createRoleRoute, async (c) => c.json({ role: … }, 201))   // c.req.valid('json'), c.var.access: typed
 * ```
 *
 * A router file opens with its declarations, its whole contract in one place, and registers the handlers below.
 *
 * A declaration states only what is particular to its route: method, path, operation id, the guard
 * (one middleware, or a list: `[requireAccount(), memberSettings()]`; none on public routes) and the contract.
 * What the operation does, its summary and description, is written once in `operations.json`, keyed
 * by the operation id (decision 032): an id without words there does not compile. Implied, and added to `responses`:
 * - the problems its guards may answer — each guard says which (`answers(middleware, 401, 403, 404)`:
 *   `requireSignIn()` 401, `requireAccount()` 401/404, `requirePermission(rule)` 401/403/404);
 * - 400 when the route reads a body or a query (their validation failures name the field).
 * Write `...problems(…)` only for the rest (409, 422, 429, …). `tags` overrides the router's tag.
 */
import { createRoute, OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from './env.ts'
import { AppError } from './errors.ts'
import operations from './operations.json'
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

/** An operation the API documents: a key of `operations.json`. */
export type OperationId = keyof typeof operations

/** What a route states about its request and answers; the rest is implied (see the top of this file). */
export interface Contract {
  tags?: string[]
  request?: RouteConfig['request']
  responses: RouteConfig['responses']
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'

/** The route `createRoute` would make of the full declaration. */
type Declared<M extends Method, P extends string, G, C extends Contract> = {
  method: M
  path: P
  operationId: string
  tags: string[] | undefined
  summary: string
  description: string
  middleware: GuardList<G>
  request: C extends { request: infer Q } ? Q : undefined
  responses: C['responses'] & { [S in Exclude<400 | 401 | 403 | 404, keyof C['responses']>]: typeof problemResponse }
}

function declare(method: Method, path: string, operationId: OperationId, guard: Guards | undefined, c: Contract) {
  const guards = (guard === undefined ? [] : Array.isArray(guard) ? guard : [guard]) as Middleware[]
  const implied = guards.flatMap((g) => (g as Answering).problems ?? [])
  if (c.request?.body || c.request?.query) implied.push(400)
  const { summary, description } = operations[operationId]
  return createRoute({
    method,
    path,
    operationId,
    middleware: guards,
    tags: c.tags,
    summary,
    description,
    request: c.request,
    responses: { ...c.responses, ...problems(...implied) },
  })
}

function declarer<M extends Method>(method: M) {
  function declared<P extends string, const C extends Contract>(path: P, operationId: OperationId, contract: C): Declared<M, P, undefined, C>
  function declared<P extends string, const G extends Guards, const C extends Contract>(path: P, operationId: OperationId, guard: G, contract: C): Declared<M, P, G, C>
  function declared(path: string, operationId: OperationId, guardOrContract: Guards | Contract, contract?: Contract): unknown {
    return contract ? declare(method, path, operationId, guardOrContract as Guards, contract) : declare(method, path, operationId, undefined, guardOrContract as Contract)
  }
  return declared
}

/** Route declarations: `route.get(path, operationId, guard?, contract)` and the other methods (see the top of this file). */
export const route = { get: declarer('get'), post: declarer('post'), put: declarer('put'), patch: declarer('patch'), delete: declarer('delete') }
