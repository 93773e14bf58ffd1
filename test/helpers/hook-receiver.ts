/**
 * A local HTTP receiver for webhook and log-stream tests (Node): it records
 * every request and answers with the statuses a test queues, so the worker's
 * real delivery code is tested over real HTTP, never against a mocked fetch.
 *
 *   <any method> /in/<box>/…        a delivery: recorded; answered with the next queued status (default 200)
 *   GET    /_control/<box>          the recorded requests: [{method, path, headers, body, at}]
 *   POST   /_control/<box>          body {statuses: number[]}: answer the next requests with these
 *   DELETE /_control/<box>          forget the box's requests and queue
 *
 * Boxes keep tests apart (each test uses its own).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'

export interface Received {
  method: string
  path: string
  headers: Record<string, string>
  body: string
  at: number
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

export interface HookReceiver {
  /** e.g. http://127.0.0.1:41234 */
  url: string
  /** Requests per box, in arrival order. */
  boxes: Map<string, Received[]>
  close(): Promise<void>
}

export async function startHookReceiver(options: { record?: boolean } = {}): Promise<HookReceiver> {
  const boxes = new Map<string, Received[]>()
  const queues = new Map<string, number[]>()
  const record = options.record ?? true
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost')
      const [, area, box = ''] = url.pathname.split('/')
      if (area === '_control') {
        if (req.method === 'GET') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(boxes.get(box) ?? []))
        if (req.method === 'POST') {
          const { statuses } = JSON.parse(await readBody(req)) as { statuses: number[] }
          queues.set(box, [...(queues.get(box) ?? []), ...statuses])
          return void res.writeHead(204).end()
        }
        if (req.method === 'DELETE') {
          boxes.delete(box)
          queues.delete(box)
          return void res.writeHead(204).end()
        }
        return void res.writeHead(405).end()
      }
      if (area !== 'in') return void res.writeHead(404).end()
      const body = await readBody(req)
      if (record) {
        const headers: Record<string, string> = {}
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v
        const list = boxes.get(box) ?? []
        list.push({ method: req.method ?? 'GET', path: url.pathname + url.search, headers, body, at: Date.now() })
        boxes.set(box, list)
      } else {
        const list = boxes.get(box) ?? []
        list.push({ method: req.method ?? 'GET', path: '', headers: {}, body, at: Date.now() })
        boxes.set(box, list)
      }
      const status = queues.get(box)?.shift() ?? 200
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: status < 300 }))
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('the receiver has no port')
  server.unref()
  return { url: `http://127.0.0.1:${address.port}`, boxes, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
