import { sha256 } from '@oslojs/crypto/sha2'
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding'

/** A random string of `bytes` bytes of entropy, base32 (lower case, no padding). */
export function randomToken(bytes = 20): string {
  return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(bytes)))
}

/** An opaque, non-sequential id with a readable prefix (`acc_…`, `usr_…`). */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(10)}`
}

/** Hex SHA-256 of a string: what we store instead of a secret. */
export function sha256Hex(value: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(value)))
}
