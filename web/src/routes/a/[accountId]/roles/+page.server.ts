import { api, unwrap } from '$lib/server/api'
import { loadCatalogue } from '$lib/server/catalogue'
import { idAction, requireSection } from '$lib/server/forms'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'

/** The account's roles: built-ins first, then custom ones. */
export const load: PageServerLoad = async (event) => {
  const rolesCall = api(event).roles(event.params.accountId)
  const catalogueCall = loadCatalogue(event)
  catalogueCall.catch(() => {})
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'roles')
  return {
    section,
    canManage: section.actions.includes('manage'),
    roles: unwrap(event, await rolesCall, m.people_account_not_found()).items,
    catalogue: await catalogueCall,
  }
}

export const actions: Actions = {
  delete: idAction('roleId', (event, account, id) => api(event).deleteRole(account, id), () => ({ deleted: true })),
}
