/**
 * The only way the web app talks to the API worker: calls typed by the API's
 * own contract (lib/api/openapi.ts, generated from its OpenAPI document;
 * decision record 012) through the `API` service binding. Each call forwards
 * the session cookie, stamps the client IP, sends the Origin the API's CSRF
 * check expects and relays any cookie the API sets (login, sliding session
 * expiry, logout) to the browser; a refusal arrives as the API's problem.
 */
import { error, json, redirect, type RequestEvent } from '@sveltejs/kit'
import createClient, { type Client, type Middleware } from 'openapi-fetch'
import type { paths } from '$lib/api/openapi'
import type { BodyOf, Problem, QueryOf, ServerActionName, ServiceFilters } from '$lib/types'
import { m } from '$lib/paraglide/messages.js'
import { problemMessage } from '$lib/problem'

export const SESSION_COOKIE = 'trellis_session'

/** A successful answer's data, or the API's problem (also used when the API cannot be reached or answers nonsense). */
export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; problem: Problem }

/** A problem of the web app's own: its sentence, drawn in the page's language, is both title and detail. */
function localProblem(status: number, code: string, detail: string): Problem {
  return { type: 'about:blank', title: detail, status, code, detail }
}

const unreachable = () => ({ ok: false as const, status: 503, problem: localProblem(503, 'api_unavailable', m.common_api_unreachable()) })

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

/** Send one request to the API worker as this browser, and relay the cookies it sets. */
async function send(event: RequestEvent, request: Request): Promise<Response> {
  const binding = event.platform?.env?.API
  if (!binding) throw new Error('The API service binding is missing.')
  const headers = new Headers(request.headers)
  headers.set('accept', 'application/json')
  headers.set('x-trellis-client-ip', event.getClientAddress())
  for (const [name, value] of [['x-trellis-client-country', event.platform?.cf?.country], ['x-trellis-client-city', event.platform?.cf?.city]] as const) {
    if (typeof value === 'string' && value) headers.set(name, encodeURIComponent(value).slice(0, 160))
    else headers.delete(name)
  }
  const cookie = cookieHeader(event)
  if (cookie) headers.set('cookie', cookie)
  const userAgent = event.request.headers.get('user-agent')
  if (userAgent) headers.set('user-agent', userAgent)
  // Problem titles come back in the page's language (the API resolves it the same way; decision 034).
  if (event.locals.locale) headers.set('accept-language', event.locals.locale)
  if (request.method !== 'GET') headers.set('origin', event.url.origin)
  const response = await binding.fetch(new Request(request, { headers }))
  for (const line of response.headers.getSetCookie()) relayCookie(event, line)
  return response
}

/** The typed client of the API for one request: `client(event).GET('/api/v1/me')`. */
export function client(event: RequestEvent): Client<paths> {
  return createClient<paths>({
    // event.url.origin, not event.url: reading the whole URL would make every load re-run on any navigation.
    baseUrl: event.url.origin,
    redirect: 'manual',
    fetch: (request) => send(event, request),
  })
}

/** A GET outside the contract (the development tools under /api/dev), as an unchecked ApiResult. */
export function untypedGet(event: RequestEvent, path: string): Promise<ApiResult<unknown>> {
  const answer = send(event, new Request(new URL(path, event.url.origin))).then(async (response) =>
    response.ok ? { data: (await response.json()) as unknown, response } : { error: await response.json().catch(() => undefined), response },
  )
  return settle(`GET ${path}`, answer)
}

function isProblem(value: unknown): value is Problem {
  const v = value as Record<string, unknown> | null
  return typeof v === 'object' && v !== null && typeof v.code === 'string' && typeof v.detail === 'string'
}

/**
 * An openapi-fetch answer as an ApiResult: the data of a 2xx, else the API's
 * problem (with the answer's status). A failed connection or a body that is
 * not JSON becomes a local problem, logged with `what`.
 */
export async function settle<T>(
  what: string,
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<ApiResult<T>> {
  let answer: Awaited<typeof call>
  try {
    answer = await call
  } catch (cause) {
    console.error(`API ${what} failed`, cause)
    // A success whose body is not JSON: the API answered, but not as its contract says.
    if (cause instanceof SyntaxError) return { ok: false, status: 502, problem: localProblem(502, 'unexpected_response', m.common_api_unexpected()) }
    return unreachable()
  }
  const { status } = answer.response
  if (answer.response.ok) return { ok: true, status, data: answer.data as T }
  const problem = isProblem(answer.error)
    ? { ...answer.error, type: answer.error.type ?? 'about:blank', title: answer.error.title ?? m.common_error_title() }
    : localProblem(status, 'unexpected_response', m.common_api_error())
  return { ok: false, status, problem: { ...problem, status } }
}

/** A request body that is not JSON (a logo is the image itself), with its content type. */
function rawBody(file: { bytes: ArrayBuffer; type: string }): Middleware {
  return {
    onRequest: ({ request }) => {
      const headers = new Headers(request.headers)
      headers.set('content-type', file.type)
      return new Request(request, { body: file.bytes, headers })
    },
  }
}

type Page = { limit?: number; cursor?: string | null }
const page = (p: Page, fallback = 50) => ({ limit: p.limit ?? fallback, ...(p.cursor ? { cursor: p.cursor } : {}) })

/** The activity filters as the API takes them: `type` comma-separated, `kind=all` with page views, `from`/`to` in epoch milliseconds. */
export interface ActivityQuery {
  q?: string
  actor?: string
  types?: string[]
  views?: boolean
  from?: number
  to?: number
}

type ActivityParams = Omit<QueryOf<'/api/v1/accounts/{id}/activity', 'get'>, 'limit' | 'cursor' | 'kind'> & { kind?: 'action' | 'all' }

/** The API's query parameters of an activity filter (without limit and cursor). */
function activityParams(filters: ActivityQuery): ActivityParams {
  return {
    ...(filters.q ? { q: filters.q } : {}),
    ...(filters.actor ? { actor: filters.actor } : {}),
    ...(filters.types?.length ? { type: filters.types.join(',') } : {}),
    ...(filters.views ? { kind: 'all' as const } : {}),
    ...(filters.from !== undefined ? { from: String(filters.from) } : {}),
    ...(filters.to !== undefined ? { to: String(filters.to) } : {}),
  }
}

/** The query string of an activity filter (without limit and cursor), for export links and the live socket. */
export function activityQuery(filters: ActivityQuery): URLSearchParams {
  return new URLSearchParams(Object.entries(activityParams(filters)).map(([k, v]) => [k, String(v)]))
}

/** `/me` asked once per request and session: the root and account layouts both need it, in parallel. */
const meOfRequest = new WeakMap<object, { session: string | undefined; answer: Promise<unknown> }>()

/** The API, bound to one request. */
export function api(event: RequestEvent) {
  const c = client(event)
  const account = (id: string) => ({ params: { path: { id } } })
  const me = () => settle('me', c.GET('/api/v1/me'))
  return {
    login: (body: BodyOf<'/api/v1/auth/login', 'post'>) => settle('login', c.POST('/api/v1/auth/login', { body })),
    logout: () => settle('logout', c.POST('/api/v1/auth/logout')),
    me: () => {
      const session = event.cookies.get(SESSION_COOKIE)
      const asked = meOfRequest.get(event.locals)
      if (asked && asked.session === session) return asked.answer as ReturnType<typeof me>
      const answer = me()
      meOfRequest.set(event.locals, { session, answer })
      return answer
    },
    account: (id: string) => settle('account', c.GET('/api/v1/accounts/{id}', account(id))),
    menu: (id: string) => settle('menu', c.GET('/api/v1/accounts/{id}/menu', account(id))),
    updateAccount: (id: string, body: BodyOf<'/api/v1/accounts/{id}', 'patch'>) =>
      settle('update account', c.PATCH('/api/v1/accounts/{id}', { ...account(id), body })),
    catalogue: () => settle('catalogue', c.GET('/api/v1/catalogue')),
    signupAvailability: () => settle('sign-up availability', c.GET('/api/v1/signup')),
    requestSignup: (body: { email: string; name: string; password: string; organisationName: string }) => settle('sign up', c.POST('/api/v1/signup', { body })),
    previewSignup: (token: string) => settle('sign-up link', c.GET('/api/v1/signup/{token}', { params: { path: { token } } })),
    completeSignup: (token: string) => settle('finish sign-up', c.POST('/api/v1/signup/{token}/complete', { params: { path: { token } } })),
    signupSettings: (id: string) => settle('sign-up settings', c.GET('/api/v1/accounts/{id}/signup-settings', account(id))),
    updateSignupSettings: (id: string, mode: 'off' | 'approval' | 'open') => settle('save sign-up settings', c.PUT('/api/v1/accounts/{id}/signup-settings', { ...account(id), body: { mode } })),
    pendingSignups: (id: string) => settle('pending sign-ups', c.GET('/api/v1/accounts/{id}/signups', account(id))),
    decideSignup: (id: string, accountId: string, approve: boolean) =>
      approve
        ? settle('approve sign-up', c.POST('/api/v1/accounts/{id}/signups/{accountId}/approve', { params: { path: { id, accountId } } }))
        : settle('decline sign-up', c.POST('/api/v1/accounts/{id}/signups/{accountId}/decline', { params: { path: { id, accountId } } })),
    emailDomains: (id: string) => settle('email domains', c.GET('/api/v1/accounts/{id}/email-domains', account(id))),
    addEmailDomain: (id: string, body: { domain: string; policy: 'join' | 'approve'; defaultRole: string | null }) => settle('add email domain', c.POST('/api/v1/accounts/{id}/email-domains', { ...account(id), body })),
    updateEmailDomain: (id: string, domainId: string, body: { policy: 'join' | 'approve'; defaultRole: string | null }) =>
      settle('save email domain', c.PATCH('/api/v1/accounts/{id}/email-domains/{domainId}', { params: { path: { id, domainId } }, body })),
    verifyEmailDomain: (id: string, domainId: string, dev = false) =>
      dev
        ? settle('dev-verify email domain', c.POST('/api/v1/accounts/{id}/email-domains/{domainId}/dev-verify', { params: { path: { id, domainId } } }))
        : settle('verify email domain', c.POST('/api/v1/accounts/{id}/email-domains/{domainId}/verify', { params: { path: { id, domainId } } })),
    deleteEmailDomain: (id: string, domainId: string) => settle('remove email domain', c.DELETE('/api/v1/accounts/{id}/email-domains/{domainId}', { params: { path: { id, domainId } } })),
    joinRequests: (id: string) => settle('held people', c.GET('/api/v1/accounts/{id}/join-requests', account(id))),
    decideJoinRequest: (id: string, requestId: string, approve: boolean) =>
      approve
        ? settle('approve join request', c.POST('/api/v1/accounts/{id}/join-requests/{requestId}/approve', { params: { path: { id, requestId } } }))
        : settle('decline join request', c.POST('/api/v1/accounts/{id}/join-requests/{requestId}/decline', { params: { path: { id, requestId } } })),
    accountSettings: (id: string) => settle('account settings', c.GET('/api/v1/accounts/{id}/settings', account(id))),
    partnerAccessForAll: (id: string, enabled: boolean) => settle('partner access for all', c.PUT('/api/v1/accounts/{id}/partner-access', { ...account(id), body: { enabled } })),
    restoreBackup: (id: string, bytes: ArrayBuffer, dryRun: boolean) =>
      settle('restore backup', c.POST('/api/v1/accounts/{id}/backups/restore', { params: { path: { id }, query: { dryRun: dryRun ? 'true' : 'false' } }, middleware: [rawBody({ bytes, type: 'application/gzip' })] })),
    backupPreview: (id: string, root?: string) => settle('backup preview', c.GET('/api/v1/accounts/{id}/backups/preview', { params: { path: { id }, query: root ? { root } : {} } })),
    dashboard: (id: string) => settle('dashboard', c.GET('/api/v1/accounts/{id}/dashboard', account(id))),
    search: (id: string, q: string) => settle('search', c.GET('/api/v1/accounts/{id}/search', { params: { path: { id }, query: { q } } })),
    reachableAccounts: (q?: string) => settle('reachable accounts', c.GET('/api/v1/me/reachable-accounts', { params: { query: { ...(q ? { q } : {}), limit: 50 } } })),
    children: (id: string, p: Page = {}) =>
      settle('children', c.GET('/api/v1/accounts/{id}/children', { params: { path: { id }, query: page(p) } })),

    members: (id: string) => settle('members', c.GET('/api/v1/accounts/{id}/members', account(id))),
    updateMember: (id: string, memberId: string, body: BodyOf<'/api/v1/accounts/{id}/members/{memberId}', 'patch'>) =>
      settle('update member', c.PATCH('/api/v1/accounts/{id}/members/{memberId}', { params: { path: { id, memberId } }, body })),
    removeMember: (id: string, memberId: string) =>
      settle('remove member', c.DELETE('/api/v1/accounts/{id}/members/{memberId}', { params: { path: { id, memberId } } })),

    roles: (id: string) => settle('roles', c.GET('/api/v1/accounts/{id}/roles', account(id))),
    createRole: (id: string, body: BodyOf<'/api/v1/accounts/{id}/roles', 'post'>) =>
      settle('create role', c.POST('/api/v1/accounts/{id}/roles', { ...account(id), body })),
    updateRole: (id: string, roleId: string, body: BodyOf<'/api/v1/accounts/{id}/roles/{roleId}', 'patch'>) =>
      settle('update role', c.PATCH('/api/v1/accounts/{id}/roles/{roleId}', { params: { path: { id, roleId } }, body })),
    deleteRole: (id: string, roleId: string) =>
      settle('delete role', c.DELETE('/api/v1/accounts/{id}/roles/{roleId}', { params: { path: { id, roleId } } })),

    services: (id: string, filters: ServiceFilters = {}, p: Page = {}) =>
      settle('services', c.GET('/api/v1/accounts/{id}/services', { params: { path: { id }, query: { ...filters, ...page(p) } } })),
    serviceFacets: (id: string) => settle('service facets', c.GET('/api/v1/accounts/{id}/services/facets', account(id))),
    service: (id: string, sid: string) => settle('service', c.GET('/api/v1/accounts/{id}/services/{sid}', { params: { path: { id, sid } } })),
    createService: (id: string, body: BodyOf<'/api/v1/accounts/{id}/services', 'post'>) =>
      settle('create service', c.POST('/api/v1/accounts/{id}/services', { ...account(id), body })),
    updateService: (id: string, sid: string, body: BodyOf<'/api/v1/accounts/{id}/services/{sid}', 'patch'>) =>
      settle('update service', c.PATCH('/api/v1/accounts/{id}/services/{sid}', { params: { path: { id, sid } }, body })),
    deleteService: (id: string, sid: string) =>
      settle('delete service', c.DELETE('/api/v1/accounts/{id}/services/{sid}', { params: { path: { id, sid } } })),
    serviceAction: (id: string, sid: string, action: ServerActionName, body: BodyOf<'/api/v1/accounts/{id}/services/{sid}/actions/{action}', 'post'> = {}) =>
      settle('server action', c.POST('/api/v1/accounts/{id}/services/{sid}/actions/{action}', { params: { path: { id, sid, action } }, body })),
    setServiceLicense: (id: string, sid: string, body: BodyOf<'/api/v1/accounts/{id}/services/{sid}/license', 'put'>) =>
      settle('set licence', c.PUT('/api/v1/accounts/{id}/services/{sid}/license', { params: { path: { id, sid } }, body })),
    revokeServiceLicense: (id: string, sid: string) =>
      settle('revoke licence', c.DELETE('/api/v1/accounts/{id}/services/{sid}/license', { params: { path: { id, sid } } })),
    serviceLicenseKey: (id: string, sid: string) => settle('licence key', c.GET('/api/v1/accounts/{id}/services/{sid}/license/key', { params: { path: { id, sid } } })),
    serviceGroups: (id: string) => settle('service groups', c.GET('/api/v1/accounts/{id}/service-groups', account(id))),
    createServiceGroup: (id: string, name: string) => settle('create group', c.POST('/api/v1/accounts/{id}/service-groups', { ...account(id), body: { name } })),
    renameServiceGroup: (id: string, gid: string, name: string) =>
      settle('rename group', c.PATCH('/api/v1/accounts/{id}/service-groups/{gid}', { params: { path: { id, gid } }, body: { name } })),
    deleteServiceGroup: (id: string, gid: string) => settle('delete group', c.DELETE('/api/v1/accounts/{id}/service-groups/{gid}', { params: { path: { id, gid } } })),
    assignServiceGroup: (id: string, gid: string, body: BodyOf<'/api/v1/accounts/{id}/service-groups/{gid}/services', 'post'>) =>
      settle('assign group', c.POST('/api/v1/accounts/{id}/service-groups/{gid}/services', { params: { path: { id, gid } }, body })),
    setPartnerAccess: (id: string, sid: string, enabled: boolean) =>
      settle('partner access', c.PUT('/api/v1/accounts/{id}/services/{sid}/partner-access', { params: { path: { id, sid } }, body: { enabled } })),

    activity: (id: string, filters: ActivityQuery = {}, p: Page = {}) =>
      settle('activity', c.GET('/api/v1/accounts/{id}/activity', { params: { path: { id }, query: { ...activityParams(filters), ...page(p) } } })),
    activityHistogram: (id: string, filters: ActivityQuery = {}) =>
      settle('activity histogram', c.GET('/api/v1/accounts/{id}/activity/histogram', { params: { path: { id }, query: activityParams(filters) } })),
    verifyActivity: (id: string) => settle('verify activity', c.GET('/api/v1/accounts/{id}/activity/verify', account(id))),

    brand: () => settle('brand', c.GET('/api/v1/brand')),
    accountBrand: (id: string) => settle('account brand', c.GET('/api/v1/accounts/{id}/brand', account(id))),
    saveBrand: (id: string, body: BodyOf<'/api/v1/accounts/{id}/brand', 'put'>) =>
      settle('save brand', c.PUT('/api/v1/accounts/{id}/brand', { ...account(id), body })),
    uploadLogo: (id: string, file: { bytes: ArrayBuffer; type: string }) =>
      settle('upload logo', c.PUT('/api/v1/accounts/{id}/brand/logo', { ...account(id), middleware: [rawBody(file)] })),
    removeLogo: (id: string) => settle('remove logo', c.DELETE('/api/v1/accounts/{id}/brand/logo', account(id))),
    hostnames: (id: string) => settle('hostnames', c.GET('/api/v1/accounts/{id}/hostnames', account(id))),
    addHostname: (id: string, body: BodyOf<'/api/v1/accounts/{id}/hostnames', 'post'>) =>
      settle('add hostname', c.POST('/api/v1/accounts/{id}/hostnames', { ...account(id), body })),
    verifyHostname: (id: string, hostnameId: string, dev = false) =>
      dev
        ? settle('dev-verify hostname', c.POST('/api/v1/accounts/{id}/hostnames/{hostnameId}/dev-verify', { params: { path: { id, hostnameId } } }))
        : settle('verify hostname', c.POST('/api/v1/accounts/{id}/hostnames/{hostnameId}/verify', { params: { path: { id, hostnameId } } })),
    checkHostnameTls: (id: string, hostnameId: string) =>
      settle('check hostname certificate', c.POST('/api/v1/accounts/{id}/hostnames/{hostnameId}/tls-check', { params: { path: { id, hostnameId } } })),
    emailSender: (id: string) => settle('email sender', c.GET('/api/v1/accounts/{id}/email-sender', account(id))),
    setEmailSender: (id: string, domain: string) => settle('set email sender', c.PUT('/api/v1/accounts/{id}/email-sender', { ...account(id), body: { domain } })),
    verifyEmailSender: (id: string) => settle('verify email sender', c.POST('/api/v1/accounts/{id}/email-sender/verify', account(id))),
    removeEmailSender: (id: string) => settle('remove email sender', c.DELETE('/api/v1/accounts/{id}/email-sender', account(id))),
    removeHostname: (id: string, hostnameId: string) =>
      settle('remove hostname', c.DELETE('/api/v1/accounts/{id}/hostnames/{hostnameId}', { params: { path: { id, hostnameId } } })),

    integrations: (id: string) => settle('integrations', c.GET('/api/v1/accounts/{id}/integrations', account(id))),
    createWebhook: (id: string, body: BodyOf<'/api/v1/accounts/{id}/integrations/webhooks', 'post'>) =>
      settle('create webhook', c.POST('/api/v1/accounts/{id}/integrations/webhooks', { ...account(id), body })),
    createLogStream: (id: string, body: BodyOf<'/api/v1/accounts/{id}/integrations/streams', 'post'>) =>
      settle('create log stream', c.POST('/api/v1/accounts/{id}/integrations/streams', { ...account(id), body })),
    updateIntegration: (id: string, hookId: string, body: BodyOf<'/api/v1/accounts/{id}/integrations/{hookId}', 'patch'>) =>
      settle('update integration', c.PATCH('/api/v1/accounts/{id}/integrations/{hookId}', { params: { path: { id, hookId } }, body })),
    deleteIntegration: (id: string, hookId: string) =>
      settle('delete integration', c.DELETE('/api/v1/accounts/{id}/integrations/{hookId}', { params: { path: { id, hookId } } })),
    rotateWebhookSecret: (id: string, hookId: string) =>
      settle('rotate webhook secret', c.POST('/api/v1/accounts/{id}/integrations/{hookId}/rotate-secret', { params: { path: { id, hookId } } })),
    testIntegration: (id: string, hookId: string) =>
      settle('test integration', c.POST('/api/v1/accounts/{id}/integrations/{hookId}/test', { params: { path: { id, hookId } } })),
    integrationDeliveries: (id: string, hookId: string) =>
      settle('integration deliveries', c.GET('/api/v1/accounts/{id}/integrations/{hookId}/deliveries', { params: { path: { id, hookId }, query: { limit: 50 } } })),
    resendDelivery: (id: string, hookId: string, deliveryId: number) =>
      settle('resend delivery', c.POST('/api/v1/accounts/{id}/integrations/{hookId}/deliveries/{deliveryId}/resend', { params: { path: { id, hookId, deliveryId } } })),
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
 * A "Load more" endpoint's answer: the next page as JSON, never cached; a refusal passes on its status
 * when the page should know it (sign in again, gone; `passed`), anything else is a 502.
 */
export function nextPage(result: ApiResult<unknown>, passed: readonly number[] = [401, 404]): Response {
  if (!result.ok) error(passed.includes(result.status) ? result.status : 502, problemMessage(result.problem))
  return json(result.data, { headers: { 'cache-control': 'private, no-store' } })
}

/**
 * The data of a successful answer; otherwise the matching SvelteKit outcome:
 * 401 → sign in again, 404 → the not-found page (`notFound` names the thing),
 * anything else → an error page with the API's explanation.
 */
export function unwrap<T>(event: RequestEvent, result: ApiResult<T>, notFound?: string): T {
  if (result.ok) return result.data
  if (result.status === 401) redirect(303, loginUrl(event))
  if (result.status === 404) error(404, notFound ?? m.common_not_found())
  error(result.status >= 500 ? 502 : result.status, problemMessage(result.problem) || m.common_error_something())
}
