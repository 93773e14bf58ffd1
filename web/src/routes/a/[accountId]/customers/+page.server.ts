import { access } from '$lib/server/access'
import { loadChildrenSection } from '$lib/server/children'
import { invalid, problemFailure, text } from '$lib/server/forms'
import { invitationActions, pendingInvitations } from '$lib/server/invitations'
import { holds } from '$lib/permissions'
import { lifecycleActions, resellerApi } from '$lib/server/resellers'
import type { Actions, PageServerLoad } from './$types'

export const load: PageServerLoad = async (event) => {
  const [section, parent] = await Promise.all([loadChildrenSection(event, event.parent, 'customers'), event.parent()])
  // A reseller with customers.invite invites prospects here; each accepted invitation becomes a customer below.
  const canInvite = parent.account.kind === 'reseller' && holds(parent.menu, 'customers', 'invite')
  const invitations = canInvite ? await pendingInvitations(event, event.params.accountId, 'customer') : []
  // Managers of a reseller's customers get their status and the disable / enable / delete / restore actions.
  const canManageCustomers = parent.account.kind === 'reseller' && holds(parent.menu, 'customers', 'manage')
  const managed = canManageCustomers ? await resellerApi(event).list(event.params.accountId, 'customer') : null
  return { ...section, canInvite, invitations, canManageCustomers, canLoginAs: holds(parent.menu, 'customers', 'impersonate'), managed: managed?.ok ? managed.data.items : [] }
}

export const actions: Actions = {
  ...invitationActions,
  ...lifecycleActions('customer'),

  inviteCustomer: async (event) => {
    const form = await event.request.formData()
    const email = text(form, 'email')
    const name = text(form, 'name')
    if (!email) return invalid({ email: 'Enter the email address of the person to invite.' })
    const result = await access(event).invite(event.params.accountId, { kind: 'customer', email, ...(name ? { name } : {}) })
    if (!result.ok) {
      if (result.status === 409) return invalid({ email: result.problem.detail || 'This email is already invited.' })
      return problemFailure(event, result, ['email', 'name'])
    }
    return { email: result.data.email }
  },
}
