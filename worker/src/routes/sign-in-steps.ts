import { z } from '@hono/zod-openapi'
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from '@oslojs/encoding'
import type { Context } from 'hono'
import { manualKey, totpUri } from '../crypto/totp.ts'
import { readClientData, verifyAssertion, WebAuthnError } from '../crypto/webauthn.ts'
import {
  consumeChallenge,
  confirmTotpEnrolment,
  credentialIdsOf,
  endStep,
  hasTotp,
  loginPolicy,
  newChallenge,
  passkeyByCredential,
  passkeyUsed,
  startTotpEnrolment,
  useRecoveryCode,
  useTotpCode,
  type ChallengePurpose,
  CHALLENGE_TTL_MS,
} from '../domain/two-factor.ts'
import { findUserById } from '../domain/users.ts'
import type { AppEnv } from '../env.ts'
import { AppError } from '../errors.ts'
import { audit } from '../middleware/audit.ts'
import { accountsOfUser } from '../domain/accounts.ts'
import {
  admitFactorAttempt,
  clearStepCookie,
  refuseSuspended,
  relyingParty,
  requireStep,
  sealingSecret,
  startSession,
  stepView,
  wrongPortal,
} from '../middleware/sign-in.ts'
import { creationOptions, registerAnswer } from '../middleware/passkeys.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { b64url, NextStepView, PasskeyAssertion, PasskeyCreationOptions, PasskeyRequestOptions, User } from './schemas.ts'

const Trust = z.boolean().default(false).openapi({ description: 'Trust this IP location (IPv4 /24, IPv6 /64) for the account\'s trusted-connection days; ignored where that is 0.' })
const SignedIn = z.object({ user: User })

/** The login behind a step or a passkey (it was deleted meanwhile: the step is gone too). */
async function person<E extends AppEnv>(c: Context<E>, userId: string) {
  const user = await findUserById(c.var.db, userId)
  if (!user) throw new AppError('step_required')
  return { id: user.id, email: user.email, name: user.name }
}

/** Log a wrong second factor like a wrong password, in every account of the login. */
async function logWrongFactor<E extends AppEnv>(c: Context<E>, user: { id: string; email: string }, what: string) {
  const actor = { id: user.id, email: user.email }
  const where = await accountsOfUser(c.var.db, user.id)
  await Promise.all(where.map((a) => audit(c, a, { type: 'login_failed', actor, description: `Wrong ${what} for ${user.email}` })))
}

/**
 * Check an assertion for `purpose`: its challenge (single-use, ours, not
 * expired), origin and relying party, and the signature with the stored key.
 * Returns the passkey and the challenge's owner.
 */
async function checkAssertion<E extends AppEnv>(c: Context<E>, body: z.infer<typeof PasskeyAssertion>, purpose: ChallengePurpose) {
  const rp = relyingParty(c)
  try {
    const clientDataJSON = decodeBase64urlIgnorePadding(body.clientDataJSON)
    const challenge = readClientData(clientDataJSON, 'get', rp)
    const owner = await consumeChallenge(c.var.db, challenge, purpose)
    if (!owner) throw new WebAuthnError('This passkey request expired or was already used. Try again.')
    const key = await passkeyByCredential(c.var.db, body.credentialId)
    if (!key || key.rpId !== rp.id) throw new WebAuthnError('That passkey is not registered here.')
    const signCount = verifyAssertion(
      { authenticatorData: decodeBase64urlIgnorePadding(body.authenticatorData), clientDataJSON, signature: decodeBase64urlIgnorePadding(body.signature) },
      key,
      rp,
    )
    if (!(await passkeyUsed(c.var.db, key.id, key.signCount, signCount))) throw new WebAuthnError('This passkey answer was already used.')
    return { key, owner }
  } catch (error) {
    if (error instanceof WebAuthnError) throw new AppError('passkey_invalid', error.message)
    if (error instanceof AppError) throw error
    throw new AppError('passkey_invalid', 'The passkey answer is not valid.')
  }
}

/** Options for navigator.credentials.get. */
function requestOptions(challenge: Uint8Array, rpId: string, credentialIds: string[]) {
  return {
    challenge: encodeBase64urlNoPadding(challenge),
    rpId,
    timeout: CHALLENGE_TTL_MS,
    userVerification: 'required' as const,
    allowCredentials: credentialIds.map((id) => ({ type: 'public-key' as const, id })),
  }
}

const stepProblems = problems(401, 403, 410, 429)

const getSignInStepRoute = route.get('/auth/step', 'getSignInStep', { responses: { 200: json(NextStepView.extend({ email: z.string() }), 'The open step'), ...problems(401, 410) } })
const cancelSignInStepRoute = route.delete('/auth/step', 'cancelSignInStep', { responses: { 204: { description: 'Forgotten' }, ...problems(403) } })
const verifySignInCodeRoute = route.post('/auth/step/code', 'verifySignInCode', {
  request: { body: body(z.object({ method: z.enum(['totp', 'recovery']), code: z.string().trim().min(1, 'Enter the code.').max(32), trust: Trust })) }, responses: { 200: json(SignedIn, 'Signed in'), ...problems(401, 403, 410, 429) },
})
const signInStepPasskeyOptionsRoute = route.post('/auth/step/passkey-options', 'signInStepPasskeyOptions', { responses: { 200: json(PasskeyRequestOptions, 'Options'), ...stepProblems } })
const verifySignInPasskeyRoute = route.post('/auth/step/passkey', 'verifySignInPasskey', {
  request: { body: body(PasskeyAssertion.extend({ trust: Trust })) }, responses: { 200: json(SignedIn, 'Signed in'), ...problems(401, 403, 410, 429) },
})
const startSignInEnrolmentRoute = route.post('/auth/step/enrol', 'startSignInEnrolment', {
  responses: { 200: json(z.object({ manualKey: z.string(), uri: z.string() }), 'A pending key'), ...stepProblems },
})
const confirmSignInEnrolmentRoute = route.post('/auth/step/enrol/confirm', 'confirmSignInEnrolment', {
  request: { body: body(z.object({ code: z.string().trim().min(1, 'Enter the code.').max(16), trust: Trust })) }, responses: { 200: json(SignedIn.extend({ recoveryCodes: z.array(z.string()) }), 'Signed in'), ...problems(401, 403, 410, 429) },
})
const signInEnrolPasskeyOptionsRoute = route.post('/auth/step/enrol/passkey-options', 'signInEnrolPasskeyOptions', {
  responses: { 200: json(PasskeyCreationOptions, 'Options'), ...stepProblems },
})
const confirmSignInEnrolPasskeyRoute = route.post('/auth/step/enrol/passkey', 'confirmSignInEnrolPasskey', {
  request: { body: body(z.object({ name: z.string().trim().min(1, 'Name the passkey.').max(60), clientDataJSON: b64url(4000), attestationObject: b64url(16000), trust: Trust })) }, responses: { 200: json(SignedIn, 'Signed in'), ...problems(401, 403, 409, 410) },
})
const passwordlessOptionsRoute = route.post('/auth/passkey-options', 'passwordlessOptions', { responses: { 200: json(PasskeyRequestOptions, 'Options'), ...problems(400, 403) } })
const signInWithPasskeyRoute = route.post('/auth/passkey', 'signInWithPasskey', {
  request: { body: body(PasskeyAssertion) }, responses: { 200: json(SignedIn, 'Signed in'), ...problems(403) },
})

export const signInSteps = createRouter('Auth')
  .openapi(getSignInStepRoute, async (c) => {
    const step = await requireStep(c)
    const user = await person(c, step.userId)
    return c.json({ ...(await stepView(c, step)), email: user.email }, 200)
  })
  .openapi(cancelSignInStepRoute, async (c) => {
    const step = await requireStep(c).catch(() => null)
    if (step) await endStep(c.var.db, step.id)
    clearStepCookie(c)
    return c.body(null, 204)
  })
  .openapi(verifySignInCodeRoute, async (c) => {
    const { method, code, trust } = c.req.valid('json')
    const step = await requireStep(c, 'verify')
    const user = await person(c, step.userId)
    const attempt = await admitFactorAttempt(c, user.id)
    const ok = method === 'totp' ? await useTotpCode(c.var.db, sealingSecret(c), user.id, code.replace(/\s/g, '')) : await useRecoveryCode(c.var.db, user.id, code)
    if (!ok) {
      await logWrongFactor(c, user, method === 'totp' ? 'authenticator code' : 'recovery code')
      throw new AppError('invalid_code', method === 'totp' ? 'That code is not right, or it was already used. Wait for the next one.' : 'That recovery code is not right, or it was already used.', {
        errors: [{ field: 'code', message: 'Wrong code.' }],
      })
    }
    await attempt.succeeded()
    // Only one request finishes a step (a racing one gets step_required).
    if (!(await endStep(c.var.db, step.id))) throw new AppError('step_required')
    clearStepCookie(c)
    await startSession(c, user, method === 'totp' ? ' with an authenticator code' : ' with a recovery code', { trust })
    return c.json({ user }, 200)
  })
  .openapi(signInStepPasskeyOptionsRoute, async (c) => {
    const step = await requireStep(c, 'verify')
    const rp = relyingParty(c)
    const challenge = await newChallenge(c.var.db, 'second_factor', { userId: step.userId, stepId: step.id })
    return c.json(requestOptions(challenge, rp.id, await credentialIdsOf(c.var.db, step.userId, rp.id)), 200)
  })
  .openapi(verifySignInPasskeyRoute, async (c) => {
    const body = c.req.valid('json')
    const step = await requireStep(c, 'verify')
    const user = await person(c, step.userId)
    const attempt = await admitFactorAttempt(c, user.id)
    const { key, owner } = await checkAssertion(c, body, 'second_factor').catch(async (error) => {
      await logWrongFactor(c, user, 'passkey')
      throw error
    })
    if (owner.stepId !== step.id || key.userId !== user.id) throw new AppError('passkey_invalid', 'That passkey belongs to another login.')
    await attempt.succeeded()
    if (!(await endStep(c.var.db, step.id))) throw new AppError('step_required')
    clearStepCookie(c)
    await startSession(c, user, ` with the passkey “${key.name}”`, { trust: body.trust })
    return c.json({ user }, 200)
  })
  .openapi(startSignInEnrolmentRoute, async (c) => {
    const step = await requireStep(c, 'enrol')
    const user = await person(c, step.userId)
    const key = await startTotpEnrolment(c.var.db, sealingSecret(c), user.id)
    return c.json({ manualKey: manualKey(key), uri: totpUri(c.var.hostBrand.brand.name, user.email, key) }, 200)
  })
  .openapi(confirmSignInEnrolmentRoute, async (c) => {
    const { code, trust } = c.req.valid('json')
    const step = await requireStep(c, 'enrol')
    const user = await person(c, step.userId)
    if (await hasTotp(c.var.db, user.id)) throw new AppError('step_required')
    const attempt = await admitFactorAttempt(c, user.id)
    const result = await confirmTotpEnrolment(c.var.db, sealingSecret(c), user.id, code.replace(/\s/g, ''))
    if (!result.ok && result.reason === 'expired') throw new AppError('enrolment_expired')
    if (!result.ok) throw new AppError('invalid_code', 'That code is not right. Check the time on your phone and try the next code.', { errors: [{ field: 'code', message: 'Wrong code.' }] })
    await attempt.succeeded()
    await endStep(c.var.db, step.id)
    clearStepCookie(c)
    const where = await accountsOfUser(c.var.db, user.id)
    const actor = { id: user.id, email: user.email }
    await Promise.all(where.map((a) => audit(c, a, { type: 'update_user_profile', actor, description: `${user.email} turned on two-factor sign-in (authenticator app)` })))
    await startSession(c, user, ' after setting up two-factor sign-in', { trust })
    return c.json({ user, recoveryCodes: result.codes }, 200)
  })
  .openapi(signInEnrolPasskeyOptionsRoute, async (c) => {
    const step = await requireStep(c, 'enrol')
    const user = await person(c, step.userId)
    return c.json(await creationOptions(c, user, step.id), 200)
  })
  .openapi(confirmSignInEnrolPasskeyRoute, async (c) => {
    const { trust, ...body } = c.req.valid('json')
    const step = await requireStep(c, 'enrol')
    const user = await person(c, step.userId)
    const passkey = await registerAnswer(c, user.id, body, step.id)
    if (!(await endStep(c.var.db, step.id))) throw new AppError('step_required')
    clearStepCookie(c)
    const where = await accountsOfUser(c.var.db, user.id)
    const actor = { id: user.id, email: user.email }
    await Promise.all(where.map((a) => audit(c, a, { type: 'update_user_profile', actor, description: `${user.email} turned on two-factor sign-in (the passkey “${passkey.name}”)` })))
    await startSession(c, user, ' after setting up a passkey', { trust })
    return c.json({ user }, 200)
  })
  .openapi(passwordlessOptionsRoute, async (c) => {
    const rp = relyingParty(c)
    const challenge = await newChallenge(c.var.db, 'passwordless', {})
    return c.json(requestOptions(challenge, rp.id, []), 200)
  })
  .openapi(signInWithPasskeyRoute, async (c) => {
    const body = c.req.valid('json')
    const { key } = await checkAssertion(c, body, 'passwordless')
    const user = await person(c, key.userId)
    const refusal = await wrongPortal(c, user)
    if (refusal) throw refusal.error
    await refuseSuspended(c, user)
    if (!(await loginPolicy(c.var.db, user.id)).allowPasswordless) throw new AppError('passwordless_not_allowed')
    await startSession(c, user, ` with the passkey “${key.name}”`)
    return c.json({ user }, 200)
  })

