/**
 * A local stand-in of the operator's provisioning backend (Node), speaking the protocol of
 * worker/src/adapters/provisioning.ts, so the worker's real adapter is tested over real HTTP:
 *
 *   POST /actions        an action: the signature (HMAC-SHA256 over "<timestamp>.<body>" with
 *                        the shared secret) and the timestamp (±5 min) are checked — a bad one
 *                        answers 401 {status:"failed", reason:"Signature refused."}; then the
 *                        next outcome queued for the service decides the answer (default: done
 *                        after `delayMs`; a service whose name contains "broken" fails)
 *   POST /_control/next     {serviceId, outcomes: Outcome[]}: answer that service's next actions so
 *   POST /_control/release  {serviceId}: answer the service's held actions (outcome "hold") done
 *   GET  /_control/received every request, in arrival order: {headers, body, signatureOk}
 *   DELETE /_control        forget everything
 *
 * Outcome: "done" | "fail" (200, a reason) | "error" (503, a reason) | "hang" (never answers:
 * the adapter times out) | "hold" (answers done when released).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

export type Outcome = 'done' | 'fail' | 'error' | 'hang' | 'hold'

export interface ProvisioningReceived {
  headers: Record<string, string>
  body: string
  signatureOk: boolean
}

export interface ProvisioningApi {
  /** POST target for the worker's PROVISIONING_URL. */
  url: string
  /** Where tests steer it: `${base}/_control/…`. */
  base: string
  secret: string
  close(): Promise<void>
}

export const FAILURE_REASON = 'The host refused: disk quota exceeded.'

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** The check a real backend makes before trusting a request. */
export function signatureValid(secret: string, timestamp: string | undefined, signature: string | undefined, body: string, now = Date.now()): boolean {
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false
  if (Math.abs(now / 1000 - Number(timestamp)) > 300) return false
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`)
  const given = Buffer.from(signature)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

export async function startProvisioningApi(options: { secret?: string; delayMs?: number } = {}): Promise<ProvisioningApi> {
  const secret = options.secret ?? 'test-provisioning-secret-0123456789'
  const delayMs = options.delayMs ?? 200
  const queues = new Map<string, Outcome[]>()
  const held = new Map<string, ServerResponse[]>()
  let received: ProvisioningReceived[] = []
  const json = (res: ServerResponse, status: number, value: unknown) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value))

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost')
      const body = await readBody(req)
      if (url.pathname.startsWith('/_control')) {
        const what = url.pathname.slice('/_control'.length)
        if (req.method === 'DELETE') {
          queues.clear()
          for (const list of held.values()) for (const r of list) json(r, 200, { status: 'done' })
          held.clear()
          received = []
          return void res.writeHead(204).end()
        }
        if (req.method === 'GET' && what === '/received') return json(res, 200, received)
        const input = JSON.parse(body || '{}') as { serviceId: string; outcomes?: Outcome[] }
        if (req.method === 'POST' && what === '/next') {
          queues.set(input.serviceId, [...(queues.get(input.serviceId) ?? []), ...(input.outcomes ?? [])])
          return void res.writeHead(204).end()
        }
        if (req.method === 'POST' && what === '/release') {
          const list = held.get(input.serviceId) ?? []
          held.delete(input.serviceId)
          for (const r of list) json(r, 200, { status: 'done' })
          return json(res, 200, { released: list.length })
        }
        return void res.writeHead(404).end()
      }
      if (req.method !== 'POST' || url.pathname !== '/actions') return void res.writeHead(404).end()
      const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined)
      const signatureOk = signatureValid(secret, header('trellis-timestamp'), header('trellis-signature'), body)
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v
      received.push({ headers, body, signatureOk })
      if (!signatureOk) return json(res, 401, { status: 'failed', reason: 'Signature refused.' })
      const action = JSON.parse(body) as { service: { id: string; name: string } }
      const outcome = queues.get(action.service.id)?.shift() ?? (action.service.name.includes('broken') ? 'fail' : 'done')
      if (outcome === 'hang') return // never answered: the adapter's timeout ends it
      if (outcome === 'hold') {
        held.set(action.service.id, [...(held.get(action.service.id) ?? []), res])
        return
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs))
      if (outcome === 'fail') return json(res, 200, { status: 'failed', reason: FAILURE_REASON })
      if (outcome === 'error') return json(res, 503, { reason: 'Maintenance window: try again later.' })
      return json(res, 200, { status: 'done' })
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('the provisioning stand-in has no port')
  server.unref()
  const base = `http://127.0.0.1:${address.port}`
  return {
    url: `${base}/actions`,
    base,
    secret,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
