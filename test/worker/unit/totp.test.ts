import fc from 'fast-check'
import { generateHOTP } from '@oslojs/otp'
import { describe, expect, it } from 'vitest'
import { matchTotp, normalizeRecoveryCode, totpCode, totpStep, totpUri } from '../../../worker/src/crypto/totp.ts'
import { open, seal, totpSealingSecret } from '../../../worker/src/crypto/secret-box.ts'

const key = fc.uint8Array({ minLength: 20, maxLength: 20 })
const moment = fc.integer({ min: 1_600_000_000_000, max: 2_500_000_000_000 })

describe('TOTP (RFC 6238)', () => {
  it('matches the RFC 6238 SHA-1 test vector at 59 s', () => {
    const rfc = new TextEncoder().encode('12345678901234567890')
    // The RFC's 8-digit 94287082 ends in these 6 digits.
    expect(matchTotp(rfc, '287082', null, 59_000)).toBe(1)
  })

  it('accepts exactly the codes of the current step and one step either side, as @oslojs/otp computes them', () => {
    fc.assert(
      fc.property(key, moment, fc.integer({ min: -3, max: 3 }), (k, now, offset) => {
        const step = totpStep(now) + offset
        const code = generateHOTP(k, BigInt(step), 6)
        const found = matchTotp(k, code, null, now)
        if (Math.abs(offset) <= 1) expect(found).not.toBeNull()
        // A code of another step may collide with one in the window only by chance (1 in 10^6).
        if (found !== null) expect(totpCode(k, found)).toBe(code)
      }),
    )
  })

  it('never accepts a step at or before the last used one (replays)', () => {
    fc.assert(
      fc.property(key, moment, fc.integer({ min: -1, max: 1 }), fc.integer({ min: 0, max: 2 }), (k, now, offset, ahead) => {
        const step = totpStep(now) + offset
        const found = matchTotp(k, totpCode(k, step), step + ahead, now)
        if (found !== null) expect(found).toBeGreaterThan(step + ahead)
      }),
    )
  })

  it('refuses anything that is not six digits', () => {
    fc.assert(fc.property(key, fc.string(), (k, code) => {
      if (!/^[0-9]{6}$/.test(code)) expect(matchTotp(k, code, null)).toBeNull()
    }))
  })

  it('builds an otpauth URI authenticator apps read', () => {
    const uri = new URL(totpUri('Acme Hosting', 'tess@acme.test', new Uint8Array(20)))
    expect(uri.protocol).toBe('otpauth:')
    expect(uri.searchParams.get('secret')).toBe('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')
    expect(uri.searchParams.get('issuer')).toBe('Acme Hosting')
    expect(uri.searchParams.get('period')).toBe('30')
  })

  it('reads recovery codes however they are typed', () => {
    expect(normalizeRecoveryCode(' ABCDE fgh23 ')).toBe('abcde-fgh23')
    expect(normalizeRecoveryCode('abcde-fgh2')).toBeNull()
  })
})

describe('TOTP keys at rest (AES-GCM)', () => {
  it('opens only with the same secret and the same owner', async () => {
    const k = crypto.getRandomValues(new Uint8Array(20))
    const sealed = await seal('s1', k, 'usr_a')
    expect(sealed).not.toContain(Buffer.from(k).toString('base64'))
    expect(await open('s1', sealed, 'usr_a')).toEqual(k)
    await expect(open('s2', sealed, 'usr_a')).rejects.toThrow()
    await expect(open('s1', sealed, 'usr_b')).rejects.toThrow()
  })

  it('refuses the development key on an https deployment', () => {
    expect(() => totpSealingSecret({ HTTPS_ONLY: 'true' }, 'dev')).toThrow(/TOTP_ENCRYPTION_KEY/)
    expect(() => totpSealingSecret({ PUBLIC_ORIGIN: 'https://portal.example.com' }, 'dev')).toThrow()
    expect(totpSealingSecret({ HTTPS_ONLY: 'false', PUBLIC_ORIGIN: 'http://localhost:8787' }, 'dev')).toBe('dev')
    expect(totpSealingSecret({ HTTPS_ONLY: 'true', TOTP_ENCRYPTION_KEY: 'real' }, 'dev')).toBe('real')
  })
})
