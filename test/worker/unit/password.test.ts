import { describe, expect, it } from 'vitest'
import { dummyHash, hashPassword, needsRehash, OWASP_ARGON2, parsePasswordHash, verifyPassword } from '../../../worker/src/crypto/password.ts'
import { passwordProblem } from '../../../worker/src/crypto/password-policy.ts'

describe('password hashing', () => {
  it('hashes with Argon2id at the production (OWASP) setting into a PHC string, and verifies it', () => {
    const phc = hashPassword('correct horse battery staple', OWASP_ARGON2)
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/)
    expect(verifyPassword('correct horse battery staple', phc)).toBe(true)
    expect(verifyPassword('correct horse battery stapler', phc)).toBe(false)
  })

  it('salts every hash', () => {
    const p = { m: 64, t: 1, p: 1 }
    expect(hashPassword('same password', p)).not.toBe(hashPassword('same password', p))
  })

  it('asks for a rehash only when the current parameters are stronger', () => {
    const phc = hashPassword('pw', { m: 64, t: 1, p: 1 })
    expect(needsRehash(phc, { m: 64, t: 1, p: 1 })).toBe(false)
    expect(needsRehash(phc, { m: 128, t: 1, p: 1 })).toBe(true)
    expect(needsRehash(phc, { m: 64, t: 2, p: 1 })).toBe(true)
    expect(needsRehash(phc, { m: 32, t: 1, p: 1 })).toBe(false)
  })

  it('refuses hashes that are not Argon2id PHC strings', () => {
    expect(parsePasswordHash('$2b$10$abcdefghijklmnopqrstuv')).toBeNull()
    expect(verifyPassword('anything', 'plain-text')).toBe(false)
  })

  it('makes the dummy hash for unknown emails with the current parameters (same cost as a real one)', () => {
    const params = { m: 128, t: 2, p: 1 }
    expect(parsePasswordHash(dummyHash(params))!.params).toEqual(params)
  })
})

describe('password policy', () => {
  it('refuses fewer than 8 and more than 256 characters', async () => {
    expect(await passwordProblem('short7!')).toMatch(/at least 8/)
    expect(await passwordProblem('x'.repeat(257))).toMatch(/at most 256/)
  })

  it('refuses the most common passwords, whatever their case', async () => {
    for (const pw of ['password', '12345678', 'qwertyuiop', 'iloveyou', 'PassWord1', 'football']) {
      expect(await passwordProblem(pw), pw).toMatch(/common/)
    }
  })

  it('accepts a long uncommon password', async () => {
    expect(await passwordProblem('violet-harbour-71-lantern')).toBeNull()
  })
})
