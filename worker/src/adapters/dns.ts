import { DomainError } from '../errors.ts'

/**
 * The outside edge for DNS: the TXT records of a name, asked of a
 * DNS-over-HTTPS resolver. Two forms of the same protocol:
 *
 * - `wire` (default): RFC 8484 — a DNS message (RFC 1035) base64url-encoded
 *   in `?dns=`, answered as `application/dns-message`. Every public DoH
 *   resolver speaks it (Cloudflare, Google, Quad9, a company's own).
 * - `json`: the `application/dns-json` form Cloudflare and Google also offer.
 *
 * The resolver URL is configuration (`DNS_RESOLVER_URL`), so tests point the
 * real adapter at a local server speaking both forms (test/helpers/doh-server.ts).
 */
export interface DnsResolver {
  /**
   * Every TXT string published at `name` (empty when none or the name does not
   * exist). Throws DnsUnavailable when no answer could be had (network, timeout,
   * SERVFAIL, a malformed answer): that says nothing about the record, so
   * nothing may be concluded.
   */
  txt(name: string): Promise<string[]>
  /**
   * The IPv4 (A) or IPv6 (AAAA) addresses of `name` (empty when none), with the
   * same DnsUnavailable rule. Webhook delivery asks before each request so a
   * name that resolves to a private address is refused.
   */
  addresses(name: string, type: 'A' | 'AAAA'): Promise<string[]>
}

/**
 * The resolver could not answer (as opposed to answering "no such record"):
 * nothing may be concluded, the caller is asked to try again. `reason` says
 * what went wrong, for logs; `lookup` the name asked for, once known.
 */
export class DnsUnavailable extends DomainError {
  constructor(
    readonly reason: string,
    readonly lookup?: string,
  ) {
    super('verification_failed', `The DNS lookup of ${lookup ?? 'that name'} failed. Try again in a few minutes.`)
  }
}

export interface DnsEnv {
  /** The DoH endpoint; Cloudflare's public resolver when unset. */
  DNS_RESOLVER_URL?: string
  /** `wire` (RFC 8484, the default) or `json`. */
  DNS_RESOLVER_FORMAT?: string
}

export const DEFAULT_DOH_URL = 'https://cloudflare-dns.com/dns-query'
const TIMEOUT_MS = 5000

const TYPE_A = 1
const TYPE_TXT = 16
const TYPE_AAAA = 28
const TYPE_CODE = { A: TYPE_A, AAAA: TYPE_AAAA, TXT: TYPE_TXT } as const
const CLASS_IN = 1
const NOERROR = 0
const NXDOMAIN = 3

/** A TXT record's data as the JSON form returns it: one or more quoted strings, joined (RFC 7208 §3.3). */
export function parseTxtData(data: string): string {
  const parts = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'))
  return parts.length ? parts.join('') : data
}

/** A DNS query message for the TXT records of `name` (ID 0, recursion desired, as RFC 8484 §4.1 asks for cacheability). */
export function encodeTxtQuery(name: string): Uint8Array {
  return encodeQuery(name, TYPE_TXT)
}

/** A DNS query message for records of `type` at `name`. */
export function encodeQuery(name: string, type: number): Uint8Array {
  const labels = name.replace(/\.$/, '').split('.')
  const encoder = new TextEncoder()
  const qname: number[] = []
  for (const label of labels) {
    const bytes = encoder.encode(label)
    if (bytes.length === 0 || bytes.length > 63) throw new DnsUnavailable(`not a valid DNS name: ${name}`)
    qname.push(bytes.length, ...bytes)
  }
  qname.push(0)
  if (qname.length > 255) throw new DnsUnavailable(`not a valid DNS name: ${name}`)
  // Header: id 0, flags RD, one question, no answers/authority/additional.
  const header = [0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
  return new Uint8Array([...header, ...qname, type >> 8, type & 0xff, CLASS_IN >> 8, CLASS_IN & 0xff])
}

/** base64url without padding (RFC 8484 §4.1). */
export function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The response code and TXT strings of a DNS response message; throws DnsUnavailable on anything malformed. */
export function decodeTxtResponse(message: Uint8Array): { rcode: number; txt: string[] } {
  const { rcode, txt } = decodeResponse(message)
  return { rcode, txt }
}

/** An A record's 4 bytes or an AAAA record's 16 as text (IPv6 in full, lower-case hex groups). */
function addressText(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.')
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16))
  return groups.join(':')
}

/** The response code, TXT strings and addresses (A and AAAA) of a DNS response message; throws DnsUnavailable on anything malformed. */
export function decodeResponse(message: Uint8Array): { rcode: number; txt: string[]; addresses: string[] } {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength)
  const fail = (why: string): never => {
    throw new DnsUnavailable(`malformed DNS answer: ${why}`)
  }
  if (message.length < 12) fail('shorter than a header')
  const flags = view.getUint16(2)
  if (!(flags & 0x8000)) fail('not a response')
  if (flags & 0x0200) fail('truncated')
  const rcode = flags & 0x000f
  const questions = view.getUint16(4)
  const answers = view.getUint16(6)
  let offset = 12
  // Names may be compressed (RFC 1035 §4.1.4); we only need to step over them.
  const skipName = () => {
    for (let steps = 0; steps < 128; steps++) {
      if (offset >= message.length) fail('name runs past the end')
      const len = message[offset]!
      if (len === 0) return void offset++
      if ((len & 0xc0) === 0xc0) return void (offset += 2)
      if (len & 0xc0) fail('unknown label type')
      offset += 1 + len
    }
    fail('name too long')
  }
  for (let i = 0; i < questions; i++) {
    skipName()
    offset += 4
  }
  const decoder = new TextDecoder()
  const txt: string[] = []
  const addresses: string[] = []
  for (let i = 0; i < answers; i++) {
    skipName()
    if (offset + 10 > message.length) fail('record header runs past the end')
    const type = view.getUint16(offset)
    const klass = view.getUint16(offset + 2)
    const length = view.getUint16(offset + 8)
    offset += 10
    const end = offset + length
    if (end > message.length) fail('record data runs past the end')
    if (type === TYPE_TXT && klass === CLASS_IN) {
      // One record: a sequence of <length><bytes> character-strings, joined (RFC 7208 §3.3).
      const parts: string[] = []
      for (let at = offset; at < end; ) {
        const n = message[at]!
        if (at + 1 + n > end) fail('TXT string runs past its record')
        parts.push(decoder.decode(message.subarray(at + 1, at + 1 + n)))
        at += 1 + n
      }
      txt.push(parts.join(''))
    } else if (klass === CLASS_IN && ((type === TYPE_A && length === 4) || (type === TYPE_AAAA && length === 16))) {
      addresses.push(addressText(message.subarray(offset, end)))
    }
    offset = end
  }
  return { rcode, txt, addresses }
}

/** Only NOERROR and NXDOMAIN are answers; every other code says the resolver could not tell. */
function conclude(rcode: number | undefined, txt: () => string[]): string[] {
  if (rcode === NXDOMAIN) return []
  if (rcode !== NOERROR) throw new DnsUnavailable(`the resolver answered DNS status ${String(rcode)}`)
  return txt()
}

async function ask(fetcher: typeof fetch, url: string, accept: string): Promise<Response> {
  let res: Response
  try {
    res = await fetcher(url, { headers: { accept }, signal: AbortSignal.timeout(TIMEOUT_MS) })
  } catch (error) {
    throw new DnsUnavailable(`DoH lookup failed: ${String(error)}`)
  }
  if (!res.ok) {
    await res.body?.cancel()
    throw new DnsUnavailable(`DoH answered HTTP ${res.status}`)
  }
  return res
}

/** RFC 8484 wire format over GET. */
export function wireResolver(endpoint = DEFAULT_DOH_URL, fetcher: typeof fetch = fetch): DnsResolver {
  /** The DNS message answering `query`; anything but one is the resolver being unavailable. */
  async function exchange(query: Uint8Array): Promise<Uint8Array> {
    const url = new URL(endpoint)
    url.searchParams.set('dns', base64url(query))
    const res = await ask(fetcher, url.href, 'application/dns-message')
    const type = res.headers.get('content-type') ?? ''
    if (!type.startsWith('application/dns-message')) {
      await res.body?.cancel()
      throw new DnsUnavailable(`DoH answered ${type || 'no content type'}, not a DNS message`)
    }
    return new Uint8Array(await res.arrayBuffer())
  }
  return {
    async txt(name) {
      const answer = decodeTxtResponse(await exchange(encodeTxtQuery(name)))
      return conclude(answer.rcode, () => answer.txt)
    },
    async addresses(name, type) {
      const answer = decodeResponse(await exchange(encodeQuery(name, TYPE_CODE[type])))
      // A CNAME chain comes back with the final records in the same answer; only addresses of the asked family count.
      return conclude(answer.rcode, () => answer.addresses.filter((a) => (type === 'A') === !a.includes(':')))
    },
  }
}

interface DohJson {
  Status?: number
  Answer?: { name?: string; type?: number; data?: string }[]
}

/** The JSON form (`application/dns-json`). */
export function jsonResolver(endpoint = DEFAULT_DOH_URL, fetcher: typeof fetch = fetch): DnsResolver {
  /** The status and the records of `type` with data answering `name`; anything but JSON is the resolver being unavailable. */
  async function lookup(name: string, type: string, code: number) {
    const url = new URL(endpoint)
    url.searchParams.set('name', name)
    url.searchParams.set('type', type)
    const res = await ask(fetcher, url.href, 'application/dns-json')
    let body: DohJson
    try {
      body = await res.json()
    } catch (error) {
      throw new DnsUnavailable(`DoH answered something that is not JSON: ${String(error)}`)
    }
    const data = Array.isArray(body.Answer) ? body.Answer.filter((a) => a.type === code && typeof a.data === 'string').map((a) => a.data!) : []
    return { status: body.Status, data }
  }
  return {
    async txt(name) {
      const { status, data } = await lookup(name, 'TXT', TYPE_TXT)
      return conclude(status, () => data.map(parseTxtData))
    },
    async addresses(name, type) {
      const { status, data } = await lookup(name, type, TYPE_CODE[type])
      return conclude(status, () => data)
    },
  }
}

/** The resolver for this environment. */
export function dnsResolver(env: DnsEnv): DnsResolver {
  const url = env.DNS_RESOLVER_URL || DEFAULT_DOH_URL
  const resolver = env.DNS_RESOLVER_FORMAT === 'json' ? jsonResolver(url) : wireResolver(url)
  // A failed lookup names what was asked, for the problem that tells the caller.
  const naming = <T>(name: string, lookup: Promise<T>) =>
    lookup.catch((error: unknown) => {
      throw error instanceof DnsUnavailable ? new DnsUnavailable(error.reason, name) : error
    })
  return {
    txt: (name) => naming(name, resolver.txt(name)),
    addresses: (name, type) => naming(name, resolver.addresses(name, type)),
  }
}
