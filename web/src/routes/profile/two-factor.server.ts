import { fail, type RequestEvent } from '@sveltejs/kit'
import type { ApiResult } from '$lib/server/api'
import { invalid, passwordAction, problemFailure, text } from '$lib/server/forms'
import { qrSvg } from '$lib/server/qr'
import { twoFactor } from '$lib/server/two-factor'
import { m } from '$lib/paraglide/messages.js'

/** The person's own factors (null while impersonating: they are the target's, and not shown). */
export async function loadTwoFactor(event: RequestEvent, impersonating: boolean) {
  if (impersonating) return null
  const result = await twoFactor(event).factors()
  return result.ok ? result.data : null
}

/**
 * An action that asks for the password and a current code again first, as turning things off does:
 * both are checked for presence here, then by the API.
 */
function reauthenticated<T, R extends Record<string, unknown>>(
  call: (calls: ReturnType<typeof twoFactor>, proof: { password: string; code: string }) => Promise<ApiResult<T>>,
  done: (data: T) => R,
) {
  return passwordAction(
    ['code', m.profile_tf_enter_code],
    ['password', m.profile_tf_enter_password],
    (event, code, password) => call(twoFactor(event), { password, code }),
    done,
  )
}

/** The profile's two-factor form actions. */
export const twoFactorActions = {
  totpStart: async (event: RequestEvent) => {
    const result = await twoFactor(event).startTotp()
    if (!result.ok) return problemFailure(event, result, [])
    return { enrolment: { manualKey: result.data.manualKey, uri: result.data.uri, qr: qrSvg(result.data.uri) } }
  },
  totpConfirm: async (event: RequestEvent) => {
    const form = await event.request.formData()
    const code = text(form, 'code')
    // The pending key rides along so a wrong code can show the same QR again (the browser already has it).
    const manualKey = text(form, 'manualKey')
    const uri = text(form, 'uri')
    const enrolment = manualKey && uri.startsWith('otpauth://') ? { manualKey, uri, qr: qrSvg(uri) } : null
    if (!code) return fail(400, { errors: { code: m.profile_tf_enter_six() }, message: undefined, code: 'validation_failed', enrolment })
    const result = await twoFactor(event).confirmTotp(code)
    if (!result.ok) {
      if (result.problem.code === 'invalid_code') return fail(403, { errors: { code: m.profile_tf_wrong_code() }, message: undefined, code: 'invalid_code', enrolment })
      return problemFailure(event, result, ['code'])
    }
    return { recoveryCodes: result.data.recoveryCodes }
  },
  totpCancel: async (event: RequestEvent) => {
    const result = await twoFactor(event).cancelTotp()
    if (!result.ok) return problemFailure(event, result, [])
    return { cancelled: true }
  },
  totpDisable: reauthenticated((calls, proof) => calls.disableTotp(proof), () => ({ disabled: true })),
  recoveryCodes: reauthenticated((calls, proof) => calls.regenerateCodes(proof), (data) => ({ recoveryCodes: data.recoveryCodes })),
  passkeyRename: async (event: RequestEvent) => {
    const form = await event.request.formData()
    const name = text(form, 'name')
    if (!name) return invalid({ name: m.profile_tf_name_passkey() })
    const result = await twoFactor(event).renamePasskey(text(form, 'passkeyId'), name)
    if (!result.ok) return problemFailure(event, result, ['name'])
    return { renamed: true }
  },
  passkeyRemove: async (event: RequestEvent) => {
    const form = await event.request.formData()
    const result = await twoFactor(event).removePasskey(text(form, 'passkeyId'))
    if (!result.ok) return problemFailure(event, result, [])
    return { removed: true }
  },
  locationRevoke: async (event: RequestEvent) => {
    const form = await event.request.formData()
    const result = await twoFactor(event).revokeLocation(text(form, 'locationId'))
    if (!result.ok) return problemFailure(event, result, [])
    return { revoked: 1 }
  },
  locationRevokeAll: async (event: RequestEvent) => {
    const result = await twoFactor(event).revokeAllLocations()
    if (!result.ok) return problemFailure(event, result, [])
    return { revoked: result.data.revoked }
  },
}
