/**
 * Keys of outgoing integrations, all derived from one secret binding
 * (`WEBHOOK_SIGNING_KEY`):
 *
 * - a webhook's signing secret = HMAC-SHA256(key, "webhook-secret:<hook id>:<version>"),
 *   shown to its owner once (at creation and on rotation: the version goes up).
 *   It cannot be stored hashed — signing needs it — so it is not stored at all.
 * - collector tokens (Datadog API key, Splunk HEC token) that people give us are
 *   stored encrypted with AES-GCM under a key derived by HKDF from the same secret.
 *
 * A delivery is signed as HMAC-SHA256(secret, "<unix seconds>.<body>") in hex,
 * sent as `Trellis-Signature: t=<unix seconds>,v1=<hex>`.
 */
const encoder = new TextEncoder()

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

function b64(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}

function unb64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
}

async function hmac(key: string, message: string): Promise<ArrayBuffer> {
  const k = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return crypto.subtle.sign('HMAC', k, encoder.encode(message))
}

/** The signing key binding, refusing to run without one (a deployment must set it). */
export function signingKey(env: { WEBHOOK_SIGNING_KEY?: string }): string {
  const key = env.WEBHOOK_SIGNING_KEY
  if (!key || key.length < 16) throw new Error('WEBHOOK_SIGNING_KEY is not set (at least 16 characters)')
  return key
}

/** A webhook's signing secret for this version (`whsec_` + 64 hex). */
export async function webhookSecret(key: string, hookId: string, version: number): Promise<string> {
  return `whsec_${hex(await hmac(key, `webhook-secret:${hookId}:${version}`))}`
}

/** The `Trellis-Signature` header value for a body sent at `unixSeconds`. */
export async function signatureHeader(secret: string, unixSeconds: number, body: string): Promise<string> {
  return `t=${unixSeconds},v1=${hex(await hmac(secret, `${unixSeconds}.${body}`))}`
}

async function tokenKey(key: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', encoder.encode(key), 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('trellis-integrations'), info: encoder.encode('collector-token-v1') },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  )
}

/** Encrypt a collector token: `v1.<iv b64>.<ciphertext b64>`; `aad` binds it to its stream. */
export async function sealToken(key: string, token: string, aad: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(aad) }, await tokenKey(key), encoder.encode(token))
  return `v1.${b64(iv)}.${b64(new Uint8Array(sealed))}`
}

/** Decrypt what sealToken produced for the same `aad`. */
export async function openToken(key: string, sealed: string, aad: string): Promise<string> {
  const [version, iv, data] = sealed.split('.')
  if (version !== 'v1' || !iv || !data) throw new Error('not a sealed token')
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: unb64(iv), additionalData: encoder.encode(aad) }, await tokenKey(key), unb64(data))
  return new TextDecoder().decode(plain)
}
