/**
 * The API calls of account security: password reset and email links, the
 * sessions list, members' sessions and API keys. Same transport and contract
 * as lib/server/api.ts.
 */
import type { RequestEvent } from '@sveltejs/kit'
import type { BodyOf } from '$lib/types'
import { client, settle } from './api'

/** The security API, bound to one request. */
export function security(event: RequestEvent) {
  const c = client(event)
  const token = (t: string) => ({ params: { path: { token: t } } })
  return {
    requestReset: (email: string) => settle('request reset', c.POST('/api/v1/auth/password-reset', { body: { email } })),
    checkReset: (t: string) => settle('check reset', c.GET('/api/v1/auth/password-reset/{token}', token(t))),
    resetPassword: (t: string, password: string) => settle('reset password', c.POST('/api/v1/auth/password-reset/{token}', { ...token(t), body: { password } })),
    checkEmailLink: (t: string) => settle('check email link', c.GET('/api/v1/auth/verify-email/{token}', token(t))),
    confirmEmail: (t: string) => settle('confirm email', c.POST('/api/v1/auth/verify-email/{token}', token(t))),

    myEmail: () => settle('my email', c.GET('/api/v1/me/email')),
    changeEmail: (email: string, currentPassword: string) => settle('change email', c.PATCH('/api/v1/me', { body: { email, currentPassword } })),
    resendVerification: () => settle('resend verification', c.POST('/api/v1/me/email/verification')),

    sessions: () => settle('sessions', c.GET('/api/v1/me/sessions')),
    endSession: (sessionId: string) => settle('end session', c.DELETE('/api/v1/me/sessions/{sessionId}', { params: { path: { sessionId } } })),
    endOtherSessions: () => settle('end other sessions', c.POST('/api/v1/me/sessions/end-others')),
    endMemberSessions: (id: string, memberId: string) =>
      settle('end member sessions', c.POST('/api/v1/accounts/{id}/members/{memberId}/sessions/end', { params: { path: { id, memberId } } })),

    apiKeys: (id: string) => settle('api keys', c.GET('/api/v1/accounts/{id}/api-keys', { params: { path: { id } } })),
    createApiKey: (id: string, body: BodyOf<'/api/v1/accounts/{id}/api-keys', 'post'>) =>
      settle('create api key', c.POST('/api/v1/accounts/{id}/api-keys', { params: { path: { id } }, body })),
    revokeApiKey: (id: string, keyId: string) => settle('revoke api key', c.DELETE('/api/v1/accounts/{id}/api-keys/{keyId}', { params: { path: { id, keyId } } })),
  }
}
