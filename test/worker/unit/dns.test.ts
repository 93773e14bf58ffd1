import { describe, expect, it } from 'vitest'
import { DnsUnavailable, dohResolver, parseTxtData } from '../../../worker/src/adapters/dns.ts'
import { sniffLogo } from '../../../worker/src/domain/logo.ts'

describe('the DNS-over-HTTPS resolver', () => {
  it('asks Cloudflare for TXT records in JSON and joins multi-string records', async () => {
    const seen: { url: string; accept: string | null }[] = []
    const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push({ url: String(input), accept: new Headers(init?.headers).get('accept') })
      return Response.json({
        Status: 0,
        Answer: [
          { name: '_trellis.portal.example.com', type: 16, data: '"trellis-verify=abc"' },
          { name: '_trellis.portal.example.com', type: 16, data: '"v=spf1 " "-all"' },
          { name: 'portal.example.com', type: 5, data: 'elsewhere.example.com.' },
        ],
      })
    }) as typeof fetch
    const records = await dohResolver(fetcher).txt('_trellis.portal.example.com')
    expect(records).toEqual(['trellis-verify=abc', 'v=spf1 -all'])
    expect(seen).toEqual([{ url: 'https://cloudflare-dns.com/dns-query?name=_trellis.portal.example.com&type=TXT', accept: 'application/dns-json' }])
  })

  it('answers no records for NXDOMAIN and NOERROR without answers', async () => {
    for (const body of [{ Status: 3 }, { Status: 0 }]) expect(await dohResolver((async () => Response.json(body)) as unknown as typeof fetch).txt('x.example.com')).toEqual([])
  })

  it('throws DnsUnavailable for HTTP errors, SERVFAIL, bad bodies and network failures (no answer is not "no record")', async () => {
    const answers = [
      async () => new Response('bad gateway', { status: 502 }),
      async () => Response.json({ Status: 2 }),
      async () => {
        throw new TypeError('network down')
      },
      async () => new Response('not json'),
    ]
    for (const answer of answers) await expect(dohResolver(answer as unknown as typeof fetch).txt('x.example.com')).rejects.toBeInstanceOf(DnsUnavailable)
  })

  it('unescapes quoted TXT data', () => {
    expect(parseTxtData('"a \\"quoted\\" word"')).toBe('a "quoted" word')
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
