import { access } from '$lib/server/access'
import { loadChildrenSection } from '$lib/server/children'
import { idAction, invalid, problemFailure, text, textAction } from '$lib/server/forms'
import { api } from '$lib/server/api'
import { invitationActions, pendingInvitations } from '$lib/server/invitations'
import { holds } from '$lib/permissions'
import { lifecycleActions, resellerApi } from '$lib/server/resellers'
import { ownershipApi } from '$lib/server/ownership'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'
import { problemMessage } from '$lib/problem'

export const load: PageServerLoad = async (event) => {
  const [section, parent] = await Promise.all([loadChildrenSection(event, event.parent, 'customers'), event.parent()])
  const reseller = parent.account.kind === 'reseller'
  // A reseller with customers.invite invites prospects here; each accepted invitation becomes a customer below.
  const canInvite = reseller && holds(parent.menu, 'customers', 'invite')
  // Managers get the disable / enable / delete / restore actions on each row; customers.impersonate adds "Log in as" its owner.
  const canManageCustomers = reseller && holds(parent.menu, 'customers', 'manage')
  const canLoginAs = reseller && holds(parent.menu, 'customers', 'impersonate')
  const [invitations, managed, moves, signups] = await Promise.all([
    canInvite ? pendingInvitations(event, event.params.accountId, 'customer') : [],
    // Deleted customers are not in the paged list; managers may restore them for 30 days.
    canManageCustomers ? resellerApi(event).list(event.params.accountId, 'customer', 'deleted') : null,
    // Requests to owners of existing organisations to move them here.
    canInvite ? ownershipApi(event).moves(event.params.accountId) : null,
    // Organisations that signed up on the portal and wait for approval.
    parent.account.kind !== 'customer' && holds(parent.menu, 'customers', 'view') ? api(event).pendingSignups(event.params.accountId) : null,
  ])
  return {
    ...section,
    // One list: the paged rows carry each customer's owner and disable reason.
    deleted: managed?.ok ? managed.data.items.filter((a) => a.status === 'deleted') : [],
    canInvite,
    invitations,
    moves: moves?.ok ? moves.data.items.filter((m) => m.status === 'pending' || m.status === 'accepted').slice(0, 20) : [],
    canManageCustomers,
    canLoginAs,
    pendingSignups: signups?.ok ? signups.data.items : [],
    canDecideSignups: holds(parent.menu, 'customers', 'manage'),
  }
}

export const actions: Actions = {
  ...invitationActions,
  ...lifecycleActions('customer'),
  approveSignup: idAction('id', (event, account, id) => api(event).decideSignup(account, id, true), () => ({ decided: true })),
  declineSignup: idAction('id', (event, account, id) => api(event).decideSignup(account, id, false), () => ({ decided: true })),

  requestMove: textAction('email', m.accounts_enter_owner_email, (event, account, email) => ownershipApi(event).requestMove(account, email), (data) => ({ email: data.request.email })),

  withdrawMove: idAction('id', (event, account, id) => ownershipApi(event).cancelMove(account, id), () => ({ withdrawn: true })),

  inviteCustomer: async (event) => {
    const form = await event.request.formData()
    const email = text(form, 'email')
    const name = text(form, 'name')
    if (!email) return invalid({ email: m.accounts_enter_invitee_email() })
    const result = await access(event).invite(event.params.accountId, { kind: 'customer', email, ...(name ? { name } : {}) })
    if (!result.ok) {
      if (result.status === 409) return invalid({ email: problemMessage(result.problem) || m.accounts_already_invited() })
      return problemFailure(event, result, ['email', 'name'])
    }
    return { email: result.data.invitation.email }
  },
}
