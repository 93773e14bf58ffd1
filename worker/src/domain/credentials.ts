import { eq } from 'drizzle-orm'
import { newPasswordHash } from '../crypto/password-policy.ts'
import type { DB } from '../db.ts'
import { isUniqueViolation, schema } from '../db.ts'
import { DomainError } from '../errors.ts'
import { renderEmail, type EmailBrand, emailDate } from './emails.ts'
import { m } from '../i18n/paraglide/messages.js'
import { forgetOtherDevices } from './known-devices.ts'
import { revokeOtherSessions } from './sessions.ts'

/**
 * The stored hash of a password someone chose, once it passes the policy;
 * otherwise the refusal (`weak_password`) naming `field` with what is wrong.
 */
export async function chosenPasswordHash(env: { ARGON2_MEMORY_KIB: string; ARGON2_ITERATIONS: string }, password: string, field = 'password'): Promise<string> {
  const chosen = await newPasswordHash(env, password)
  if (!chosen.ok) throw new DomainError('weak_password', chosen.problem, field)
  return chosen.hash
}

const { users } = schema

/** What a credential change keeps: the session that made it and the browser it came from. */
export interface Keep {
  sessionId: string | null
  deviceId: string | null
}

/**
 * Set a new password hash and, in the same atomic batch, end every other
 * session of the user (and the impersonations they ran) and forget the
 * other browsers it was known on (rule 15). A reset from an emailed link
 * passes `sessionId: null`: every session ends.
 */
export function changePassword(db: DB, userId: string, passwordHash: string, keep: Keep, now = Date.now()) {
  return revokeOtherSessions(db, userId, keep.sessionId, now, [
    db.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, userId)),
    forgetOtherDevices(db, userId, keep.deviceId),
  ])
}

/**
 * Move a login to another email (and name, when given), ending its other
 * sessions and known browsers in the same batch, as for a password change.
 * Refused (409) when another login took the email meanwhile.
 */
export async function changeEmail(db: DB, userId: string, change: { email: string; name?: string }, keep: Keep, now = Date.now()) {
  try {
    return await revokeOtherSessions(db, userId, keep.sessionId, now, [
      db
        .update(users)
        .set({ ...change, updatedAt: now })
        .where(eq(users.id, userId)),
      forgetOtherDevices(db, userId, keep.deviceId),
    ])
  } catch (error) {
    if (isUniqueViolation(error, 'users.email')) throw new DomainError('conflict', 'Another login uses this email now; ask for the change again with another address.')
    throw error
  }
}

/** The notice to the old address after an email change: it may be the only way the owner learns of a takeover. */
export function emailChangedNotice(look: EmailBrand, origin: string, change: { from: string; to: string; at: number }) {
  const the = { brand: look.name, from: change.from, to: change.to, when: emailDate(change.at) }
  return renderEmail(look, change.from, m.changed_subject(the), {
    paragraphs: [
      m.changed_body(the),
      m.changed_next(),
      look.supportEmail ? m.changed_warn_support({ support: look.supportEmail }) : m.changed_warn(),
    ],
    action: { label: m.changed_action(), url: `${origin}/login` },
  })
}
