import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { PASSWORD_MAX } from '../crypto/password-policy.ts'
import { manualKey, totpUri } from '../crypto/totp.ts'
import type { Principal } from '../domain/sessions.ts'
import {
  cancelTotpEnrolment,
  confirmTotpEnrolment,
  ENROLMENT_TTL_MS,
  disableTotp,
  hasTotp,
  loginPolicy,
  passkeysOf,
  regenerateRecoveryCodes,
  removePasskey,
  renamePasskey,
  revokeTrustedLocations,
  startTotpEnrolment,
  trustedLocationsOf,
  twoFactorOf,
  useAnyCode,
} from '../domain/two-factor.ts'
import { findUserById } from '../domain/users.ts'
import { AppError, fieldError } from '../errors.ts'
import { requireOwnLogin, type SignedInEnv } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { checkCurrentPassword } from '../middleware/password-guard.ts'
import { creationOptions, registerAnswer } from '../middleware/passkeys.ts'
import { admitFactorAttempt, sealingSecret } from '../middleware/sign-in.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { b64url, PasskeyCreationOptions, TrustedLocation } from './schemas.ts'

const Passkey = z
  .object({ id: z.string(), name: z.string(), rpId: z.string(), algorithm: z.number().int(), createdAt: z.number(), lastUsedAt: z.number().nullable() })
  .openapi('Passkey')


const TwoFactor = z
  .object({
    totp: z.object({ enabledAt: z.number() }).nullable(),
    enrolmentPending: z.boolean(),
    recoveryCodesLeft: z.number().int(),
    passkeys: z.array(Passkey),
    trustedLocations: z.array(TrustedLocation),
    policy: z.object({ requireTwoFactor: z.boolean(), allowPasswordless: z.boolean(), trustedLocationDays: z.number().int() }),
  })
  .openapi('TwoFactor')

const PasskeyName = z.string().trim().min(1, 'Name the passkey.').max(60, 'Use at most 60 characters.')
const Reauth = z
  .object({
    password: z.string().min(1, 'Enter your password.').max(PASSWORD_MAX),
    code: z.string().trim().min(1, 'Enter a code from your app or a recovery code.').max(32),
  })
  .openapi('TwoFactorReauth')

const own = requireOwnLogin('the sign-in factors')

/** Where a change to the person's own factors is logged: every account they belong to. */
function logEverywhere<E extends SignedInEnv>(c: Context<E>, principal: Principal, type: 'update_user_profile' | 'update_trusted_connection', description: string, target?: { kind: string; id: string; label: string }) {
  return Promise.all(principal.memberships.map((m) => audit(c, { id: m.accountId, path: m.path }, { type, description, target: target ?? { kind: 'user', id: principal.user.id, label: principal.user.email } })))
}

/** The password and a current code (TOTP or recovery), both slowed like sign-ins: what turning things off needs. */
async function reauthenticate<E extends SignedInEnv>(c: Context<E>, principal: Principal, body: z.infer<typeof Reauth>) {
  const self = await findUserById(c.var.db, principal.user.id)
  if (!self || !(await checkCurrentPassword(c, self, body.password))) throw fieldError('wrong_password', 'password', 'Your password is not correct.')
  const attempt = await admitFactorAttempt(c, self.id)
  if (!(await useAnyCode(c.var.db, sealingSecret(c), self.id, body.code))) throw fieldError('invalid_code', 'code', 'That code is not right, or it was already used.')
  await attempt.succeeded()
}

/** Refuse to remove the login's last factor while one of its accounts requires two-factor sign-in. */
async function keepOneFactor<E extends SignedInEnv>(c: Context<E>, userId: string, remaining: number) {
  if (remaining > 0) return
  const policy = await loginPolicy(c.var.db, userId)
  if (policy.requireTwoFactor) throw new AppError('two_factor_required')
}

const getTwoFactorRoute = route.get('/me/two-factor', 'getTwoFactor', own, { responses: { 200: json(TwoFactor, 'Your factors') } })
const startTotpEnrolmentRoute = route.post('/me/two-factor/totp', 'startTotpEnrolment', own, {
  responses: { 200: json(z.object({ manualKey: z.string(), uri: z.string() }), 'A pending key'), ...problems(409) },
})
const cancelTotpEnrolmentRoute = route.delete('/me/two-factor/totp/enrolment', 'cancelTotpEnrolment', own, { responses: { 204: { description: 'Forgotten' } } })
const confirmTotpEnrolmentRoute = route.post('/me/two-factor/totp/confirm', 'confirmTotpEnrolment', own, {
  request: { body: body(z.object({ code: z.string().trim().min(1, 'Enter the code from your app.').max(16) })) }, responses: { 200: json(z.object({ recoveryCodes: z.array(z.string()) }), 'On'), ...problems(409, 410, 429) },
})
const disableTotpRoute = route.post('/me/two-factor/totp/disable', 'disableTotp', own, {
  request: { body: body(Reauth) }, responses: { 204: { description: 'Off' }, ...problems(404, 409, 429) },
})
const regenerateRecoveryCodesRoute = route.post('/me/two-factor/recovery-codes', 'regenerateRecoveryCodes', own, {
  request: { body: body(Reauth) }, responses: { 200: json(z.object({ recoveryCodes: z.array(z.string()) }), 'New codes'), ...problems(404, 429) },
})
const passkeyCreationOptionsRoute = route.post('/me/passkeys/options', 'passkeyCreationOptions', own, { responses: { 200: json(PasskeyCreationOptions, 'Options'), ...problems(400) } })
const registerPasskeyRoute = route.post('/me/passkeys', 'registerPasskey', own, {
  request: { body: body(z.object({ name: PasskeyName, clientDataJSON: b64url(4000), attestationObject: b64url(16000) }).openapi('RegisterPasskey')) }, responses: { 201: json(Passkey, 'Registered'), ...problems(409) },
})
const renamePasskeyRoute = route.patch('/me/passkeys/{passkeyId}', 'renamePasskey', own, {
  request: { params: z.object({ passkeyId: z.string().max(64) }), body: body(z.object({ name: PasskeyName })) }, responses: { 204: { description: 'Renamed' }, ...problems(404) },
})
const removePasskeyRoute = route.delete('/me/passkeys/{passkeyId}', 'removePasskey', own, {
  request: { params: z.object({ passkeyId: z.string().max(64) }) }, responses: { 204: { description: 'Removed' }, ...problems(404, 409) },
})
const revokeTrustedLocationRoute = route.delete('/me/trusted-locations/{locationId}', 'revokeTrustedLocation', own, {
  request: { params: z.object({ locationId: z.string().max(64) }) }, responses: { 204: { description: 'Revoked' }, ...problems(404) },
})
const revokeAllTrustedLocationsRoute = route.delete('/me/trusted-locations', 'revokeAllTrustedLocations', own, { responses: { 200: json(z.object({ revoked: z.number().int() }), 'Revoked') } })

export const twoFactor = createRouter('Two-factor')
  .openapi(getTwoFactorRoute, async (c) => {
    const principal = c.var.signedIn
    const [factors, trusted, policy] = await Promise.all([
      twoFactorOf(c.var.db, principal.user.id),
      trustedLocationsOf(c.var.db, [principal.user.id]),
      loginPolicy(c.var.db, principal.user.id),
    ])
    return c.json(
      {
        ...factors,
        trustedLocations: trusted.map(({ userId: _, ...t }) => t),
        policy: { requireTwoFactor: policy.requireTwoFactor, allowPasswordless: policy.allowPasswordless, trustedLocationDays: policy.trustedLocationDays },
      },
      200,
    )
  })
  .openapi(startTotpEnrolmentRoute, async (c) => {
    const principal = c.var.signedIn
    if (await hasTotp(c.var.db, principal.user.id)) throw new AppError('conflict', 'The authenticator app is already on. Turn it off first to move it to another phone.')
    const key = await startTotpEnrolment(c.var.db, sealingSecret(c), principal.user.id)
    return c.json({ manualKey: manualKey(key), uri: totpUri(c.var.hostBrand.brand.name, principal.user.email, key) }, 200)
  })
  .openapi(cancelTotpEnrolmentRoute, async (c) => {
    await cancelTotpEnrolment(c.var.db, c.var.signedIn.user.id)
    return c.body(null, 204)
  })
  .openapi(confirmTotpEnrolmentRoute, async (c) => {
    const principal = c.var.signedIn
    const { code } = c.req.valid('json')
    if (await hasTotp(c.var.db, principal.user.id)) throw new AppError('conflict', 'The authenticator app is already on.')
    const attempt = await admitFactorAttempt(c, principal.user.id)
    const result = await confirmTotpEnrolment(c.var.db, sealingSecret(c), principal.user.id, code.replace(/\s/g, ''))
    if (!result.ok && result.reason === 'expired') throw new AppError('enrolment_expired')
    if (!result.ok) throw fieldError('invalid_code', 'code', 'That code is not right. Check the time on your phone and try the next code.')
    await attempt.succeeded()
    await logEverywhere(c, principal, 'update_user_profile', `${principal.user.email} turned on two-factor sign-in (authenticator app)`)
    return c.json({ recoveryCodes: result.codes }, 200)
  })
  .openapi(disableTotpRoute, async (c) => {
    const principal = c.var.signedIn
    const body = c.req.valid('json')
    if (!(await hasTotp(c.var.db, principal.user.id))) throw new AppError('not_found', 'The authenticator app is not on.')
    await keepOneFactor(c, principal.user.id, (await passkeysOf(c.var.db, principal.user.id)).length)
    await reauthenticate(c, principal, body)
    await disableTotp(c.var.db, principal.user.id)
    await logEverywhere(c, principal, 'update_user_profile', `${principal.user.email} turned off two-factor sign-in (authenticator app)`)
    return c.body(null, 204)
  })
  .openapi(regenerateRecoveryCodesRoute, async (c) => {
    const principal = c.var.signedIn
    const body = c.req.valid('json')
    if (!(await hasTotp(c.var.db, principal.user.id))) throw new AppError('not_found', 'Recovery codes come with the authenticator app, which is not on.')
    await reauthenticate(c, principal, body)
    const codes = await regenerateRecoveryCodes(c.var.db, principal.user.id)
    await logEverywhere(c, principal, 'update_user_profile', `${principal.user.email} replaced their recovery codes`)
    return c.json({ recoveryCodes: codes }, 200)
  })
  .openapi(passkeyCreationOptionsRoute, async (c) => c.json(await creationOptions(c, c.var.signedIn.user), 200))
  .openapi(registerPasskeyRoute, async (c) => {
    const principal = c.var.signedIn
    const body = c.req.valid('json')
    const passkey = await registerAnswer(c, principal.user.id, body)
    await logEverywhere(c, principal, 'update_user_profile', `${principal.user.email} added the passkey “${passkey.name}”`)
    return c.json(passkey, 201)
  })
  .openapi(renamePasskeyRoute, async (c) => {
    const { passkeyId } = c.req.valid('param')
    const { name } = c.req.valid('json')
    if (!(await renamePasskey(c.var.db, c.var.signedIn.user.id, passkeyId, name))) throw new AppError('not_found', 'No such passkey.')
    return c.body(null, 204)
  })
  .openapi(removePasskeyRoute, async (c) => {
    const principal = c.var.signedIn
    const { passkeyId } = c.req.valid('param')
    const keys = await passkeysOf(c.var.db, principal.user.id)
    if (!keys.some((k) => k.id === passkeyId)) throw new AppError('not_found', 'No such passkey.')
    await keepOneFactor(c, principal.user.id, keys.length - 1 + ((await hasTotp(c.var.db, principal.user.id)) ? 1 : 0))
    const name = await removePasskey(c.var.db, principal.user.id, passkeyId)
    if (name === null) throw new AppError('not_found', 'No such passkey.')
    await logEverywhere(c, principal, 'update_user_profile', `${principal.user.email} removed the passkey “${name}”`)
    return c.body(null, 204)
  })
  .openapi(revokeTrustedLocationRoute, async (c) => {
    const principal = c.var.signedIn
    const { locationId } = c.req.valid('param')
    const [gone] = await revokeTrustedLocations(c.var.db, [principal.user.id], locationId)
    if (!gone) throw new AppError('not_found', 'No such trusted location.')
    await logEverywhere(c, principal, 'update_trusted_connection', `${principal.user.email} stopped trusting ${gone.network}`, { kind: 'trusted_location', id: gone.id, label: gone.network })
    return c.body(null, 204)
  })
  .openapi(revokeAllTrustedLocationsRoute, async (c) => {
    const principal = c.var.signedIn
    const gone = await revokeTrustedLocations(c.var.db, [principal.user.id])
    if (gone.length) await logEverywhere(c, principal, 'update_trusted_connection', `${principal.user.email} stopped trusting all ${gone.length} trusted location${gone.length === 1 ? '' : 's'}`)
    return c.json({ revoked: gone.length }, 200)
  })
