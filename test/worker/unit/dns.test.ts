import { env } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { base64url, decodeTxtResponse, DnsUnavailable, encodeTxtQuery, jsonResolver, parseTxtData, wireResolver } from '../../../worker/src/adapters/dns.ts'
import { breakDns, publishAddresses, publishTxt, unpublishTxt } from '../../helpers/client.ts'
import { addressClass } from '../../../worker/src/domain/webhook-urls.ts'
import { sniffLogo } from '../../../worker/src/domain/logo.ts'

// The real adapter against a local DoH server (test/helpers/doh-server.ts) speaking RFC 8484 wire format and the JSON form.
const forms = [
  ['RFC 8484 wire format', (url: string) => wireResolver(url)],
  ['JSON form', (url: string) => jsonResolver(url)],
] as const

describe.each(forms)('the DNS-over-HTTPS resolver, %s', (form, resolverAt) => {
  const resolver = resolverAt(env.DNS_RESOLVER_URL)
  const name = (label: string) => `_trellis.${label}.${form.startsWith('RFC') ? 'wire' : 'json'}.dns.example`

  it('finds the A and AAAA addresses of a name (webhook delivery checks them), and none where there are none', async () => {
    await publishAddresses(name('host'), 'A', '93.184.215.14', '10.0.0.5')
    await publishAddresses(name('host'), 'AAAA', 'fd00::1')
    expect(await resolver.addresses(name('host'), 'A')).toEqual(['93.184.215.14', '10.0.0.5'])
    const v6 = await resolver.addresses(name('host'), 'AAAA')
    // The wire form spells it out (fd00:0:0:0:0:0:0:1), the JSON form as published: both the same address.
    expect(v6).toHaveLength(1)
    expect(addressClass(v6[0]!)).toBe('private')
    expect(v6[0]!.replace(/:(0:)+/, '::').replace(/::+/, '::')).toBe('fd00::1')
    expect(await resolver.addresses(name('nowhere-host'), 'A')).toEqual([])
  })

  it('finds every TXT string at a name, joining a long record split into several strings', async () => {
    const long = `trellis-verify=${'x'.repeat(300)}`
    await publishTxt(name('many'), 'trellis-verify=abc', 'v=spf1 -all', long, 'say "hi" \\ back')
    expect(await resolver.txt(name('many'))).toEqual(['trellis-verify=abc', 'v=spf1 -all', long, 'say "hi" \\ back'])
  })

  it('asks case-insensitively and accepts a trailing dot', async () => {
    await publishTxt(name('case'), 'token')
    expect(await resolver.txt(name('CASE').toUpperCase() + '.')).toEqual(['token'])
  })

  it('answers no records for a name that does not exist (NXDOMAIN) and for a name without TXT records', async () => {
    expect(await resolver.txt(name('nowhere'))).toEqual([])
    await publishTxt(name('empty'))
    expect(await resolver.txt(name('empty'))).toEqual([])
    await publishTxt(name('gone'), 'was here')
    await unpublishTxt(name('gone'))
    expect(await resolver.txt(name('gone'))).toEqual([])
  })

  it('throws DnsUnavailable for SERVFAIL, HTTP errors and an unreachable resolver: no answer is not "no record"', async () => {
    await breakDns(name('servfail'), 'SERVFAIL')
    await expect(resolver.txt(name('servfail'))).rejects.toBeInstanceOf(DnsUnavailable)
    await breakDns(name('http'), 'HTTP')
    await expect(resolver.txt(name('http'))).rejects.toBeInstanceOf(DnsUnavailable)
    // A URL that is not a resolver (404).
    await expect(resolverAt(env.DNS_RESOLVER_URL.replace('/dns-query', '/nothing')).txt(name('x'))).rejects.toBeInstanceOf(DnsUnavailable)
  })
})

describe('DNS messages', () => {
  it('encodes a TXT question the way RFC 1035 lays it out', () => {
    const q = encodeTxtQuery('_trellis.a.example')
    expect([...q.subarray(0, 12)]).toEqual([0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0])
    expect(new TextDecoder().decode(q.subarray(12, q.length - 4))).toBe('\x08_trellis\x01a\x07example\x00')
    expect([...q.subarray(q.length - 4)]).toEqual([0, 16, 0, 1])
    expect(base64url(q)).not.toMatch(/[=+/]/)
  })

  it('refuses names that are not DNS names', () => {
    expect(() => encodeTxtQuery(`${'a'.repeat(64)}.example`)).toThrow(DnsUnavailable)
    expect(() => encodeTxtQuery('a..example')).toThrow(DnsUnavailable)
  })

  it('never throws anything but DnsUnavailable on a malformed answer, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          const answer = decodeTxtResponse(bytes)
          expect(answer.txt.every((t) => typeof t === 'string')).toBe(true)
        } catch (error) {
          expect(error).toBeInstanceOf(DnsUnavailable)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('unescapes quoted TXT data of the JSON form', () => {
    expect(parseTxtData('"a \\"quoted\\" word"')).toBe('a "quoted" word')
    expect(parseTxtData('"split " "in two"')).toBe('split in two')
    expect(parseTxtData('bare')).toBe('bare')
  })
})

describe('logo sniffing', () => {
  const bytes = (...b: number[]) => new Uint8Array(b)
  it('reads the type from the bytes', () => {
    expect(sniffLogo(bytes(0xff, 0xd8, 0xff, 0xe0), 'image/jpeg')).toEqual({ ok: true, type: 'image/jpeg' })
    const webp = new TextEncoder().encode('RIFF\u0000\u0000\u0000\u0000WEBPVP8 ')
    expect(sniffLogo(webp, null)).toEqual({ ok: true, type: 'image/webp' })
    expect(sniffLogo(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0" fill="url(#g)"/></svg>'), 'image/svg+xml').ok).toBe(true)
  })
  it('refuses script-capable or mislabelled content', () => {
    for (const svg of ['<svg><a href="javascript:alert(1)"/></svg>', '<svg><foreignObject/></svg>', '<!DOCTYPE svg [<!ENTITY x "y">]><svg/>', '<svg onload=alert(1)>']) {
      expect(sniffLogo(new TextEncoder().encode(svg), 'image/svg+xml').ok, svg).toBe(false)
    }
    expect(sniffLogo(bytes(0xff, 0xd8, 0xff), 'image/png').ok).toBe(false)
    expect(sniffLogo(bytes(0x47, 0x49, 0x46, 0x38), 'image/gif').ok).toBe(false)
  })
})
