/**
 * The only way the web app talks to the API worker: typed calls through the
 * `API` service binding that forward the session cookie, stamp the client IP,
 * send the Origin the API's CSRF check expects, relay any cookie the API sets
 * (login, sliding session expiry, logout) to the browser, and validate every
 * answer before the app sees it.
 */
import { error, redirect, type RequestEvent } from '@sveltejs/kit'
import { z } from 'zod'
import type { Problem, ServiceFilters, ServiceStatus, ServiceType } from '$lib/types'

export const SESSION_COOKIE = 'trellis_session'

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** A parsed answer, or the API's problem (also used for network and shape failures). */
export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; problem: Problem }

const kind = z.enum(['platform', 'reseller', 'customer'])
const status = z.enum(['active', 'disabled', 'deleted'])
const level = z.enum(['owner', 'admin', 'user'])

export const User = z.object({ id: z.string(), email: z.string(), name: z.string() })
const Account = z.object({
  id: z.string(),
  name: z.string(),
  kind,
  status,
  path: z.string(),
  parentId: z.string().nullable(),
  createdAt: z.number().optional(),
  pageViewLogging: z.boolean().nullable().optional(),
})
const MemberAccount = z.object({
  id: z.string(),
  name: z.string(),
  kind,
  path: z.string(),
  status,
  level,
  parent: z.object({ id: z.string(), name: z.string() }).nullable(),
  /** Names of the roles held there (issue 5; absent from older answers). */
  roles: z.array(z.string()).optional(),
})
export const Impersonation = z.object({
  id: z.string(),
  impersonator: User,
  target: User,
  accountId: z.string(),
  accountName: z.string(),
  reason: z.string(),
  startedAt: z.number(),
  expiresAt: z.number(),
})

export const Scope = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('none') }),
  z.object({ mode: z.literal('all') }),
  z.object({ mode: z.literal('selected'), services: z.array(z.string()), groups: z.array(z.string()) }),
  z.object({ mode: z.literal('tagged'), tags: z.array(z.string()) }),
])
const Member = z.object({
  id: z.string(),
  user: User,
  level,
  roles: z.array(z.object({ id: z.string(), name: z.string(), builtin: z.boolean() })),
  scope: Scope,
  createdAt: z.number(),
  self: z.boolean(),
})
const Role = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  permissions: z.array(z.string()),
  builtin: z.boolean(),
  members: z.number(),
  heldByUsers: z.boolean().default(false),
})
const serviceType = z.enum(['hosting', 'domain', 'server', 'mailbox', 'dns_zone', 'broadband'])
const serviceStatus = z.enum(['active', 'suspended', 'pending', 'expired'])
const Service = z.object({
  id: z.string(),
  account: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
  type: serviceType,
  name: z.string(),
  status: serviceStatus,
  expiresAt: z.number().nullable(),
  group: z.object({ id: z.string(), name: z.string() }).nullable(),
  tags: z.array(z.string()),
  partnerAccess: z.boolean(),
  lastAction: z.object({ action: z.string(), at: z.number() }).nullable(),
  createdAt: z.number(),
})
const ServiceWithAllowed = z.object({
  service: Service,
  allowed: z.object({ manage: z.boolean(), operate: z.boolean(), partnerAccess: z.boolean(), consentRequired: z.boolean() }),
})

const Party = z.object({ id: z.string(), email: z.string() }).nullable()
const ActivityEvent = z.object({
  seq: z.number(),
  id: z.string(),
  time: z.number(),
  accountId: z.string(),
  accountPath: z.string(),
  // A string, not the known list: a type added to the API later shows with a generic label instead of failing the page.
  type: z.string(),
  kind: z.enum(['action', 'page_view']),
  actor: Party,
  impersonator: Party,
  subject: Party,
  target: z.object({ kind: z.string(), id: z.string(), label: z.string() }).nullable(),
  description: z.string(),
  ip: z.string(),
  userAgent: z.string(),
})
const Category = z.enum(['technical', 'financial', 'security', 'user-rights'])

type ScopeInput = z.infer<typeof Scope>

/**
 * The activity filters as the API takes them: `type` comma-separated, `kind=all`
 * with page views, `from`/`to` in epoch milliseconds.
 */
export interface ActivityQuery {
  q?: string
  actor?: string
  types?: string[]
  views?: boolean
  from?: number
  to?: number
}

/** The query string of an activity filter (without limit and cursor). */
export function activityQuery(filters: ActivityQuery): URLSearchParams {
  const query = new URLSearchParams()
  if (filters.q) query.set('q', filters.q)
  if (filters.actor) query.set('actor', filters.actor)
  if (filters.types?.length) query.set('type', filters.types.join(','))
  if (filters.views) query.set('kind', 'all')
  if (filters.from !== undefined) query.set('from', String(filters.from))
  if (filters.to !== undefined) query.set('to', String(filters.to))
  return query
}

/** The body of creating a service. */
export interface NewService {
  type: ServiceType
  name: string
  status?: ServiceStatus
  expiresAt?: number | null
  groupId?: string | null
  tags?: string[]
  partnerAccess?: boolean
}

const PublicBrand = z.object({
  name: z.string(),
  logoUrl: z.string().nullable(),
  primaryColor: z.string(),
  accentColor: z.string(),
  supportEmail: z.string().nullable(),
  supportUrl: z.string().nullable(),
  loginMessage: z.string().nullable(),
  resellerId: z.string().nullable(),
})
const Hostname = z.object({
  id: z.string(),
  hostname: z.string(),
  customer: z.object({ id: z.string(), name: z.string() }).nullable(),
  status: z.enum(['pending', 'verified']),
  record: z.object({ type: z.literal('TXT'), name: z.string(), value: z.string() }),
  createdAt: z.number(),
  verifiedAt: z.number().nullable(),
  /** When a pending claim lapses unless verified; null once verified. */
  expiresAt: z.number().nullable().default(null),
})

/** A portal hostname as the Domains page shows it. */
export type HostnameView = z.infer<typeof Hostname>

/** The editable fields of a brand. */
export interface BrandFields {
  name: string
  primaryColor: string
  accentColor: string
  supportEmail: string | null
  supportUrl: string | null
  loginMessage: string | null
}

const schemas = {
  brand: z.object({ brand: PublicBrand }),
  accountBrand: z.object({ brand: PublicBrand, custom: z.boolean(), updatedAt: z.number().nullable() }),
  hostnames: z.object({ items: z.array(Hostname), devTools: z.boolean() }),
  hostname: z.object({ hostname: Hostname }),
  login: z.object({ user: User }),
  me: z.object({
    user: User,
    accounts: z.array(MemberAccount),
    // Issue 5: the account `/` returns to, and the impersonation this session is in (absent before the API sends them).
    lastAccountId: z.string().nullable().optional(),
    impersonation: Impersonation.nullable().optional(),
  }),
  account: z.object({
    account: Account,
    access: z.object({ level, viaAccountId: z.string(), inherited: z.boolean() }),
  }),
  // Each child carries its owner and, when disabled, the reason.
  children: z.object({
    items: z.array(
      Account.extend({
        owner: z.object({ id: z.string(), email: z.string(), name: z.string() }).nullable().optional(),
        statusReason: z.string().nullable().optional(),
      }),
    ),
    nextCursor: z.string().nullable(),
  }),
  menu: z.object({
    items: z.array(
      z.object({ key: z.string(), label: z.string(), icon: z.string(), path: z.string(), actions: z.array(z.string()).optional() }),
    ),
  }),
  members: z.object({
    items: z.array(Member),
    admins: z.object({ count: z.number(), cap: z.number() }),
    me: z.object({ level, scope: Scope, inherited: z.boolean(), permissions: z.array(z.string()) }),
  }),
  member: z.object({ member: Member }),
  roles: z.object({ items: z.array(Role) }),
  role: z.object({ role: Role }),
  services: z.object({ items: z.array(Service), nextCursor: z.string().nullable() }),
  facets: z.object({
    groups: z.array(z.object({ id: z.string(), name: z.string(), accountId: z.string(), accountName: z.string() })),
    tags: z.array(z.string()),
  }),
  service: ServiceWithAllowed,
  catalogue: z.object({
    sections: z.array(
      z.object({
        key: z.string(),
        label: z.string(),
        icon: z.string(),
        path: z.string(),
        category: Category,
        tiers: z.array(kind),
        actions: z.array(z.string()),
      }),
    ),
  }),
  activity: z.object({ items: z.array(ActivityEvent), nextCursor: z.string().nullable() }),
  histogram: z.object({
    from: z.number(),
    to: z.number(),
    buckets: z.array(z.object({ hour: z.number(), kind: z.string(), count: z.number() })),
  }),
  verification: z.object({
    ok: z.boolean(),
    checked: z.number(),
    firstBroken: z.object({ seq: z.number(), id: z.string(), position: z.number() }).nullable(),
  }),
}

const ProblemShape = z.object({
  type: z.string().default('about:blank'),
  title: z.string().default('Error'),
  status: z.number().int(),
  detail: z.string().default(''),
  code: z.string().default('unknown'),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  retryAfter: z.number().optional(),
  /** `wrong_portal`: the address of the portal where this login belongs. */
  portal: z.string().optional(),
})

function localProblem(status: number, code: string, detail: string): Problem {
  return { type: 'about:blank', title: 'Error', status, code, detail }
}

/** The browser's cookie header, with the session cookie as this request now knows it (it may have just been set or cleared). */
function cookieHeader(event: RequestEvent): string {
  const pairs = (event.request.headers.get('cookie') ?? '')
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith(`${SESSION_COOKIE}=`))
  const session = event.cookies.get(SESSION_COOKIE, { decode: (v) => v })
  if (session) pairs.push(`${SESSION_COOKIE}=${session}`)
  return pairs.join('; ')
}

/** Copy a Set-Cookie line from the API onto the browser's response, keeping value and expiry. */
function relayCookie(event: RequestEvent, line: string) {
  const [pair = '', ...attributes] = line.split(';').map((part) => part.trim())
  const eq = pair.indexOf('=')
  if (eq <= 0) return
  const name = pair.slice(0, eq)
  const value = pair.slice(eq + 1)
  let expires: Date | undefined
  let maxAge: number | undefined
  let path = '/'
  // The API decides Secure from the deployment (HTTPS_ONLY), not only from this request's scheme.
  let secure = event.url.protocol === 'https:'
  for (const attribute of attributes) {
    const [key = '', ...rest] = attribute.split('=')
    const val = rest.join('=')
    switch (key.toLowerCase()) {
      case 'expires': {
        const date = new Date(val)
        if (!Number.isNaN(date.getTime())) expires = date
        break
      }
      case 'max-age':
        maxAge = Number(val)
        break
      case 'path':
        path = val || '/'
        break
      case 'secure':
        secure = true
        break
    }
  }
  const expired = value === '' || maxAge === 0 || (expires !== undefined && expires.getTime() <= Date.now())
  const options = {
    path,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure,
    // The API already encoded the value; keep it byte for byte.
    encode: (v: string) => v,
  }
  if (expired) event.cookies.delete(name, options)
  else event.cookies.set(name, value, { ...options, expires, maxAge })
}

/** One API call: the building block of `api()` and of feature modules (lib/server/access.ts). */
export async function call<S extends z.ZodType>(
  event: RequestEvent,
  method: Method,
  path: string,
  schema: S | null,
  body?: unknown,
  /** A non-JSON body (a logo upload) with its content type. */
  raw?: { bytes: ArrayBuffer; type: string },
): Promise<ApiResult<z.infer<S>>> {
  const binding = event.platform?.env?.API
  if (!binding) return { ok: false, status: 503, problem: localProblem(503, 'api_unavailable', 'The API is not reachable.') }

  const headers = new Headers({ accept: 'application/json', 'x-trellis-client-ip': event.getClientAddress() })
  const cookie = cookieHeader(event)
  if (cookie) headers.set('cookie', cookie)
  const userAgent = event.request.headers.get('user-agent')
  if (userAgent) headers.set('user-agent', userAgent)
  if (method !== 'GET') headers.set('origin', event.url.origin)
  if (raw) headers.set('content-type', raw.type)
  else if (body !== undefined) headers.set('content-type', 'application/json')

  let response: Response
  try {
    response = await binding.fetch(
      // event.url.origin, not event.url: reading the whole URL would make every load re-run on any navigation.
      new Request(new URL(path, event.url.origin), {
        method,
        headers,
        body: raw ? raw.bytes : body === undefined ? undefined : JSON.stringify(body),
      }),
    )
  } catch (cause) {
    console.error(`API ${method} ${path} failed`, cause)
    return { ok: false, status: 503, problem: localProblem(503, 'api_unavailable', 'The API is not reachable.') }
  }

  for (const line of response.headers.getSetCookie()) relayCookie(event, line)

  if (response.status === 204 || schema === null) {
    if (response.ok) return { ok: true, status: response.status, data: undefined as z.infer<S> }
  }
  let json: unknown = undefined
  try {
    json = await response.json()
  } catch {
    // fall through: a body that is not JSON is handled below
  }
  if (!response.ok) {
    const parsed = ProblemShape.safeParse(json)
    const problem = parsed.success
      ? parsed.data
      : localProblem(response.status, 'unexpected_response', 'The API answered with an error.')
    return { ok: false, status: response.status, problem: { ...problem, status: response.status } }
  }
  const parsed = schema!.safeParse(json)
  if (!parsed.success) {
    console.error(`API ${method} ${path} answered an unexpected shape`, parsed.error.issues)
    return { ok: false, status: 502, problem: localProblem(502, 'unexpected_response', 'The API answered unexpectedly.') }
  }
  return { ok: true, status: response.status, data: parsed.data }
}

/** The API, bound to one request. */
export function api(event: RequestEvent) {
  const id = (accountId: string) => encodeURIComponent(accountId)
  return {
    login: (credentials: { email: string; password: string }) =>
      call(event, 'POST', '/api/v1/auth/login', schemas.login, credentials),
    logout: () => call(event, 'POST', '/api/v1/auth/logout', null),
    me: () => call(event, 'GET', '/api/v1/me', schemas.me),
    account: (accountId: string) => call(event, 'GET', `/api/v1/accounts/${id(accountId)}`, schemas.account),
    menu: (accountId: string) => call(event, 'GET', `/api/v1/accounts/${id(accountId)}/menu`, schemas.menu),
    updateAccount: (accountId: string, body: { pageViewLogging?: boolean }) =>
      call(event, 'PATCH', `/api/v1/accounts/${id(accountId)}`, schemas.account, body),
    catalogue: () => call(event, 'GET', '/api/v1/catalogue', schemas.catalogue),
    children: (accountId: string, page: { limit?: number; cursor?: string | null } = {}) => {
      const query = new URLSearchParams({ limit: String(page.limit ?? 50) })
      if (page.cursor) query.set('cursor', page.cursor)
      return call(event, 'GET', `/api/v1/accounts/${id(accountId)}/children?${query}`, schemas.children)
    },

    members: (accountId: string) => call(event, 'GET', `/api/v1/accounts/${id(accountId)}/members`, schemas.members),
    updateMember: (accountId: string, memberId: string, body: { level?: 'admin' | 'user'; roles?: string[]; scope?: ScopeInput }) =>
      call(event, 'PATCH', `/api/v1/accounts/${id(accountId)}/members/${id(memberId)}`, schemas.member, body),
    removeMember: (accountId: string, memberId: string) =>
      call(event, 'DELETE', `/api/v1/accounts/${id(accountId)}/members/${id(memberId)}`, null),

    roles: (accountId: string) => call(event, 'GET', `/api/v1/accounts/${id(accountId)}/roles`, schemas.roles),
    createRole: (accountId: string, body: { name: string; description: string; permissions: string[] }) =>
      call(event, 'POST', `/api/v1/accounts/${id(accountId)}/roles`, schemas.role, body),
    updateRole: (accountId: string, roleId: string, body: { name?: string; description?: string; permissions?: string[] }) =>
      call(event, 'PATCH', `/api/v1/accounts/${id(accountId)}/roles/${id(roleId)}`, schemas.role, body),
    deleteRole: (accountId: string, roleId: string) =>
      call(event, 'DELETE', `/api/v1/accounts/${id(accountId)}/roles/${id(roleId)}`, null),

    services: (accountId: string, filters: ServiceFilters = {}, page: { limit?: number; cursor?: string | null } = {}) => {
      const query = new URLSearchParams({ limit: String(page.limit ?? 50) })
      if (filters.q) query.set('q', filters.q)
      if (filters.type) query.set('type', filters.type)
      if (filters.status) query.set('status', filters.status)
      if (filters.group) query.set('group', filters.group)
      if (filters.tag) query.set('tag', filters.tag)
      if (filters.expiringWithin) query.set('expiring_within', String(filters.expiringWithin))
      if (page.cursor) query.set('cursor', page.cursor)
      return call(event, 'GET', `/api/v1/accounts/${id(accountId)}/services?${query}`, schemas.services)
    },
    serviceFacets: (accountId: string) => call(event, 'GET', `/api/v1/accounts/${id(accountId)}/services/facets`, schemas.facets),
    service: (accountId: string, serviceId: string) =>
      call(event, 'GET', `/api/v1/accounts/${id(accountId)}/services/${id(serviceId)}`, schemas.service),
    createService: (accountId: string, body: NewService) =>
      call(event, 'POST', `/api/v1/accounts/${id(accountId)}/services`, schemas.service, body),
    updateService: (
      accountId: string,
      serviceId: string,
      body: { name?: string; status?: ServiceStatus; expiresAt?: number | null; groupId?: string | null; tags?: string[] },
    ) => call(event, 'PATCH', `/api/v1/accounts/${id(accountId)}/services/${id(serviceId)}`, schemas.service, body),
    deleteService: (accountId: string, serviceId: string) =>
      call(event, 'DELETE', `/api/v1/accounts/${id(accountId)}/services/${id(serviceId)}`, null),
    restartService: (accountId: string, serviceId: string) =>
      call(event, 'POST', `/api/v1/accounts/${id(accountId)}/services/${id(serviceId)}/actions/restart`, schemas.service, {}),
    renameService: (accountId: string, serviceId: string, name: string) =>
      call(event, 'POST', `/api/v1/accounts/${id(accountId)}/services/${id(serviceId)}/actions/rename`, schemas.service, { name }),
    setPartnerAccess: (accountId: string, serviceId: string, enabled: boolean) =>
      call(event, 'PUT', `/api/v1/accounts/${id(accountId)}/services/${id(serviceId)}/partner-access`, schemas.service, { enabled }),

    activity: (accountId: string, filters: ActivityQuery = {}, page: { limit?: number; cursor?: string | null } = {}) => {
      const query = activityQuery(filters)
      query.set('limit', String(page.limit ?? 50))
      if (page.cursor) query.set('cursor', page.cursor)
      return call(event, 'GET', `/api/v1/accounts/${id(accountId)}/activity?${query}`, schemas.activity)
    },
    activityHistogram: (accountId: string, filters: ActivityQuery = {}) =>
      call(event, 'GET', `/api/v1/accounts/${id(accountId)}/activity/histogram?${activityQuery(filters)}`, schemas.histogram),
    verifyActivity: (accountId: string) => call(event, 'GET', `/api/v1/accounts/${id(accountId)}/activity/verify`, schemas.verification),

    brand: () => call(event, 'GET', '/api/v1/brand', schemas.brand),
    accountBrand: (accountId: string) => call(event, 'GET', `/api/v1/accounts/${id(accountId)}/brand`, schemas.accountBrand),
    saveBrand: (accountId: string, body: BrandFields) => call(event, 'PUT', `/api/v1/accounts/${id(accountId)}/brand`, schemas.accountBrand, body),
    uploadLogo: (accountId: string, file: { bytes: ArrayBuffer; type: string }) =>
      call(event, 'PUT', `/api/v1/accounts/${id(accountId)}/brand/logo`, schemas.accountBrand, undefined, file),
    removeLogo: (accountId: string) => call(event, 'DELETE', `/api/v1/accounts/${id(accountId)}/brand/logo`, schemas.accountBrand),
    hostnames: (accountId: string) => call(event, 'GET', `/api/v1/accounts/${id(accountId)}/hostnames`, schemas.hostnames),
    addHostname: (accountId: string, body: { hostname: string; customerAccountId: string | null }) =>
      call(event, 'POST', `/api/v1/accounts/${id(accountId)}/hostnames`, schemas.hostname, body),
    verifyHostname: (accountId: string, hostnameId: string, dev = false) =>
      call(event, 'POST', `/api/v1/accounts/${id(accountId)}/hostnames/${id(hostnameId)}/${dev ? 'dev-verify' : 'verify'}`, schemas.hostname),
    removeHostname: (accountId: string, hostnameId: string) =>
      call(event, 'DELETE', `/api/v1/accounts/${id(accountId)}/hostnames/${id(hostnameId)}`, null),
  }
}

/** True when the browser sends a session cookie (it may still be expired). */
export function hasSession(event: RequestEvent): boolean {
  return Boolean(event.cookies.get(SESSION_COOKIE))
}

/** The sign-in page, coming back to the current page afterwards. */
export function loginUrl(event: RequestEvent): string {
  const here = event.url.pathname + event.url.search
  return here === '/' ? '/login' : `/login?next=${encodeURIComponent(here)}`
}

/**
 * The data of a successful answer; otherwise the matching SvelteKit outcome:
 * 401 → sign in again, 404 → the not-found page (`notFound` names the thing),
 * anything else → an error page with the API's explanation.
 */
export function unwrap<T>(event: RequestEvent, result: ApiResult<T>, notFound = 'Not found'): T {
  if (result.ok) return result.data
  if (result.status === 401) redirect(303, loginUrl(event))
  if (result.status === 404) error(404, notFound)
  error(result.status >= 500 ? 502 : result.status, result.problem.detail || 'Something went wrong.')
}
