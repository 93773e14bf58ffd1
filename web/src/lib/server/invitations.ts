import type { RequestEvent } from '@sveltejs/kit'
import { access } from './access'
import { problemFailure, text } from './forms'
import type { Invitation } from '$lib/types'

/**
 * The pending invitations of one kind for a page, newest first; an empty list
 * when the caller may not see them (the page still works without).
 */
export async function pendingInvitations(event: RequestEvent, accountId: string, kind: Invitation['kind']): Promise<Invitation[]> {
  const result = await access(event).invitations(accountId, { status: 'pending', kind })
  if (!result.ok) return []
  return result.data.items.filter((i) => i.kind === kind).toSorted((a, b) => b.createdAt - a.createdAt)
}

/** The Resend and Revoke form actions the invitations list posts to. */
export const invitationActions = {
  resendInvitation: async (event: RequestEvent<{ accountId: string }>) => {
    const form = await event.request.formData()
    const result = await access(event).resendInvitation(event.params.accountId, text(form, 'inviteId'))
    if (!result.ok) return problemFailure(event, result, [])
    return { email: result.data.invitation.email }
  },
  /** Send a child account's owner invitation again (the API checks the caller may manage that account's staff). */
  resendOwnerInvitation: async (event: RequestEvent<{ accountId: string }>) => {
    const form = await event.request.formData()
    const result = await access(event).resendInvitation(text(form, 'accountId'), text(form, 'inviteId'))
    if (!result.ok) return problemFailure(event, result, [])
    return { email: result.data.invitation.email }
  },
  revokeInvitation: async (event: RequestEvent<{ accountId: string }>) => {
    const form = await event.request.formData()
    const result = await access(event).revokeInvitation(event.params.accountId, text(form, 'inviteId'))
    if (!result.ok) return problemFailure(event, result, [])
    return { revoked: true }
  },
}
