import { env, SELF } from 'cloudflare:test'
import { ZodType } from 'zod'
import type { components, operations } from '../../web/src/lib/api/openapi.ts'
import { api as app } from '../../worker/src/index.ts'
import { Problem } from '../../worker/src/routes/schemas.ts'

export const ORIGIN = 'http://localhost'
export const DEMO_PASSWORD = 'trellis-demo'

type Init = RequestInit & { cookie?: string; json?: unknown; ip?: string }

/** Call the API as the browser would: same-origin, JSON, optional session cookie. */
export function api(path: string, init: Init = {}) {
  const { cookie, json, ip, headers, ...rest } = init
  const h = new Headers(headers)
  if (cookie) h.set('cookie', cookie)
  if (ip) h.set('x-trellis-client-ip', ip)
  if (json !== undefined) h.set('content-type', 'application/json')
  const method = (rest.method ?? 'GET').toUpperCase()
  if (!['GET', 'HEAD'].includes(method) && !h.has('origin')) h.set('origin', ORIGIN)
  return SELF.fetch(`${ORIGIN}/api/v1${path}`, {
    ...rest,
    headers: h,
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  })
}

/** The `name=value` part of the session cookie a response sets. */
export function sessionCookieFrom(res: Response): string {
  const set = res.headers.get('set-cookie') ?? ''
  const match = /trellis_session=([^;]*)/.exec(set)
  if (!match) throw new Error(`no session cookie in: ${set}`)
  return `trellis_session=${match[1]}`
}

let ipCounter = 0

/** Sign in and return the cookie; each call comes from its own IP so rate limits do not interfere. */
export async function login(email: string, password = DEMO_PASSWORD) {
  const res = await api('/auth/login', { method: 'POST', json: { email, password }, ip: `10.9.${ipCounter++ % 250}.${Math.floor(ipCounter / 250)}` })
  if (res.status !== 200) throw new Error(`login ${email} answered ${res.status}: ${await res.text()}`)
  return sessionCookieFrom(res)
}

/** The id of a demo account by name. */
export async function accountId(name: string): Promise<string> {
  const row = await env.DB.prepare('SELECT id FROM accounts WHERE name = ?').bind(name).first<{ id: string }>()
  if (!row) throw new Error(`no account named ${name}`)
  return row.id
}

/** Assert-friendly parse of a problem+json answer, checked against the API's Problem schema. */
export async function problem(res: Response): Promise<components['schemas']['Problem']> {
  expectProblemType(res)
  return matching(res, Problem, await res.text(), 'a problem')
}

type Operation = keyof operations
type Answers<O extends Operation> = operations[O]['responses']
/** The statuses of an operation that answer JSON. */
type JsonStatus<O extends Operation> = {
  [S in keyof Answers<O>]: Answers<O>[S] extends { content: { 'application/json': unknown } } ? S : never
}[keyof Answers<O>]
/** The JSON body an operation answers with a status. */
type JsonAnswer<O extends Operation, S> = S extends keyof Answers<O> ? (Answers<O>[S] extends { content: { 'application/json': infer T } } ? T : never) : never
type Success<O extends Operation> = Extract<JsonStatus<O>, 200 | 201 | 202>

/**
 * The successful JSON answer of operation `op` (its operationId), checked against the zod schema
 * the API declares for that status. Fails, with the body, on any other status or a body that does
 * not match. The body is returned as sent (nothing stripped), typed from the API's contract.
 */
export async function jsonOf<O extends Operation>(res: Response, op: O): Promise<JsonAnswer<O, Success<O>>> {
  const text = await res.text()
  if (res.status < 200 || res.status > 299) throw new Error(`expected a successful answer of ${op}, got ${res.status}: ${text}`)
  return matching(res, responseSchema(op, res.status), text, `the ${res.status} answer of ${op}`)
}

/** `jsonOf()` after checking the status: `expectJson(res, 201, 'createRole')`. */
export async function expectJson<O extends Operation, S extends JsonStatus<O>>(res: Response, status: S, op: O): Promise<JsonAnswer<O, S>> {
  const text = await res.text()
  if (res.status !== status) throw new Error(`expected ${op} to answer ${String(status)}, got ${res.status}: ${text}`)
  return matching(res, responseSchema(op, res.status), text, `the ${res.status} answer of ${op}`)
}

/** Parse `text` as JSON and check it against `schema`; returns the JSON as sent. */
function matching<T>(res: Response, schema: ZodType, text: string, what: string): T {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new Error(`${what} is not JSON (${res.status}): ${text}`)
  }
  const checked = schema.safeParse(json)
  if (!checked.success) throw new Error(`${what} does not match its schema: ${checked.error.message}\n${text}`)
  // The schema has vouched for the shape; tests see the body unstripped.
  return json as T
}

type RouteDefinition = { type: string; route?: { operationId?: string; responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> } }

/** The zod schema the API declares for operation `op`'s JSON answer with `status`. */
function responseSchema(op: string, status: number): ZodType {
  const definitions = app.openAPIRegistry.definitions as RouteDefinition[]
  const route = definitions.find((d) => d.type === 'route' && d.route?.operationId === op)?.route
  if (!route) throw new Error(`the API has no operation ${op}`)
  const schema = route.responses?.[String(status)]?.content?.['application/json']?.schema
  if (!(schema instanceof ZodType)) throw new Error(`${op} declares no JSON answer with status ${status}`)
  return schema
}

function expectProblemType(res: Response) {
  const type = res.headers.get('content-type') ?? ''
  if (!type.startsWith('application/problem+json')) throw new Error(`expected problem+json, got ${type} (${res.status})`)
}

/** The id of a demo service by name (and type, when names repeat across types). */
export async function serviceId(name: string, type?: string): Promise<string> {
  const row = await env.DB.prepare(`SELECT id FROM services WHERE name = ?${type ? ' AND type = ?' : ''}`)
    .bind(...(type ? [name, type] : [name]))
    .first<{ id: string }>()
  if (!row) throw new Error(`no service named ${name}`)
  return row.id
}

/** The membership id of a user in an account. */
export async function membershipId(email: string, account: string): Promise<string> {
  const row = await env.DB.prepare(
    'SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id JOIN accounts a ON a.id = m.account_id WHERE u.email = ? AND a.name = ?',
  )
    .bind(email, account)
    .first<{ id: string }>()
  if (!row) throw new Error(`${email} is not a member of ${account}`)
  return row.id
}

/** A snapshot of a table, to assert that a refused request changed nothing. */
export async function snapshot(table: 'memberships' | 'membership_roles' | 'roles' | 'services' | 'users' | 'service_tags' | 'invitations') {
  const { results } = await env.DB.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all()
  return JSON.stringify(results)
}

/** The newest message the local outbox holds for `to`. */
export async function lastEmail(to: string) {
  const row = await env.DB.prepare('SELECT * FROM email_outbox WHERE "to" = ? ORDER BY created_at DESC, rowid DESC LIMIT 1')
    .bind(to)
    .first<{ subject: string; text: string; html: string }>()
  if (!row) throw new Error(`no email to ${to}`)
  return row
}

/** The token of the newest invitation link emailed to `to`. */
export async function invitationToken(to: string) {
  const match = /\/invite\/([a-z2-7]+)/.exec((await lastEmail(to)).text)
  if (!match) throw new Error(`no invitation link in the email to ${to}`)
  return match[1]!
}

/** Accept the newest invitation emailed to `email` as a new person choosing `password`. */
export async function acceptAsNewPerson(email: string, password = 'amber-lighthouse-52-orchard', extra: Record<string, unknown> = {}) {
  return api(`/invitations/${await invitationToken(email)}/accept`, { method: 'POST', json: { name: email.split('@')[0], password, ...extra } })
}

/**
 * Add a staff member the way the portal does: invite them (POST …/members)
 * and let them accept as a new person. Returns the accept answer (201 when
 * they joined, a problem when a limit or cap refused them at the door).
 */
export async function addMember(cookie: string, account: string, body: { email: string; level: 'admin' | 'user'; roles?: string[]; scope?: unknown }, password?: string) {
  const invited = await api(`/accounts/${account}/members`, { method: 'POST', cookie, json: body })
  if (invited.status !== 201) return invited
  return acceptAsNewPerson(body.email, password)
}

/** The local DoH server's zone (test/helpers/doh-server.ts): what the real DNS adapter will find. */
const dnsZone = (name: string) => `${env.DNS_RESOLVER_URL.replace(/\/dns-query$/, '')}/zone/${encodeURIComponent(name)}`

/** Publish TXT strings at a name (replacing what was there). */
export async function publishTxt(name: string, ...values: string[]) {
  const res = await fetch(dnsZone(name), { method: 'PUT', body: JSON.stringify(values) })
  if (res.status !== 204) throw new Error(`the DoH server refused the zone change: ${res.status}`)
}

/** Remove a name from DNS: lookups answer NXDOMAIN. */
export async function unpublishTxt(name: string) {
  const res = await fetch(dnsZone(name), { method: 'DELETE' })
  if (res.status !== 204) throw new Error(`the DoH server refused the zone change: ${res.status}`)
}

/** Make lookups of a name fail: SERVFAIL, or an HTTP error from the resolver. */
export async function breakDns(name: string, how: 'SERVFAIL' | 'HTTP' = 'SERVFAIL') {
  const res = await fetch(dnsZone(name), { method: 'PUT', body: JSON.stringify({ fail: how }) })
  if (res.status !== 204) throw new Error(`the DoH server refused the zone change: ${res.status}`)
}

/** Drive the local Cloudflare API stand-in (test/helpers/cloudflare-api.ts) over its control path. */
export async function cloudflareControl<T = unknown>(what: 'ssl' | 'fail' | 'hostnames', body?: unknown): Promise<T> {
  const url = `${env.SAAS_API_BASE.replace(/\/client\/v4$/, '')}/_control/${what}`
  const res = await fetch(url, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })
  if (!res.ok) throw new Error(`the Cloudflare stand-in refused ${what}: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { result: T }).result
}

/** The local hook receiver (test/helpers/hook-receiver.ts): a URL that records into `box`. */
export const receiverUrl = (box: string, path = '') => `${env.HOOK_RECEIVER_URL}/in/${box}${path}`

/** What the receiver got in `box`, in arrival order. */
export async function received(box: string) {
  const res = await fetch(`${env.HOOK_RECEIVER_URL}/_control/${box}`)
  return (await res.json()) as { method: string; path: string; headers: Record<string, string>; body: string; at: number }[]
}

/** Have the receiver answer the next requests to `box` with these statuses (then 200 again). */
export async function answerWith(box: string, ...statuses: number[]) {
  const res = await fetch(`${env.HOOK_RECEIVER_URL}/_control/${box}`, { method: 'POST', body: JSON.stringify({ statuses }) })
  if (res.status !== 204) throw new Error(`the receiver refused: ${res.status}`)
}

/** Publish A or AAAA records at a name in the local DoH server. */
export async function publishAddresses(name: string, type: 'A' | 'AAAA', ...addresses: string[]) {
  const res = await fetch(`${dnsZone(name)}?type=${type}`, { method: 'PUT', body: JSON.stringify(addresses) })
  if (res.status !== 204) throw new Error(`the DoH server refused the zone change: ${res.status}`)
}

/** The id of a user by email. */
export async function userIdOf(email: string): Promise<string> {
  const row = await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first<{ id: string }>()
  if (!row) throw new Error(`no user ${email}`)
  return row.id
}
