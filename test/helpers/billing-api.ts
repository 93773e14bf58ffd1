/**
 * A local stand-in for the operator's billing system (Node), for tests: the protocol of
 * worker/src/adapters/billing.ts (docs/decisions/019) — bearer token, JSON pages of an
 * account's invoices with a cursor, 404 for an account it does not know — kept in memory.
 * Pages hold 3 invoices, so a sync of more follows the cursor. Tests fill it and make it
 * fail over a control path:
 *
 *   PUT  /_control/accounts/{id}/invoices   [invoice, …]   what the system holds for the account
 *   POST /_control/fail   {"account", "status": 401 | 500 | 503 | "timeout" | "garbage", "times": n}
 *                         the next n calls about that account fail that way (scoped to an account,
 *                         so test files running side by side do not take each other's failures)
 *   GET  /_control/calls/{id}   how many invoice pages were asked for, for the account
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

export interface WireInvoice {
  id: string
  number: string
  issuedAt: string
  dueAt: string | null
  amountMinor: number
  currency: string
  status: string
  pdfUrl: string | null
}

export interface BillingApiServer {
  /** Use as BILLING_API_URL. */
  url: string
  token: string
  close(): Promise<void>
}

export const PAGE_SIZE = 3

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

const send = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))

export async function startBillingApi(seed: Record<string, WireInvoice[]> = {}): Promise<BillingApiServer> {
  const token = `billing-token-${randomUUID()}`
  const held = new Map<string, WireInvoice[]>(Object.entries(seed))
  const failures = new Map<string, { status: number | 'timeout' | 'garbage'; times: number }>()
  const calls = new Map<string, number>()

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost')
      const control = /^\/_control\/accounts\/([^/]+)\/invoices$/.exec(url.pathname)
      if (control && req.method === 'PUT') {
        held.set(decodeURIComponent(control[1]!), (await readJson(req)) as WireInvoice[])
        return send(res, 200, { ok: true })
      }
      if (url.pathname === '/_control/fail') {
        const body = (await readJson(req)) as { account: string; status: number | 'timeout' | 'garbage'; times?: number }
        failures.set(body.account, { status: body.status, times: body.times ?? 1 })
        return send(res, 200, { ok: true })
      }
      const counted = /^\/_control\/calls\/([^/]+)$/.exec(url.pathname)
      if (counted) return send(res, 200, { calls: calls.get(decodeURIComponent(counted[1]!)) ?? 0 })

      const match = /^\/accounts\/([^/]+)\/invoices$/.exec(url.pathname)
      if (!match || req.method !== 'GET') return send(res, 404, { error: 'no such route' })
      if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: 'bad token' })
      const account = decodeURIComponent(match[1]!)
      calls.set(account, (calls.get(account) ?? 0) + 1)
      const failure = failures.get(account)
      if (failure && failure.times > 0) {
        failure.times--
        // Never answers: the adapter's timeout ends the call.
        if (failure.status === 'timeout') return
        if (failure.status === 'garbage') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"invoices": [{"id": 7}]}')
        return send(res, failure.status, { error: 'failing on purpose' })
      }
      const invoices = held.get(account)
      if (!invoices) return send(res, 404, { error: 'unknown account' })
      const start = Number(url.searchParams.get('cursor') ?? 0)
      const page = invoices.slice(start, start + PAGE_SIZE)
      return send(res, 200, { invoices: page, nextCursor: start + PAGE_SIZE < invoices.length ? String(start + PAGE_SIZE) : null })
    } catch (error) {
      send(res, 500, { error: String(error) })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('no address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    token,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
