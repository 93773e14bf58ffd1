import { describe, expect, it } from 'vitest'
import { describeDevice } from '../../../worker/src/domain/user-agent.ts'
import { bearerToken } from '../../../worker/src/middleware/session.ts'

describe('describeDevice', () => {
  it.each([
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36', 'Chrome on macOS', false],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0', 'Edge on Windows', false],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0', 'Firefox on Linux', false],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 'Safari on iPhone', true],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36', 'Chrome on Android', true],
    ['curl/8.5.0', 'curl', false],
    ['', 'Unknown device', false],
  ])('reads %s as %s', (ua, label, mobile) => {
    const device = describeDevice(ua)
    expect(device.label).toBe(label)
    expect(device.mobile).toBe(mobile)
  })
})

describe('bearerToken', () => {
  it('reads a Bearer header, says "" for a malformed one and null for none', () => {
    expect(bearerToken(undefined)).toBeNull()
    expect(bearerToken('Bearer trl_abc')).toBe('trl_abc')
    expect(bearerToken('bearer  trl_abc ')).toBe('trl_abc')
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBe('')
    expect(bearerToken('Bearer a b')).toBe('')
  })
})
