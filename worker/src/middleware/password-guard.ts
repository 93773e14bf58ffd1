import type { Context } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { verifyPassword } from '../crypto/password.ts'
import { knownDeviceOf, rememberDevice } from '../domain/known-devices.ts'
import { claimReauth, claimSignIn, clientOf, reauthSucceeded, signInSucceeded } from '../domain/sign-in-limits.ts'
import type { Claim } from '../domain/throttles.ts'
import type { AppEnv } from '../env.ts'
import { rateLimited } from '../errors.ts'

/** The browser's known-device token (domain/known-devices.ts). */
export const DEVICE_COOKIE = 'trellis_device'

/** The device token the browser sent, if any. */
export function deviceCookie<E extends AppEnv>(c: Context<E>) {
  return getCookie(c, DEVICE_COOKIE)
}

/** "40 seconds", "3 minutes". */
function wait(seconds: number) {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`
  const minutes = Math.ceil(seconds / 60)
  return minutes === 1 ? '1 minute' : `${minutes} minutes`
}

/** 429 with Retry-After, before any password is checked. */
function refuse(claim: Extract<Claim, { allowed: false }>, what: string): never {
  throw rateLimited(claim.retryAfterMs, (seconds) => `${what} Try again in ${wait(seconds)}.`)
}

/**
 * Let a sign-in attempt through to the password check, or answer 429 (rule
 * 16). Call `succeeded` once the password proved right: the failing side's
 * counters start over and the browser becomes (or stays) a known device of
 * that login — a long-lived, HttpOnly cookie whose secret D1 keeps hashed.
 */
export async function admitSignIn<E extends AppEnv>(c: Context<E>, email: string) {
  const db = c.var.db
  const client = clientOf(c.var.clientIp)
  const token = deviceCookie(c)
  const device = token ? await knownDeviceOf(db, token, email) : null
  const claim = await claimSignIn(db, email, client, device)
  if (!claim.allowed) refuse(claim, 'Too many failed sign-in attempts.')
  return {
    async succeeded(userId: string) {
      await signInSucceeded(db, email, client, device)
      const remembered = await rememberDevice(db, token, userId)
      setCookie(c, DEVICE_COOKIE, remembered.token, {
        httpOnly: true,
        sameSite: 'Lax',
        secure: new URL(c.req.url).protocol === 'https:',
        path: '/',
        expires: new Date(remembered.expiresAt),
      })
    },
  }
}

/**
 * Check a signed-in user's current password (before a credential change),
 * slowed per user like sign-ins: 429 while the user's counter waits out a
 * delay, else whether the password is right.
 */
export async function checkCurrentPassword<E extends AppEnv>(c: Context<E>, user: { id: string; passwordHash: string }, password: string) {
  const claim = await claimReauth(c.var.db, user.id)
  if (!claim.allowed) refuse(claim, 'Too many wrong current passwords.')
  if (!verifyPassword(password, user.passwordHash)) return false
  await reauthSucceeded(c.var.db, user.id)
  return true
}
