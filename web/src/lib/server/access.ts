import { m } from '$lib/paraglide/messages.js'
/**
 * The API calls of getting into accounts: invitations, accepting them,
 * impersonation, the profile and its access log, per-member notifications
 * and the development outbox. Same transport and contract as lib/server/api.ts.
 */
import type { RequestEvent } from '@sveltejs/kit'
import type { BodyOf, QueryOf } from '$lib/types'
import { client, settle, untypedGet, type ApiResult } from './api'

/** The body of inviting someone: a member of this account, or a prospect who becomes a customer. */
type InvitationBody = BodyOf<'/api/v1/accounts/{id}/invitations', 'post'>

/** A message of the development outbox (`/api/dev`, on only with the API's dev tools: not part of the API's contract). */
interface OutboxMessage {
  id: string
  to: string
  subject: string
  text: string
  html: string | null
  createdAt: number
}

function isOutboxMessage(value: unknown): value is OutboxMessage {
  const m = value as Record<string, unknown> | null
  return (
    typeof m === 'object' && m !== null &&
    typeof m.id === 'string' && typeof m.to === 'string' && typeof m.subject === 'string' && typeof m.text === 'string' &&
    (m.html === null || typeof m.html === 'string') && typeof m.createdAt === 'number'
  )
}

/** The access API, bound to one request. */
export function access(event: RequestEvent) {
  const c = client(event)
  const invitation = (id: string, inviteId: string) => ({ params: { path: { id, inviteId } } })
  return {
    invitations: (id: string, query: QueryOf<'/api/v1/accounts/{id}/invitations', 'get'> = {}) =>
      settle('invitations', c.GET('/api/v1/accounts/{id}/invitations', { params: { path: { id }, query: { status: 'pending', ...query } } })),
    invite: (id: string, body: InvitationBody) => settle('invite', c.POST('/api/v1/accounts/{id}/invitations', { params: { path: { id } }, body })),
    resendInvitation: (id: string, inviteId: string) =>
      settle('resend invitation', c.POST('/api/v1/accounts/{id}/invitations/{inviteId}/resend', invitation(id, inviteId))),
    revokeInvitation: (id: string, inviteId: string) =>
      settle('revoke invitation', c.DELETE('/api/v1/accounts/{id}/invitations/{inviteId}', invitation(id, inviteId))),

    previewInvitation: (token: string) => settle('invitation preview', c.GET('/api/v1/invitations/{token}', { params: { path: { token } } })),
    acceptInvitation: (token: string, body: BodyOf<'/api/v1/invitations/{token}/accept', 'post'>) =>
      settle('accept invitation', c.POST('/api/v1/invitations/{token}/accept', { params: { path: { token } }, body })),

    impersonate: (body: BodyOf<'/api/v1/impersonation', 'post'>) => settle('impersonate', c.POST('/api/v1/impersonation', { body })),
    endImpersonation: () => settle('end impersonation', c.DELETE('/api/v1/impersonation')),

    accessLog: () => settle('access log', c.GET('/api/v1/me/access-log')),
    rename: (name: string) => settle('rename', c.PATCH('/api/v1/me', { body: { name } })),
    changePassword: (body: BodyOf<'/api/v1/me/password', 'post'>) => settle('change password', c.POST('/api/v1/me/password', { body })),

    notifications: (id: string, memberId: string) =>
      settle('notifications', c.GET('/api/v1/accounts/{id}/members/{memberId}/notifications', { params: { path: { id, memberId } } })),
    setNotifications: (id: string, memberId: string, types: BodyOf<'/api/v1/accounts/{id}/members/{memberId}/notifications', 'put'>['types']) =>
      settle('set notifications', c.PUT('/api/v1/accounts/{id}/members/{memberId}/notifications', { params: { path: { id, memberId } }, body: { types } })),

    /** The development outbox; checked here, since the contract does not describe it. */
    outbox: async (): Promise<ApiResult<{ items: OutboxMessage[] }>> => {
      const result = await untypedGet(event, '/api/dev/outbox')
      if (!result.ok) return result
      const items = (result.data as { items?: unknown } | undefined)?.items
      if (!Array.isArray(items) || !items.every(isOutboxMessage)) {
        return { ok: false, status: 502, problem: { type: 'about:blank', title: m.common_outbox_unexpected(), status: 502, code: 'unexpected_response', detail: m.common_outbox_unexpected() } }
      }
      return { ok: true, status: result.status, data: { items } }
    },
  }
}
