/**
 * Where an integration (webhook or log stream) may send the account's
 * activity: https to a public address. Private, loopback, link-local and
 * other special-purpose ranges are refused — when the URL names them
 * directly (at creation, as a field error) and when its host resolves to them
 * (at every delivery, see durable/hooks.ts) — so nobody can point the portal
 * at services inside its own network. `WEBHOOKS_ALLOW_LOCAL=true` (local
 * development and tests only) allows http and loopback addresses.
 */

export interface UrlPolicy {
  allowLocal: boolean
}

export function urlPolicy(env: { WEBHOOKS_ALLOW_LOCAL?: string }): UrlPolicy {
  return { allowLocal: env.WEBHOOKS_ALLOW_LOCAL === 'true' }
}

/** What kind of special address this is, or null for a public one. */
export type AddressClass = 'loopback' | 'private' | null

function v4Class(parts: number[]): AddressClass {
  const [a, b, c] = parts as [number, number, number, number]
  if (a === 127) return 'loopback'
  if (a === 0 || a === 10 || a >= 224) return 'private' // this network, private, multicast, reserved, broadcast
  if (a === 100 && b >= 64 && b <= 127) return 'private' // carrier-grade NAT
  if (a === 169 && b === 254) return 'private' // link-local (cloud metadata lives here)
  if (a === 172 && b >= 16 && b <= 31) return 'private'
  if (a === 192 && b === 168) return 'private'
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return 'private' // IETF protocol assignments, TEST-NET-1
  if (a === 198 && (b === 18 || b === 19)) return 'private' // benchmarking
  if (a === 198 && b === 51 && c === 100) return 'private' // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return 'private' // TEST-NET-3
  return null
}

function parseV4(text: string): number[] | null {
  const parts = text.split('.')
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null
  return parts.map(Number)
}

/** Eight 16-bit groups of an IPv6 address (embedded IPv4 allowed), or null. */
function parseV6(text: string): number[] | null {
  let s = text.replace(/^\[|\]$/g, '').toLowerCase()
  const zone = s.indexOf('%')
  if (zone >= 0) s = s.slice(0, zone)
  if (!s.includes(':')) return null
  let tail: number[] = []
  const lastColon = s.lastIndexOf(':')
  const last = s.slice(lastColon + 1)
  if (last.includes('.')) {
    const v4 = parseV4(last)
    if (!v4) return null
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!]
    s = s.slice(0, lastColon + 1) + '0:0'
  }
  const halves = s.split('::')
  if (halves.length > 2) return null
  const group = (g: string) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)
  const head = halves[0] ? halves[0].split(':').map(group) : []
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':').map(group) : []
  let groups = halves.length === 2 ? [...head, ...Array(8 - head.length - rest.length).fill(0), ...rest] : head
  if (tail.length) groups = [...groups.slice(0, groups.length - 2), ...tail]
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return null
  return groups
}

/** Whether an IP address (text) is special; null when public; undefined when it is not an IP address at all. */
export function addressClass(ip: string): AddressClass | undefined {
  const v4 = parseV4(ip)
  if (v4) return v4Class(v4)
  const v6 = parseV6(ip)
  if (!v6) return undefined
  const [g0, g1, g2, g3, g4, g5, g6, g7] = v6 as [number, number, number, number, number, number, number, number]
  if (v6.every((g) => g === 0)) return 'private' // unspecified
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback'
  // IPv4-mapped (::ffff:a.b.c.d) and the NAT64 prefix (64:ff9b::/96) carry an IPv4 address.
  const embedded = (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) || (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0)
  if (embedded) return v4Class([g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff])
  if ((g0 & 0xfe00) === 0xfc00) return 'private' // unique local
  if ((g0 & 0xffc0) === 0xfe80) return 'private' // link-local
  if ((g0 & 0xff00) === 0xff00) return 'private' // multicast
  if (g0 === 0x2001 && g1 === 0xdb8) return 'private' // documentation
  return null
}

/** Whether a refused class passes under this policy (loopback in local development). */
export function allowedClass(cls: AddressClass, policy: UrlPolicy): boolean {
  return cls === null || (cls === 'loopback' && policy.allowLocal)
}

export type UrlCheck = { ok: true; url: URL; ipLiteral: boolean } | { ok: false; message: string }

/**
 * Check a destination URL as typed (no DNS here: names are resolved at
 * delivery). The URL parser normalises the host first, so `0x7f.1` or
 * `2130706433` are seen as the 127.0.0.1 they are.
 */
export function checkUrl(raw: string, policy: UrlPolicy): UrlCheck {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { ok: false, message: 'Enter a full URL, e.g. https://hooks.example.com/trellis.' }
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowLocal)) return { ok: false, message: 'Use an https:// URL.' }
  if (url.username || url.password) return { ok: false, message: 'Leave credentials out of the URL.' }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return policy.allowLocal ? { ok: true, url, ipLiteral: false } : { ok: false, message: 'Use a public address, not localhost.' }
  }
  const cls = addressClass(host)
  if (cls === undefined) {
    if (!host.includes('.')) return { ok: false, message: 'Use a public hostname (with a domain).' }
    return { ok: true, url, ipLiteral: false }
  }
  if (!allowedClass(cls, policy)) return { ok: false, message: `Use a public address: ${host} is a ${cls === 'loopback' ? 'loopback' : 'private or reserved'} address.` }
  return { ok: true, url, ipLiteral: true }
}
