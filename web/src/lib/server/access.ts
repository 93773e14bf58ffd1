/**
 * The API calls of getting into accounts (issue 5): invitations, accepting
 * them, impersonation, the profile and its access log, per-member
 * notifications and the development outbox. Same transport as lib/server/api.ts.
 */
import type { RequestEvent } from '@sveltejs/kit'
import { z } from 'zod'
import { call, Impersonation, Scope, User } from './api'

const Invitation = z.object({
  id: z.string(),
  accountId: z.string(),
  kind: z.enum(['member', 'customer']),
  email: z.string(),
  // 'owner': the invitation of a new reseller's or customer's first owner.
  level: z.enum(['owner', 'admin', 'user']).nullable().default(null),
  roleIds: z.array(z.string()).default([]),
  roles: z.array(z.object({ id: z.string(), name: z.string() })).default([]),
  scope: Scope.nullable().default(null),
  status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
  invitedBy: User.nullable().default(null),
  createdAt: z.number(),
  expiresAt: z.number(),
  acceptedAt: z.number().nullable().default(null),
  createdAccountId: z.string().nullable().default(null),
  suggestedName: z.string().nullable().default(null),
})

const Preview = z.object({
  kind: z.enum(['member', 'customer']),
  accountName: z.string(),
  inviterName: z.string().nullable().default(null),
  inviterEmail: z.string().nullable().default(null),
  level: z.enum(['owner', 'admin', 'user']).nullable().default(null),
  roles: z.array(z.string()).default([]),
  email: z.string(),
  suggestedName: z.string().nullable().default(null),
  existingUser: z.boolean(),
  expiresAt: z.number(),
})



const AccessLogEntry = z.object({
  id: z.string(),
  impersonator: z.object({ email: z.string(), name: z.string() }),
  accountId: z.string(),
  accountName: z.string(),
  reason: z.string(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  expiresAt: z.number(),
  endReason: z.enum(['exit', 'logout', 'expired']).nullable(),
})

const OutboxMessage = z.object({
  id: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string().nullable().default(null),
  createdAt: z.number(),
})

const schemas = {
  // The API wraps it ({ invitation }); a bare one is accepted too.
  invitation: z.union([z.object({ invitation: Invitation }).transform((body) => body.invitation), Invitation]),
  invitations: z.object({ items: z.array(Invitation) }),
  preview: Preview,
  accepted: z.object({ accountId: z.string(), userId: z.string().optional() }),
  impersonation: z.object({ impersonation: Impersonation }),
  accessLog: z.object({ items: z.array(AccessLogEntry) }),
  outbox: z.object({ items: z.array(OutboxMessage) }),
  notifications: z.object({ types: z.array(z.string()) }),
}

/** The body of inviting a person to an account. */
export type MemberInvite = {
  kind: 'member'
  email: string
  level: 'admin' | 'user'
  roleIds: string[]
  scope: z.infer<typeof Scope>
}

/** The body of a reseller inviting a prospect to become a customer. */
export type CustomerInvite = { kind: 'customer'; email: string; name?: string }

/** The access API, bound to one request. */
export function access(event: RequestEvent) {
  const id = (value: string) => encodeURIComponent(value)
  const invitations = (accountId: string) => `/api/v1/accounts/${id(accountId)}/invitations`
  return {
    invitations: (accountId: string, filter: { status?: 'pending' | 'all'; kind?: 'member' | 'customer' } = {}) => {
      const query = new URLSearchParams({ status: filter.status ?? 'pending' })
      if (filter.kind) query.set('kind', filter.kind)
      return call(event, 'GET', `${invitations(accountId)}?${query}`, schemas.invitations)
    },
    invite: (accountId: string, body: MemberInvite | CustomerInvite) => call(event, 'POST', invitations(accountId), schemas.invitation, body),
    resendInvitation: (accountId: string, inviteId: string) =>
      call(event, 'POST', `${invitations(accountId)}/${id(inviteId)}/resend`, schemas.invitation, {}),
    revokeInvitation: (accountId: string, inviteId: string) => call(event, 'DELETE', `${invitations(accountId)}/${id(inviteId)}`, null),

    previewInvitation: (token: string) => call(event, 'GET', `/api/v1/invitations/${id(token)}`, schemas.preview),
    acceptInvitation: (token: string, body: { name?: string; password?: string; organisationName?: string }) =>
      call(event, 'POST', `/api/v1/invitations/${id(token)}/accept`, schemas.accepted, body),

    impersonate: (body: { userId: string; accountId: string; reason: string }) =>
      call(event, 'POST', '/api/v1/impersonation', schemas.impersonation, body),
    endImpersonation: () => call(event, 'DELETE', '/api/v1/impersonation', null),

    accessLog: () => call(event, 'GET', '/api/v1/me/access-log', schemas.accessLog),
    rename: (name: string) => call(event, 'PATCH', '/api/v1/me', null, { name }),
    changePassword: (body: { currentPassword: string; newPassword: string }) => call(event, 'POST', '/api/v1/me/password', null, body),

    notifications: (accountId: string, memberId: string) =>
      call(event, 'GET', `/api/v1/accounts/${id(accountId)}/members/${id(memberId)}/notifications`, schemas.notifications),
    setNotifications: (accountId: string, memberId: string, types: string[]) =>
      call(event, 'PUT', `/api/v1/accounts/${id(accountId)}/members/${id(memberId)}/notifications`, schemas.notifications, { types }),

    outbox: () => call(event, 'GET', '/api/dev/outbox', schemas.outbox),
  }
}
