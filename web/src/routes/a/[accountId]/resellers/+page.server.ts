import { requireSection } from '$lib/server/forms'
import { unwrap } from '$lib/server/api'
import { invitationActions } from '$lib/server/invitations'
import { lifecycleActions, resellerApi } from '$lib/server/resellers'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'

/** The platform's resellers with status, template and limits; managers get the lifecycle actions. */
export const load: PageServerLoad = async (event) => {
  const list = resellerApi(event).list(event.params.accountId, 'reseller')
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'resellers')
  return { section, canManage: section.actions.includes('manage'), canLoginAs: section.actions.includes('impersonate'), resellers: unwrap(event, await list, m.accounts_account_not_found()).items }
}

export const actions: Actions = { ...lifecycleActions('reseller'), resendOwnerInvitation: invitationActions.resendOwnerInvitation }
