import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { addressClass, checkUrl } from '../../../worker/src/domain/webhook-urls.ts'

const production = { allowLocal: false }
const local = { allowLocal: true }

describe('where integrations may send', () => {
  it('wants https to a public address in production', () => {
    expect(checkUrl('https://hooks.example.com/trellis', production).ok).toBe(true)
    expect(checkUrl('https://93.184.215.14:8443/in', production).ok).toBe(true)
    for (const url of [
      'http://hooks.example.com/',
      'https://localhost/',
      'https://api.localhost/',
      'https://127.0.0.1/',
      'https://2130706433/', // 127.0.0.1 as one number: the URL parser normalises it
      'https://0x7f.1/',
      'https://[::1]/',
      'https://10.0.0.1/',
      'https://172.16.5.4/',
      'https://192.168.1.1/',
      'https://169.254.169.254/',
      'https://100.64.0.1/',
      'https://0.0.0.0/',
      'https://[fe80::1]/',
      'https://[fc00::1]/',
      'https://[::ffff:192.168.0.1]/',
      'https://[64:ff9b::a00:1]/',
      'https://user:secret@hooks.example.com/',
      'https://intranet/',
    ]) {
      expect(checkUrl(url, production).ok, url).toBe(false)
    }
  })

  it('allows http and loopback only where WEBHOOKS_ALLOW_LOCAL is set, and private ranges nowhere', () => {
    expect(checkUrl('http://127.0.0.1:8080/in', local).ok).toBe(true)
    expect(checkUrl('http://localhost:8080/in', local).ok).toBe(true)
    expect(checkUrl('https://10.0.0.1/', local).ok).toBe(false)
    expect(checkUrl('https://169.254.169.254/', local).ok).toBe(false)
  })

  it('classes every address of the private IPv4 ranges as private, and their IPv4-mapped IPv6 forms too', () => {
    const octet = fc.integer({ min: 0, max: 255 })
    fc.assert(
      fc.property(octet, octet, octet, fc.constantFrom('10', '172.16', '172.31', '192.168', '169.254'), (b, c, d, prefix) => {
        const parts = prefix.split('.').map(Number)
        const ip = [...parts, b, c, d].slice(0, 4).join('.')
        expect(addressClass(ip)).toBe('private')
        expect(addressClass(`::ffff:${ip}`)).toBe('private')
        expect(checkUrl(`https://${ip}/`, production).ok).toBe(false)
      }),
    )
    fc.assert(
      fc.property(octet, octet, octet, (b, c, d) => {
        expect(addressClass(`127.${b}.${c}.${d}`)).toBe('loopback')
      }),
    )
  })
})
