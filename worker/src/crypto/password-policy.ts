import { argon2Params, hashPassword } from './password.ts'

export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 256

let common: Set<string> | undefined

/**
 * The ranked list of common passwords from zxcvbn-ts (about 49,000 entries).
 * Loaded on first use so that cold starts of routes that never set a password
 * do not pay for it.
 */
async function commonPasswords(): Promise<Set<string>> {
  if (!common) {
    const list = (await import('@zxcvbn-ts/language-common/src/passwords.json')).default as string[]
    common = new Set(list.filter((p) => p.length >= PASSWORD_MIN))
  }
  return common
}

/** Why a new password is refused, or null when it is acceptable. */
export async function passwordProblem(password: string): Promise<string | null> {
  if (password.length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`
  if (password.length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`
  if ((await commonPasswords()).has(password.toLowerCase())) {
    return 'This password is one of the most common passwords; choose another.'
  }
  return null
}

/**
 * A password someone chose for themselves, checked against the policy and
 * hashed at this deployment's cost — or why it is refused.
 */
export async function newPasswordHash(env: { ARGON2_MEMORY_KIB: string; ARGON2_ITERATIONS: string }, password: string): Promise<{ ok: true; hash: string } | { ok: false; problem: string }> {
  const problem = await passwordProblem(password)
  return problem ? { ok: false, problem } : { ok: true, hash: hashPassword(password, argon2Params(env)) }
}
