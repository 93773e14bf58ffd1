import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from '@oslojs/encoding'
import { describe, expect, it } from 'vitest'
import { readClientData, verifyAssertion, verifyRegistration, WebAuthnError } from '../../../worker/src/crypto/webauthn.ts'
import { cbor, softAuthenticator, type Cbor } from '../../helpers/authenticator.ts'

const rp = { id: 'localhost', origin: 'http://localhost' }
const challenge = encodeBase64urlNoPadding(new Uint8Array(32).fill(7))

describe('WebAuthn verification (no mocks: real keys, real bytes)', () => {
  it('verifies an ES256 registration and its assertions, and refuses a counter that goes back', async () => {
    const auth = await softAuthenticator()
    const reg = await auth.register({ challenge, rp: { id: 'localhost' } })
    expect(encodeBase64urlNoPadding(readClientData(decodeBase64urlIgnorePadding(reg.clientDataJSON), 'create', rp))).toBe(challenge)
    const cred = verifyRegistration(decodeBase64urlIgnorePadding(reg.attestationObject), rp)
    expect(cred.algorithm).toBe(-7)
    const stored = { algorithm: cred.algorithm, publicKey: cred.publicKey, signCount: 0 }
    const a = await auth.assert({ challenge, rpId: 'localhost' }, { counter: 5 })
    const bytes = { authenticatorData: decodeBase64urlIgnorePadding(a.authenticatorData), clientDataJSON: decodeBase64urlIgnorePadding(a.clientDataJSON), signature: decodeBase64urlIgnorePadding(a.signature) }
    expect(verifyAssertion(bytes, stored, rp)).toBe(5)
    expect(() => verifyAssertion(bytes, { ...stored, signCount: 5 }, rp)).toThrow(WebAuthnError)
    expect(() => verifyAssertion(bytes, stored, { id: 'evil.example', origin: 'http://localhost' })).toThrow(/another site/)
    const other = await softAuthenticator()
    const otherCred = verifyRegistration(decodeBase64urlIgnorePadding((await other.register({ challenge, rp: { id: 'localhost' } })).attestationObject), rp)
    expect(() => verifyAssertion(bytes, { ...stored, publicKey: otherCred.publicKey }, rp)).toThrow(/signature/)
  })

  it('verifies keys whose coordinates start with a zero byte (one key in 128: a short encoding once failed them)', async () => {
    let auth = await softAuthenticator()
    for (let tries = 0; auth.x[0] !== 0 && auth.y[0] !== 0 && tries < 5000; tries++) auth = await softAuthenticator()
    expect(auth.x[0] === 0 || auth.y[0] === 0).toBe(true)
    const cred = verifyRegistration(decodeBase64urlIgnorePadding((await auth.register({ challenge, rp: { id: 'localhost' } })).attestationObject), rp)
    const a = await auth.assert({ challenge, rpId: 'localhost' })
    const bytes = { authenticatorData: decodeBase64urlIgnorePadding(a.authenticatorData), clientDataJSON: decodeBase64urlIgnorePadding(a.clientDataJSON), signature: decodeBase64urlIgnorePadding(a.signature) }
    expect(verifyAssertion(bytes, { algorithm: cred.algorithm, publicKey: cred.publicKey, signCount: 0 }, rp)).toBe(1)
  })

  it('verifies an RS256 (Windows Hello) registration and assertion', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
    const jwk = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JsonWebKey
    const sha = async (d: Uint8Array) => new Uint8Array(await crypto.subtle.digest('SHA-256', d))
    const rpHash = await sha(new TextEncoder().encode('localhost'))
    const id = new Uint8Array([1, 2, 3, 4])
    const cose = cbor(new Map<Cbor, Cbor>([[1, 3], [3, -257], [-1, decodeBase64urlIgnorePadding(jwk.n!)], [-2, decodeBase64urlIgnorePadding(jwk.e!)]]))
    const authData = new Uint8Array([...rpHash, 0x45, 0, 0, 0, 0, ...new Uint8Array(16), 0, id.length, ...id, ...cose])
    const attestation = cbor(new Map<Cbor, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]))
    const cred = verifyRegistration(attestation, rp)
    expect(cred.algorithm).toBe(-257)
    const assertData = new Uint8Array([...rpHash, 0x05, 0, 0, 0, 1])
    const clientDataJSON = new TextEncoder().encode(JSON.stringify({ type: 'webauthn.get', challenge, origin: rp.origin }))
    const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', pair.privateKey, new Uint8Array([...assertData, ...(await sha(clientDataJSON))])))
    expect(verifyAssertion({ authenticatorData: assertData, clientDataJSON, signature }, { algorithm: -257, publicKey: cred.publicKey, signCount: 0 }, rp)).toBe(1)
  })

  it('refuses client data of another ceremony or origin, and garbage without throwing anything else', () => {
    const cd = (o: object) => new TextEncoder().encode(JSON.stringify(o))
    expect(() => readClientData(cd({ type: 'webauthn.get', challenge, origin: rp.origin }), 'create', rp)).toThrow(/another ceremony/)
    expect(() => readClientData(cd({ type: 'webauthn.create', challenge, origin: 'https://evil.example' }), 'create', rp)).toThrow(/another site/)
    expect(() => readClientData(new Uint8Array([1, 2, 3]), 'create', rp)).toThrow(WebAuthnError)
    expect(() => verifyRegistration(new Uint8Array([0xa0]), rp)).toThrow(WebAuthnError)
  })
})
