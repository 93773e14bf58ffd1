/**
 * The outside edge for DNS: the TXT records of a name. One interface, two
 * implementations: DNS-over-HTTPS (Cloudflare's JSON API) in production, and a
 * fake that reads records from a KV binding, selected by `DNS_RESOLVER=fake`
 * (tests put records there; the binding does not exist in production).
 */
export interface DnsResolver {
  /**
   * Every TXT string published at `name` (empty when none or the name does not
   * exist). Throws DnsUnavailable when no answer could be had (network, timeout,
   * SERVFAIL): that says nothing about the record, so nothing may be concluded.
   */
  txt(name: string): Promise<string[]>
}

/** The resolver could not answer (as opposed to answering "no such record"). */
export class DnsUnavailable extends Error {}

export interface DnsEnv {
  DNS_RESOLVER?: string
  DNS_FAKE?: KVNamespace
}

const DOH_URL = 'https://cloudflare-dns.com/dns-query'
const TXT = 16

interface DohAnswer {
  Status?: number
  Answer?: { name?: string; type?: number; data?: string }[]
}

/** A TXT record's data as DoH returns it: one or more quoted strings, joined (RFC 7208 §3.3). */
export function parseTxtData(data: string): string {
  const parts = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'))
  return parts.length ? parts.join('') : data
}

const NOERROR = 0
const NXDOMAIN = 3

/** DNS-over-HTTPS against Cloudflare's resolver; only NOERROR and NXDOMAIN are answers, anything else throws DnsUnavailable. */
export function dohResolver(fetcher: typeof fetch = fetch): DnsResolver {
  return {
    async txt(name) {
      const url = `${DOH_URL}?name=${encodeURIComponent(name)}&type=TXT`
      let body: DohAnswer
      try {
        const res = await fetcher(url, { headers: { accept: 'application/dns-json' }, signal: AbortSignal.timeout(5000) })
        if (!res.ok) throw new DnsUnavailable(`DoH answered HTTP ${res.status}`)
        body = await res.json()
      } catch (error) {
        throw error instanceof DnsUnavailable ? error : new DnsUnavailable(`DoH lookup failed: ${String(error)}`)
      }
      if (body.Status === NXDOMAIN) return []
      if (body.Status !== NOERROR) throw new DnsUnavailable(`DoH answered DNS status ${String(body.Status)}`)
      if (!Array.isArray(body.Answer)) return []
      return body.Answer.filter((a) => a.type === TXT && typeof a.data === 'string').map((a) => parseTxtData(a.data!))
    },
  }
}

/**
 * Records from a KV namespace: key = the name, value = a JSON array of TXT
 * strings; no key = no records; any other value stands for a failed lookup.
 */
export function fakeResolver(kv: KVNamespace): DnsResolver {
  return {
    async txt(name) {
      const value = await kv.get<unknown>(name.toLowerCase(), 'json')
      if (value === null) return []
      if (!Array.isArray(value)) throw new DnsUnavailable(`fake DNS failure for ${name}`)
      return value.filter((v): v is string => typeof v === 'string')
    },
  }
}

/** The resolver for this environment. */
export function dnsResolver(env: DnsEnv): DnsResolver {
  if (env.DNS_RESOLVER === 'fake') {
    if (!env.DNS_FAKE) throw new Error('DNS_RESOLVER=fake needs a DNS_FAKE KV binding')
    return fakeResolver(env.DNS_FAKE)
  }
  return dohResolver()
}
