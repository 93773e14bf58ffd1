import { describe, expect, it } from 'vitest'
import { clientOf } from '../../../worker/src/domain/sign-in-limits.ts'

describe('clientOf: the client a sign-in counter is kept for', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    [' 203.0.113.7 ', '203.0.113.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2:a:b:c:d', '2001:db8:1:2::/64'],
    ['[2001:db8:1:2::99]', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['2001:db8::', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::ffff:198.51.100.4', '198.51.100.4'],
    ['::ffff:c633:6404', '198.51.100.4'],
    ['2001:db8:1:2::192.0.2.1', '2001:db8:1:2::/64'],
    ['', 'unknown'],
    ['unknown', 'unknown'],
  ])('%s → %s', (ip, client) => {
    expect(clientOf(ip)).toBe(client)
  })

  it('keeps a string that is not an IPv6 address as it is (never merging it with another client)', () => {
    expect(clientOf('1:2:3')).toBe('1:2:3')
    expect(clientOf('1::2::3')).toBe('1::2::3')
  })
})
