/**
 * A software WebAuthn authenticator for tests: a real ES256 key pair (WebCrypto)
 * and the exact bytes a browser and an authenticator send — client data JSON,
 * a CBOR attestation object ("none" format) and signed assertions — so the
 * server's verification runs unmocked.
 */
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from '@oslojs/encoding'

export type Cbor = number | string | Uint8Array | Cbor[] | Map<Cbor, Cbor>

function head(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n]
  if (n < 256) return [(major << 5) | 24, n]
  if (n < 65536) return [(major << 5) | 25, n >> 8, n & 255]
  return [(major << 5) | 26, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255]
}

/** A minimal CBOR encoder (RFC 8949): integers, text, bytes, arrays, maps. */
export function cbor(value: Cbor): Uint8Array {
  const out: number[] = []
  const put = (v: Cbor) => {
    if (typeof v === 'number') out.push(...(v >= 0 ? head(0, v) : head(1, -1 - v)))
    else if (typeof v === 'string') {
      const b = new TextEncoder().encode(v)
      out.push(...head(3, b.length), ...b)
    } else if (v instanceof Uint8Array) out.push(...head(2, v.length), ...v)
    else if (Array.isArray(v)) {
      out.push(...head(4, v.length))
      v.forEach(put)
    } else {
      out.push(...head(5, v.size))
      for (const [k, x] of v) {
        put(k)
        put(x)
      }
    }
  }
  put(value)
  return new Uint8Array(out)
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

const sha256 = async (data: Uint8Array) => new Uint8Array(await crypto.subtle.digest('SHA-256', data))
const be32 = (n: number) => new Uint8Array([(n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255])

/** A raw (r ‖ s) P-256 signature as DER, as authenticators send it. */
function derSignature(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0
    while (i < b.length - 1 && b[i] === 0) i++
    let v = b.slice(i)
    if (v[0]! & 0x80) v = concat(new Uint8Array([0]), v)
    return concat(new Uint8Array([0x02, v.length]), v)
  }
  const body = concat(int(raw.slice(0, 32)), int(raw.slice(32)))
  return concat(new Uint8Array([0x30, body.length]), body)
}

export interface SoftAuthenticator {
  credentialId: Uint8Array
  /** The public key's coordinates, 32 bytes each (as COSE carries them). */
  x: Uint8Array
  y: Uint8Array
  counter: number
  /** `navigator.credentials.create` for these options: the body of POST /me/passkeys (without the name). */
  register(options: { challenge: string; rp: { id: string } }, opts?: { origin?: string; userVerified?: boolean; rpId?: string }): Promise<{ clientDataJSON: string; attestationObject: string }>
  /** `navigator.credentials.get` for these options: the body of an assertion. */
  assert(options: { challenge: string; rpId: string }, opts?: { origin?: string; counter?: number }): Promise<{ credentialId: string; clientDataJSON: string; authenticatorData: string; signature: string }>
}

/** A new authenticator holding one fresh ES256 credential. */
export async function softAuthenticator(origin = 'http://localhost'): Promise<SoftAuthenticator> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
  const jwk = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JsonWebKey
  const credentialId = crypto.getRandomValues(new Uint8Array(16))
  const clientData = (type: string, challenge: string, o: string) => new TextEncoder().encode(JSON.stringify({ type, challenge, origin: o, crossOrigin: false }))
  const x = decodeBase64urlIgnorePadding(jwk.x!)
  const y = decodeBase64urlIgnorePadding(jwk.y!)
  const cose = cbor(new Map<Cbor, Cbor>([[1, 2], [3, -7], [-1, 1], [-2, x], [-3, y]]))
  const self: SoftAuthenticator = {
    credentialId,
    x,
    y,
    counter: 0,
    async register(options, opts = {}) {
      const flags = 0x01 | (opts.userVerified === false ? 0 : 0x04) | 0x40
      const authData = concat(
        await sha256(new TextEncoder().encode(opts.rpId ?? options.rp.id)),
        new Uint8Array([flags]),
        be32(0),
        new Uint8Array(16),
        new Uint8Array([credentialId.length >> 8, credentialId.length & 255]),
        credentialId,
        cose,
      )
      const attestation = cbor(new Map<Cbor, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]))
      return {
        clientDataJSON: encodeBase64urlNoPadding(clientData('webauthn.create', options.challenge, opts.origin ?? origin)),
        attestationObject: encodeBase64urlNoPadding(attestation),
      }
    },
    async assert(options, opts = {}) {
      self.counter = opts.counter ?? self.counter + 1
      const authData = concat(await sha256(new TextEncoder().encode(options.rpId)), new Uint8Array([0x05]), be32(self.counter))
      const cd = clientData('webauthn.get', options.challenge, opts.origin ?? origin)
      const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, concat(authData, await sha256(cd))))
      return {
        credentialId: encodeBase64urlNoPadding(credentialId),
        clientDataJSON: encodeBase64urlNoPadding(cd),
        authenticatorData: encodeBase64urlNoPadding(authData),
        signature: encodeBase64urlNoPadding(derSignature(raw)),
      }
    },
  }
  return self
}
