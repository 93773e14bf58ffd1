/**
 * The API calls of two-factor sign-in: the sign-in step after the password,
 * the person's own factors on /profile and an account's Security page. Same
 * transport and contract as lib/server/api.ts.
 */
import type { RequestEvent } from '@sveltejs/kit'
import type { BodyOf } from '$lib/types'
import { client, settle } from './api'

/** The two-factor API, bound to one request. */
export function twoFactor(event: RequestEvent) {
  const c = client(event)
  const account = (id: string) => ({ params: { path: { id } } })
  return {
    step: () => settle('sign-in step', c.GET('/api/v1/auth/step')),
    cancelStep: () => settle('cancel step', c.DELETE('/api/v1/auth/step')),
    verifyCode: (body: BodyOf<'/api/v1/auth/step/code', 'post'>) => settle('verify code', c.POST('/api/v1/auth/step/code', { body })),
    startStepEnrolment: () => settle('start step enrolment', c.POST('/api/v1/auth/step/enrol')),
    confirmStepEnrolment: (body: BodyOf<'/api/v1/auth/step/enrol/confirm', 'post'>) =>
      settle('confirm step enrolment', c.POST('/api/v1/auth/step/enrol/confirm', { body })),

    factors: () => settle('two-factor', c.GET('/api/v1/me/two-factor')),
    startTotp: () => settle('start totp', c.POST('/api/v1/me/two-factor/totp')),
    cancelTotp: () => settle('cancel totp', c.DELETE('/api/v1/me/two-factor/totp/enrolment')),
    confirmTotp: (code: string) => settle('confirm totp', c.POST('/api/v1/me/two-factor/totp/confirm', { body: { code } })),
    disableTotp: (body: BodyOf<'/api/v1/me/two-factor/totp/disable', 'post'>) => settle('disable totp', c.POST('/api/v1/me/two-factor/totp/disable', { body })),
    regenerateCodes: (body: BodyOf<'/api/v1/me/two-factor/recovery-codes', 'post'>) =>
      settle('recovery codes', c.POST('/api/v1/me/two-factor/recovery-codes', { body })),
    renamePasskey: (passkeyId: string, name: string) =>
      settle('rename passkey', c.PATCH('/api/v1/me/passkeys/{passkeyId}', { params: { path: { passkeyId } }, body: { name } })),
    removePasskey: (passkeyId: string) => settle('remove passkey', c.DELETE('/api/v1/me/passkeys/{passkeyId}', { params: { path: { passkeyId } } })),
    revokeLocation: (locationId: string) =>
      settle('revoke location', c.DELETE('/api/v1/me/trusted-locations/{locationId}', { params: { path: { locationId } } })),
    revokeAllLocations: () => settle('revoke locations', c.DELETE('/api/v1/me/trusted-locations')),

    security: (id: string) => settle('security', c.GET('/api/v1/accounts/{id}/security', account(id))),
    saveSecurity: (id: string, body: BodyOf<'/api/v1/accounts/{id}/security', 'put'>) =>
      settle('save security', c.PUT('/api/v1/accounts/{id}/security', { ...account(id), body })),
    revokeMemberLocation: (id: string, locationId: string) =>
      settle('revoke member location', c.DELETE('/api/v1/accounts/{id}/security/trusted-locations/{locationId}', { params: { path: { id, locationId } } })),
  }
}
