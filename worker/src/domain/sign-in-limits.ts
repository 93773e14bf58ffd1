import { sha256Hex } from '../crypto/tokens.ts'
import type { DB } from '../db.ts'
import { claimAttempt, forgive, type ThrottleKey, type ThrottlePolicy } from './throttles.ts'
import { normalizeEmail } from './users.ts'

const SECOND = 1000
const MINUTE = 60 * SECOND
/** Every counter's delay starts at 2 s and doubles up to 15 minutes. */
const DELAY = { baseMs: 2 * SECOND, maxMs: 15 * MINUTE }

/**
 * Rule 16: guesses are limited, people are not locked out (docs/decisions/010).
 * The penalty lands on the failing side: one email from one client first;
 * the account-wide and address-wide counters only slow browsers that never
 * signed in to that login (unknown devices), and only at attack volume.
 */
export const SIGN_IN_LIMITS = {
  /** One email from one client (an IPv4 address or an IPv6 /64): a person's own typos. */
  pair: { free: 5, leakMs: 15 * MINUTE, ...DELAY },
  /** A known device of the login: slowed only by its own failures. */
  device: { free: 5, leakMs: 15 * MINUTE, ...DELAY },
  /** One email from every unknown device: guesses spread over many addresses. */
  account: { free: 10, leakMs: 5 * MINUTE, ...DELAY },
  /** One client at every email from unknown devices: password spraying. High, for offices behind one NAT address. */
  client: { free: 30, leakMs: MINUTE, ...DELAY },
  /** Current-password checks of one signed-in user (PATCH /me, POST /me/password). */
  reauth: { free: 5, leakMs: 15 * MINUTE, ...DELAY },
} as const satisfies Record<string, ThrottlePolicy>

/** Password-reset requests (POST /auth/password-reset), on the same growing delays: per email and per client. */
export const RESET_LIMITS = {
  email: { free: 3, leakMs: 15 * MINUTE, ...DELAY },
  client: { free: 20, leakMs: MINUTE, ...DELAY },
} as const satisfies Record<string, ThrottlePolicy>

/** Sign-up requests (POST /signup): per email and per client. */
export const SIGNUP_LIMITS = {
  email: { free: 3, leakMs: 15 * MINUTE, ...DELAY },
  client: { free: 10, leakMs: MINUTE, ...DELAY },
} as const satisfies Record<string, ThrottlePolicy>

/**
 * The client a sign-in comes from, as counters key it: an IPv4 address as
 * is, an IPv6 address reduced to its /64 (one host usually holds a whole
 * /64), an IPv4-mapped IPv6 address as the IPv4 address.
 */
export function clientOf(ip: string): string {
  let value = ip.trim().toLowerCase()
  if (value.startsWith('[')) value = value.slice(1, value.indexOf(']') > 0 ? value.indexOf(']') : undefined)
  if (value.includes('%')) value = value.slice(0, value.indexOf('%'))
  if (!value.includes(':')) return value || 'unknown'
  const groups = ipv6Groups(value)
  if (!groups) return value
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.')
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`
}

/** The eight 16-bit groups of an IPv6 address, or null when it is not one. */
function ipv6Groups(value: string): number[] | null {
  let text = value
  const last = text.slice(text.lastIndexOf(':') + 1)
  if (last.includes('.')) {
    const octets = last.split('.').map(Number)
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return null
    text = `${text.slice(0, text.lastIndexOf(':') + 1)}${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`
  }
  const halves = text.split('::')
  if (halves.length > 2) return null
  const head = halves[0] ? halves[0].split(':') : []
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : []
  const gap = 8 - head.length - tail.length
  if (halves.length === 1 ? head.length !== 8 : gap < 1) return null
  const all = [...head, ...Array<string>(halves.length === 2 ? gap : 0).fill('0'), ...tail]
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null
  return all.map((g) => parseInt(g, 16))
}

/** A known device of the login being signed in to (domain/known-devices.ts), or null. */
export type KnownDevice = { deviceId: string; userId: string } | null

function keys(email: string, client: string, device: KnownDevice) {
  const account = sha256Hex(normalizeEmail(email))
  return {
    pair: { key: `signin:pair:${account}:${client}`, policy: SIGN_IN_LIMITS.pair },
    device: device ? { key: `signin:device:${device.deviceId}:${device.userId}`, policy: SIGN_IN_LIMITS.device } : null,
    account: { key: `signin:account:${account}`, policy: SIGN_IN_LIMITS.account },
    client: { key: `signin:client:${client}`, policy: SIGN_IN_LIMITS.client },
  }
}

/**
 * Count a sign-in attempt before the password is checked (domain/throttles.ts).
 * A known device answers only to its own counter; any other browser to its
 * (email, client) pair, the email's total and the client's total.
 */
export function claimSignIn(db: DB, email: string, client: string, device: KnownDevice, now = Date.now()) {
  const k = keys(email, client, device)
  const counted: [ThrottleKey, ...ThrottleKey[]] = k.device ? [k.device] : [k.pair, k.account, k.client]
  return claimAttempt(db, counted, now)
}

/** The right password: the failing side starts over; the totals keep their other failures. */
export function signInSucceeded(db: DB, email: string, client: string, device: KnownDevice) {
  const k = keys(email, client, device)
  return k.device ? forgive(db, [k.device.key, k.pair.key], []) : forgive(db, [k.pair.key], [k.account, k.client])
}

const reauthKey = (userId: string) => ({ key: `reauth:user:${userId}`, policy: SIGN_IN_LIMITS.reauth })

/** Count a current-password check of a signed-in user before it is made. */
export function claimReauth(db: DB, userId: string, now = Date.now()) {
  return claimAttempt(db, [reauthKey(userId)], now)
}

/** The current password was right: the user's counter starts over. */
export function reauthSucceeded(db: DB, userId: string) {
  return forgive(db, [reauthKey(userId).key], [])
}
