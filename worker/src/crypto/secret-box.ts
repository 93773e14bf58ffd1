import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from '@oslojs/encoding'
import { sha256 } from '@oslojs/crypto/sha2'

/**
 * AES-256-GCM for secrets that must be read back (TOTP keys). The AES key is
 * the SHA-256 of the configured secret; each value gets a random 96-bit IV and
 * is bound to `context` (the owner's user id) as additional data, so a
 * ciphertext copied to another row does not decrypt. Stored as `v1.<iv>.<ct>`.
 */
const keys = new Map<string, Promise<CryptoKey>>()
const encoder = new TextEncoder()

function aesKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    key = crypto.subtle.importKey('raw', sha256(encoder.encode(`trellis-secret-box:${secret}`)), 'AES-GCM', false, ['encrypt', 'decrypt'])
    keys.set(secret, key)
  }
  return key
}

/** Encrypt `plain` for `context`. */
export async function seal(secret: string, plain: Uint8Array, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(context) }, await aesKey(secret), plain)
  return `v1.${encodeBase64urlNoPadding(iv)}.${encodeBase64urlNoPadding(new Uint8Array(sealed))}`
}

/** Decrypt a value sealed for `context`; throws when it was not (wrong key, row or tampering). */
export async function open(secret: string, stored: string, context: string): Promise<Uint8Array> {
  const [version, iv, body] = stored.split('.')
  if (version !== 'v1' || !iv || !body) throw new Error('not a sealed value')
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: decodeBase64urlIgnorePadding(iv), additionalData: encoder.encode(context) },
    await aesKey(secret),
    decodeBase64urlIgnorePadding(body),
  )
  return new Uint8Array(plain)
}

/**
 * The secret TOTP keys are sealed with: the `TOTP_ENCRYPTION_KEY` secret;
 * without it, the development key — but never on an https deployment, where
 * a missing secret is a configuration error, not a reason to use a known key.
 */
export function totpSealingSecret(env: { TOTP_ENCRYPTION_KEY?: string; HTTPS_ONLY?: string; PUBLIC_ORIGIN?: string }, devKey: string): string {
  if (env.TOTP_ENCRYPTION_KEY) return env.TOTP_ENCRYPTION_KEY
  if (env.HTTPS_ONLY === 'true' || (env.PUBLIC_ORIGIN ?? '').startsWith('https://')) {
    throw new Error('TOTP_ENCRYPTION_KEY is not set: run `npx wrangler secret put TOTP_ENCRYPTION_KEY`.')
  }
  return devKey
}
