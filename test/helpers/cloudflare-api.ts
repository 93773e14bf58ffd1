/**
 * A local stand-in for Cloudflare's Custom Hostnames API (Node), for tests:
 * the same paths, bearer authentication, `{ success, errors, messages, result }`
 * envelopes and error codes as https://api.cloudflare.com/client/v4, kept in
 * memory. A new hostname's certificate starts `pending_validation`; tests move
 * it on, and make the API fail, over a control path:
 *
 *   POST /_control/ssl        {"hostname", "status", "errors"?: string[]}  set a certificate's state
 *   POST /_control/fail       {"hostname", "status": 429 | 500 | 503, "times": n, "retryAfter"?: s}
 *                             the next n API calls about that hostname fail (scoped to a name, so
 *                             test files running side by side do not take each other's failures)
 *   GET  /_control/hostnames  what the zone holds now
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

interface Stored {
  id: string
  hostname: string
  status: string
  ssl: { id: string; status: string; method: string; type: string; validation_errors?: { message: string }[] }
  created_at: string
}

export interface CloudflareApiServer {
  /** Use as SAAS_API_BASE. */
  base: string
  token: string
  zoneId: string
  close(): Promise<void>
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      try {
        resolve(text ? JSON.parse(text) : undefined)
      } catch (error) {
        reject(error)
      }
    })
    req.on('error', reject)
  })
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
}
const ok = (res: ServerResponse, result: unknown, status = 200, extra: object = {}) => send(res, status, { success: true, errors: [], messages: [], result, ...extra })
const fail = (res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}) =>
  send(res, status, { success: false, errors: [{ code, message }], messages: [], result: null }, headers)

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/

export async function startCloudflareApi(): Promise<CloudflareApiServer> {
  const token = `test-token-${randomUUID()}`
  const zoneId = randomUUID().replace(/-/g, '')
  const zone = new Map<string, Stored>()
  const failures = new Map<string, { status: number; times: number; retryAfter?: number }>()

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost')
      if (url.pathname.startsWith('/_control/')) {
        if (url.pathname === '/_control/hostnames') return ok(res, [...zone.values()])
        const body = (await readJson(req)) as Record<string, unknown>
        if (url.pathname === '/_control/ssl') {
          const h = [...zone.values()].find((x) => x.hostname === body.hostname)
          if (!h) return fail(res, 404, 1436, 'Custom hostname not found.')
          h.ssl.status = String(body.status)
          h.ssl.validation_errors = Array.isArray(body.errors) ? body.errors.map((message) => ({ message: String(message) })) : undefined
          if (h.ssl.status === 'active') h.status = 'active'
          return ok(res, h)
        }
        if (url.pathname === '/_control/fail') {
          failures.set(String(body.hostname), { status: Number(body.status), times: Number(body.times ?? 1), retryAfter: body.retryAfter as number | undefined })
          return ok(res, { hostname: body.hostname })
        }
        return fail(res, 404, 7003, 'No route for that URI')
      }

      const prefix = `/client/v4/zones/${zoneId}/custom_hostnames`
      if (!url.pathname.startsWith(prefix)) return fail(res, 404, 7003, 'Could not route to /zones, perhaps your object identifier is invalid?')
      if (req.headers.authorization !== `Bearer ${token}`) return fail(res, 403, 10000, 'Authentication error')
      const id = url.pathname.slice(prefix.length).replace(/^\//, '')
      const body = req.method === 'POST' ? ((await readJson(req)) as { hostname?: unknown; ssl?: { method?: string; type?: string } } | undefined) : undefined
      // Which hostname the call is about, for failures scoped to it.
      const subject = id ? zone.get(id)?.hostname : req.method === 'POST' ? String(body?.hostname ?? '') : (url.searchParams.get('hostname') ?? '')
      const failure = subject ? failures.get(subject) : undefined
      if (failure && failure.times > 0) {
        failure.times--
        if (failure.status === 429) return fail(res, 429, 971, 'Please wait and consider throttling your request speed', failure.retryAfter ? { 'retry-after': String(failure.retryAfter) } : {})
        return fail(res, failure.status, 10001, 'Internal server error')
      }

      if (!id && req.method === 'POST') {
        const hostname = typeof body?.hostname === 'string' ? body.hostname : ''
        if (!HOSTNAME.test(hostname)) return fail(res, 400, 1411, 'Custom hostname is invalid.')
        if ([...zone.values()].some((h) => h.hostname === hostname)) return fail(res, 409, 1406, 'Duplicate custom hostname found.')
        const stored: Stored = {
          id: randomUUID(),
          hostname,
          status: 'pending',
          ssl: { id: randomUUID(), status: 'pending_validation', method: body?.ssl?.method ?? 'http', type: body?.ssl?.type ?? 'dv' },
          created_at: new Date().toISOString(),
        }
        zone.set(stored.id, stored)
        return ok(res, stored, 201)
      }
      if (!id && req.method === 'GET') {
        const wanted = url.searchParams.get('hostname')
        const items = [...zone.values()].filter((h) => !wanted || h.hostname === wanted)
        return ok(res, items, 200, { result_info: { page: 1, per_page: 20, count: items.length, total_count: items.length } })
      }
      const stored = zone.get(id)
      if (!stored) return fail(res, 404, 1436, 'Custom hostname not found.')
      if (req.method === 'GET') return ok(res, stored)
      if (req.method === 'DELETE') {
        zone.delete(id)
        return ok(res, { id })
      }
      return fail(res, 405, 10405, 'Method not allowed')
    } catch (error) {
      return fail(res, 400, 1000, `Bad request: ${String(error)}`)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('the Cloudflare API stand-in has no port')
  server.unref()
  return {
    base: `http://127.0.0.1:${address.port}/client/v4`,
    token,
    zoneId,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
