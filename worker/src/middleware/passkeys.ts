import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from '@oslojs/encoding'
import type { Context } from 'hono'
import { readClientData, SUPPORTED_ALGORITHMS, verifyRegistration, WebAuthnError } from '../crypto/webauthn.ts'
import { addPasskey, CHALLENGE_TTL_MS, consumeChallenge, credentialIdsOf, newChallenge } from '../domain/two-factor.ts'
import type { AppEnv } from '../env.ts'
import { AppError } from '../errors.ts'
import { relyingParty } from './sign-in.ts'

/**
 * Options for navigator.credentials.create for `user` on this portal's
 * hostname: a single-use challenge owned by the user (and the sign-in step,
 * when registering from one), ES256/RS256, a resident key with user
 * verification, the user's passkeys excluded.
 */
export async function creationOptions<E extends AppEnv>(c: Context<E>, user: { id: string; email: string; name: string }, stepId: string | null = null) {
  const rp = relyingParty(c)
  const challenge = await newChallenge(c.var.db, 'register', { userId: user.id, stepId })
  const existing = await credentialIdsOf(c.var.db, user.id, rp.id)
  return {
    challenge: encodeBase64urlNoPadding(challenge),
    rp: { id: rp.id, name: rp.name },
    // The user handle is the login's id: a passwordless assertion names it.
    user: { id: encodeBase64urlNoPadding(new TextEncoder().encode(user.id)), name: user.email, displayName: user.name },
    pubKeyCredParams: SUPPORTED_ALGORITHMS.map((alg) => ({ type: 'public-key' as const, alg })),
    timeout: CHALLENGE_TTL_MS,
    attestation: 'none' as const,
    authenticatorSelection: { residentKey: 'required' as const, userVerification: 'required' as const },
    excludeCredentials: existing.map((id) => ({ type: 'public-key' as const, id })),
  }
}

/**
 * Verify a registration answer for `userId` (its challenge single-use, theirs,
 * and from the same step when `stepId` is given) and store the passkey.
 */
export async function registerAnswer<E extends AppEnv>(
  c: Context<E>,
  userId: string,
  body: { name: string; clientDataJSON: string; attestationObject: string },
  stepId: string | null = null,
) {
  const rp = relyingParty(c)
  let credential
  try {
    const challenge = readClientData(decodeBase64urlIgnorePadding(body.clientDataJSON), 'create', rp)
    const owner = await consumeChallenge(c.var.db, challenge, 'register')
    if (!owner || owner.userId !== userId || owner.stepId !== stepId) throw new WebAuthnError('This passkey request expired or was already used. Try again.')
    credential = verifyRegistration(decodeBase64urlIgnorePadding(body.attestationObject), rp)
  } catch (error) {
    if (error instanceof WebAuthnError) throw new AppError('passkey_invalid', error.message)
    throw new AppError('passkey_invalid', 'The passkey answer is not valid.')
  }
  return addPasskey(c.var.db, userId, { name: body.name, rpId: rp.id, ...credential })
}
