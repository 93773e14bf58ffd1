/**
 * A local DNS-over-HTTPS server for tests (Node). It speaks both forms the
 * worker's DNS adapter can use — RFC 8484 wire format (GET `?dns=` and POST
 * `application/dns-message`) and the `application/dns-json` form — and answers
 * TXT questions from a zone that tests edit over HTTP:
 *
 *   PUT    /zone/<name>   body: a JSON array of TXT strings, or {"fail": "SERVFAIL" | "HTTP"}
 *   PUT    /zone/<name>?type=A|AAAA   body: a JSON array of addresses (webhook delivery resolves these)
 *   DELETE /zone/<name>   the name no longer exists (NXDOMAIN)
 *
 * Names are case-insensitive. Answers use name compression and split strings
 * longer than 255 bytes, as real resolvers do, so the adapter's parser meets both.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'

type Entry = string[] | { fail: 'SERVFAIL' | 'HTTP' }

const NOERROR = 0
const SERVFAIL = 2
const NXDOMAIN = 3
const TXT = 16
const A = 1
const AAAA = 28

/** An address as record data: 4 bytes (A) or 16 (AAAA, `::` shorthand allowed). */
function addressRdata(value: string): Buffer {
  if (!value.includes(':')) return Buffer.from(value.split('.').map(Number))
  const [head, tail] = value.split('::') as [string, string | undefined]
  const h = head ? head.split(':') : []
  const t = tail !== undefined && tail ? tail.split(':') : []
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
  const out = Buffer.alloc(16)
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2))
  return out
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** The question of a query message: its name, type and the bytes of the question section. */
function parseQuestion(query: Buffer): { id: number; name: string; type: number; question: Buffer } {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) throw new Error('expected exactly one question')
  const labels: string[] = []
  let offset = 12
  for (;;) {
    const len = query[offset]
    if (len === undefined || len > 63) throw new Error('bad name')
    offset++
    if (len === 0) break
    labels.push(query.subarray(offset, offset + len).toString('utf8'))
    offset += len
  }
  const type = query.readUInt16BE(offset)
  return { id: query.readUInt16BE(0), name: labels.join('.').toLowerCase(), type, question: query.subarray(12, offset + 4) }
}

function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8')
  const parts: Buffer[] = []
  for (let at = 0; at < bytes.length || at === 0; at += 255) {
    const chunk = bytes.subarray(at, at + 255)
    parts.push(Buffer.from([chunk.length]), chunk)
    if (bytes.length === 0) break
  }
  return Buffer.concat(parts)
}

function wireAnswer(id: number, question: Buffer, rcode: number, records: string[], type = TXT): Buffer {
  const header = Buffer.alloc(12)
  header.writeUInt16BE(id, 0)
  header.writeUInt16BE(0x8180 | rcode, 2) // QR, RD, RA
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(records.length, 6)
  const answers = records.map((value) => {
    const rdata = type === TXT ? txtRdata(value) : addressRdata(value)
    const rr = Buffer.alloc(12)
    rr.writeUInt16BE(0xc00c, 0) // pointer to the question's name
    rr.writeUInt16BE(type, 2)
    rr.writeUInt16BE(1, 4)
    rr.writeUInt32BE(300, 6)
    rr.writeUInt16BE(rdata.length, 10)
    return Buffer.concat([rr, rdata])
  })
  return Buffer.concat([header, question, ...answers])
}

export interface DohServer {
  /** The DoH endpoint, e.g. http://127.0.0.1:41234/dns-query */
  url: string
  /** How many DNS questions it has answered, by form. */
  asked: { wire: number; json: number }
  close(): Promise<void>
}

export async function startDohServer(): Promise<DohServer> {
  const zone = new Map<string, Entry>()
  /** A and AAAA records by name. */
  const hosts = new Map<string, { [A]?: string[]; [AAAA]?: string[] }>()
  const asked = { wire: 0, json: 0 }
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost')
      if (url.pathname.startsWith('/zone/')) {
        const name = decodeURIComponent(url.pathname.slice('/zone/'.length)).toLowerCase()
        const rrtype = url.searchParams.get('type')
        if (req.method === 'PUT' && (rrtype === 'A' || rrtype === 'AAAA')) {
          hosts.set(name, { ...hosts.get(name), [rrtype === 'A' ? A : AAAA]: JSON.parse((await readBody(req)).toString('utf8')) as string[] })
        } else if (req.method === 'PUT') zone.set(name, JSON.parse((await readBody(req)).toString('utf8')) as Entry)
        else if (req.method === 'DELETE') (zone.delete(name), hosts.delete(name))
        else return void res.writeHead(405).end()
        return void res.writeHead(204).end()
      }
      if (url.pathname !== '/dns-query') return void res.writeHead(404).end()

      const json = url.searchParams.has('name')
      let name: string
      let type: number
      let wire: { id: number; question: Buffer } | null = null
      if (json) {
        name = url.searchParams.get('name')!.replace(/\.$/, '').toLowerCase()
        const t = url.searchParams.get('type') ?? '1'
        type = t.toUpperCase() === 'TXT' ? TXT : t.toUpperCase() === 'A' ? A : t.toUpperCase() === 'AAAA' ? AAAA : Number(t)
      } else {
        const query = req.method === 'POST' ? await readBody(req) : Buffer.from(url.searchParams.get('dns') ?? '', 'base64url')
        const parsed = parseQuestion(query)
        ;({ name, type } = parsed)
        wire = parsed
      }
      asked[json ? 'json' : 'wire']++
      const entry = zone.get(name)
      const host = hosts.get(name)
      if (entry && !Array.isArray(entry) && entry.fail === 'HTTP') return void res.writeHead(502).end('bad gateway')
      const rcode = entry === undefined ? (host ? NOERROR : NXDOMAIN) : Array.isArray(entry) ? NOERROR : SERVFAIL
      const records = type === TXT ? (Array.isArray(entry) ? entry : []) : type === A || type === AAAA ? (rcode === NOERROR ? (host?.[type] ?? []) : []) : []
      if (wire) {
        res.writeHead(200, { 'content-type': 'application/dns-message' }).end(wireAnswer(wire.id, wire.question, rcode, records, type))
      } else {
        // Long strings come back as several quoted parts, as Cloudflare's JSON form writes them.
        const quote = (v: string) => (v.match(/[\s\S]{1,255}/g) ?? ['']).map((part) => `"${part.replace(/["\\]/g, '\\$&')}"`).join(' ')
        res.writeHead(200, { 'content-type': 'application/dns-json' }).end(
          JSON.stringify({ Status: rcode, Question: [{ name, type }], Answer: records.length ? records.map((v) => ({ name, type, TTL: 300, data: type === TXT ? quote(v) : v })) : undefined }),
        )
      }
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('the DoH server has no port')
  server.unref()
  return {
    url: `http://127.0.0.1:${address.port}/dns-query`,
    asked,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
