/**
 * A local stand-in for Resend's HTTP API (Node), for tests: emails and domains,
 * with the same paths, bearer authentication, bodies and error shape
 * (`{ statusCode, name, message }`) as https://api.resend.com, kept in memory.
 * A new domain is `not_started` with SPF (MX + TXT) and DKIM records; asking to
 * verify makes it `pending`; tests decide the rest over a control path:
 *
 *   POST /_control/domain   {"name", "status"}       set a domain's (and its records') status
 *   POST /_control/fail     {"times": n, "status", "about"?}   the next n API calls answer that status
 *                           (with `about`, only calls about that recipient or domain name, so test
 *                           files running side by side do not take each other's failures)
 *   GET  /_control/emails                            every email sent, oldest first
 *   GET  /_control/domains                           every domain registered
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

interface Domain {
  id: string
  name: string
  status: string
  created_at: string
  region: string
  records: { record: string; name: string; type: string; ttl: string; status: string; value: string; priority?: number }[]
}

export interface ResendApiServer {
  base: string
  apiKey: string
  close(): Promise<void>
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      try {
        resolve(text ? (JSON.parse(text) as Record<string, unknown>) : undefined)
      } catch (error) {
        reject(error)
      }
    })
    req.on('error', reject)
  })
}

const send = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
const error = (res: ServerResponse, statusCode: number, name: string, message: string) => send(res, statusCode, { statusCode, name, message })

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/

export async function startResendApi(): Promise<ResendApiServer> {
  const apiKey = `re_test_${randomUUID().replace(/-/g, '')}`
  const domains = new Map<string, Domain>()
  const emails: Record<string, unknown>[] = []
  const failures: { status: number; about: string | null }[] = []

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost')
      if (url.pathname.startsWith('/_control/')) {
        if (url.pathname === '/_control/emails') return send(res, 200, emails)
        if (url.pathname === '/_control/domains') return send(res, 200, [...domains.values()])
        const body = (await readJson(req)) ?? {}
        if (url.pathname === '/_control/fail') {
          for (let i = 0; i < Number(body.times ?? 1); i++) failures.push({ status: Number(body.status ?? 500), about: typeof body.about === 'string' ? body.about : null })
          return send(res, 200, { queued: failures.length })
        }
        if (url.pathname === '/_control/domain') {
          const d = [...domains.values()].find((x) => x.name === body.name)
          if (!d) return error(res, 404, 'not_found', 'Domain not found')
          d.status = String(body.status)
          for (const r of d.records) r.status = d.status
          return send(res, 200, d)
        }
        return error(res, 404, 'not_found', 'No such control')
      }
      if (req.headers.authorization !== `Bearer ${apiKey}`) return error(res, 401, 'missing_api_key', 'Missing or invalid API key in the authorization header.')
      // What the call is about: the recipient of an email, the name of a domain.
      const posted = req.method === 'POST' && (url.pathname === '/emails' || url.pathname === '/domains') ? ((await readJson(req)) ?? {}) : undefined
      const byId = /^\/domains\/([^/]+)/.exec(url.pathname)
      const about = posted ? [...(Array.isArray(posted.to) ? posted.to.map(String) : []), ...(typeof posted.name === 'string' ? [posted.name] : [])] : byId ? [domains.get(decodeURIComponent(byId[1]!))?.name ?? ''] : []
      const at = failures.findIndex((f) => f.about === null || about.includes(f.about))
      const failure = at >= 0 ? failures.splice(at, 1)[0]!.status : undefined
      if (failure === 429) return error(res, 429, 'rate_limit_exceeded', 'Too many requests. You can only make 2 requests per second.')
      if (failure) return error(res, failure, 'internal_server_error', 'An unexpected error occurred.')

      if (url.pathname === '/emails' && req.method === 'POST') {
        const body = posted ?? {}
        if (typeof body.from !== 'string' || !Array.isArray(body.to) || typeof body.subject !== 'string') return error(res, 422, 'validation_error', 'Missing `from`, `to` or `subject`.')
        const id = randomUUID()
        emails.push({ id, ...body })
        return send(res, 200, { id })
      }
      if (url.pathname === '/domains' && req.method === 'POST') {
        const body = posted ?? {}
        const name = typeof body.name === 'string' ? body.name : ''
        if (!DOMAIN.test(name)) return error(res, 422, 'validation_error', 'The `name` field must be a valid domain.')
        if ([...domains.values()].some((d) => d.name === name)) return error(res, 403, 'validation_error', `The ${name} domain has been registered already.`)
        const dkim = randomUUID().replace(/-/g, '')
        const d: Domain = {
          id: randomUUID(),
          name,
          status: 'not_started',
          created_at: new Date().toISOString(),
          region: 'us-east-1',
          records: [
            { record: 'SPF', name: 'send', type: 'MX', ttl: 'Auto', status: 'not_started', value: 'feedback-smtp.us-east-1.amazonses.com', priority: 10 },
            { record: 'SPF', name: 'send', type: 'TXT', ttl: 'Auto', status: 'not_started', value: '"v=spf1 include:amazonses.com ~all"' },
            { record: 'DKIM', name: 'resend._domainkey', type: 'TXT', ttl: 'Auto', status: 'not_started', value: `p=MIGfMA0GCSqGSIb3DQEB${dkim}` },
          ],
        }
        domains.set(d.id, d)
        return send(res, 200, d)
      }
      const match = /^\/domains\/([^/]+)(\/verify)?$/.exec(url.pathname)
      if (match) {
        const d = domains.get(decodeURIComponent(match[1]!))
        if (!d) return error(res, 404, 'not_found', 'Domain not found')
        if (match[2] && req.method === 'POST') {
          if (d.status === 'not_started') {
            d.status = 'pending'
            for (const r of d.records) r.status = 'pending'
          }
          return send(res, 200, { object: 'domain', id: d.id })
        }
        if (req.method === 'GET') return send(res, 200, { object: 'domain', ...d })
        if (req.method === 'DELETE') {
          domains.delete(d.id)
          return send(res, 200, { object: 'domain', id: d.id, deleted: true })
        }
      }
      return error(res, 405, 'method_not_allowed', 'Method not allowed')
    } catch (e) {
      return error(res, 400, 'validation_error', String(e))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('the Resend stand-in has no port')
  server.unref()
  return { base: `http://127.0.0.1:${address.port}`, apiKey, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
