import { argon2id } from '@noble/hashes/argon2.js'
import { constantTimeEqual } from '@oslojs/crypto/subtle'
import { decodeBase64IgnorePadding, encodeBase64NoPadding } from '@oslojs/encoding'

/** Argon2id cost parameters (memory in KiB, iterations, parallelism). */
export interface Argon2Params {
  m: number
  t: number
  p: number
}

/** OWASP's first choice for Argon2id: 19 MiB, two passes, one lane. */
export const OWASP_ARGON2: Argon2Params = { m: 19456, t: 2, p: 1 }

const HASH_BYTES = 32
const SALT_BYTES = 16
const PHC = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{16,})$/

const encoder = new TextEncoder()

/** Hash a password into a PHC string: `$argon2id$v=19$m=…,t=…,p=…$salt$hash`. */
export function hashPassword(password: string, params: Argon2Params): string {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
  const hash = argon2id(encoder.encode(password), salt, { ...params, dkLen: HASH_BYTES })
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${encodeBase64NoPadding(salt)}$${encodeBase64NoPadding(hash)}`
}

/** Parse the parameters out of a PHC string; null when it is not one of ours. */
export function parsePasswordHash(phc: string) {
  const match = PHC.exec(phc)
  if (!match) return null
  return {
    params: { m: Number(match[1]), t: Number(match[2]), p: Number(match[3]) },
    salt: decodeBase64IgnorePadding(match[4]!),
    hash: decodeBase64IgnorePadding(match[5]!),
  }
}

/** Check a password against a PHC string in constant time. */
export function verifyPassword(password: string, phc: string): boolean {
  const parsed = parsePasswordHash(phc)
  if (!parsed) return false
  const candidate = argon2id(encoder.encode(password), parsed.salt, { ...parsed.params, dkLen: parsed.hash.length })
  return constantTimeEqual(candidate, parsed.hash)
}

/** True when a stored hash was made with weaker parameters than the current ones. */
export function needsRehash(phc: string, current: Argon2Params): boolean {
  const parsed = parsePasswordHash(phc)
  if (!parsed) return true
  return parsed.params.m < current.m || parsed.params.t < current.t || parsed.params.p < current.p
}

let dummy: { key: string; phc: string } | undefined

/**
 * A hash made with the current parameters, verified against when the email is
 * unknown so that a missing account costs the same time as a wrong password.
 */
export function dummyHash(params: Argon2Params): string {
  const key = `${params.m}:${params.t}:${params.p}`
  if (dummy?.key !== key) dummy = { key, phc: hashPassword(crypto.randomUUID(), params) }
  return dummy.phc
}

/** The Argon2id cost of this deployment (bindings ARGON2_MEMORY_KIB and ARGON2_ITERATIONS). */
export function argon2Params(env: { ARGON2_MEMORY_KIB: string; ARGON2_ITERATIONS: string }): Argon2Params {
  return { m: Number(env.ARGON2_MEMORY_KIB), t: Number(env.ARGON2_ITERATIONS), p: 1 }
}
