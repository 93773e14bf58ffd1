import { hmac } from '@noble/hashes/hmac.js'
import { sha1 } from '@noble/hashes/legacy.js'
import { constantTimeEqual } from '@oslojs/crypto/subtle'
import { generateHOTP } from '@oslojs/otp'
import { encodeBase32UpperCaseNoPadding } from '@oslojs/encoding'
import { sha256Hex } from './tokens.ts'

/** RFC 6238 as every authenticator app does it: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30
export const TOTP_DIGITS = 6
/** Steps accepted either side of now, for clocks a little off (RFC 6238 §5.2 suggests one). */
const DRIFT_STEPS = 1

/** The 30-second step a moment falls in. */
export function totpStep(now = Date.now()): number {
  return Math.floor(now / (TOTP_PERIOD_SECONDS * 1000))
}

/** A new 160-bit TOTP key (RFC 4226 §4 recommends 160 bits). */
export function newTotpKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(20))
}

/** The key as people type it into an authenticator app: base32, upper case, no padding. */
export function manualKey(key: Uint8Array): string {
  return encodeBase32UpperCaseNoPadding(key)
}

/** The code of one step (tests, the demo data and the benchmark compute codes with it). */
export function totpCode(key: Uint8Array, step: number): string {
  return generateHOTP(key, BigInt(step), TOTP_DIGITS)
}

/**
 * The step whose code `code` is, within one step of now, newer than
 * `lastUsedStep`; null when it is none of them. The current step is tried
 * first (where a right code almost always is), then the previous and the
 * next. The caller records the step atomically, so each code (and any older
 * one) is accepted once.
 */
export function matchTotp(key: Uint8Array, code: string, lastUsedStep: number | null, now = Date.now()): number | null {
  if (!/^[0-9]{6}$/.test(code)) return null
  const current = totpStep(now)
  const wanted = new TextEncoder().encode(code)
  // One keyed HMAC for every step tried: the key's pads are hashed once (RFC 2104), each step then costs two SHA-1 blocks.
  const mac = hmac.create(sha1, key)
  for (const step of [current, current - DRIFT_STEPS, current + DRIFT_STEPS]) {
    if (lastUsedStep !== null && step <= lastUsedStep) continue
    if (constantTimeEqual(new TextEncoder().encode(hotpWith(mac, step)), wanted)) return step
  }
  return null
}

/** RFC 4226 HOTP of one counter with a keyed HMAC-SHA-1 (cloned, so the keyed state is reused). */
function hotpWith(mac: ReturnType<typeof hmac.create>, counter: number): string {
  const message = new Uint8Array(8)
  const view = new DataView(message.buffer)
  view.setUint32(0, Math.floor(counter / 2 ** 32))
  view.setUint32(4, counter >>> 0)
  const h = mac.clone().update(message).digest()
  const offset = h[19]! & 0x0f
  const binary = ((h[offset]! & 0x7f) << 24) | (h[offset + 1]! << 16) | (h[offset + 2]! << 8) | h[offset + 3]!
  return String(binary % 10 ** TOTP_DIGITS).padStart(TOTP_DIGITS, '0')
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function totpUri(issuer: string, account: string, key: Uint8Array): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`
  const params = new URLSearchParams({ secret: manualKey(key), issuer, algorithm: 'SHA1', digits: String(TOTP_DIGITS), period: String(TOTP_PERIOD_SECONDS) })
  return `otpauth://totp/${label}?${params}`
}

/**
 * The development key for TOTP secrets at rest, used only when no
 * TOTP_ENCRYPTION_KEY secret is set and the deployment is not https
 * (crypto/secret-box.ts refuses it there). The demo data is encrypted with it.
 */
export const DEV_TOTP_ENCRYPTION_KEY = 'trellis-development-totp-key-not-for-production'

/** Recovery codes: 10 per set, each 10 characters of base32 (50 bits), shown as two groups of five. */
export const RECOVERY_CODE_COUNT = 10
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'

/** A fresh set of recovery codes, as shown to the person (`xxxxx-xxxxx`). */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const bytes = crypto.getRandomValues(new Uint8Array(10))
    const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('')
    return `${chars.slice(0, 5)}-${chars.slice(5)}`
  })
}

/** A recovery code as typed (any case, spaces or dashes) in its stored form, or null when it cannot be one. */
export function normalizeRecoveryCode(input: string): string | null {
  const compact = input.toLowerCase().replace(/[\s-]/g, '')
  return /^[a-z0-9]{10}$/.test(compact) ? `${compact.slice(0, 5)}-${compact.slice(5)}` : null
}

/** What is stored for a recovery code: its SHA-256 (50 random bits, single-use, and slowed like passwords). */
export function recoveryCodeHash(code: string): string {
  return sha256Hex(`recovery:${code}`)
}
