import { unwrap } from '$lib/server/api'
import { idAction, requireSection } from '$lib/server/forms'
import { resellerApi } from '$lib/server/resellers'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'

export const load: PageServerLoad = async (event) => {
  const templates = resellerApi(event).templates(event.params.accountId)
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'resellers')
  return { canManage: section.actions.includes('manage'), templates: unwrap(event, await templates, m.accounts_account_not_found()).items }
}

export const actions: Actions = {
  delete: idAction('id', (event, account, id) => resellerApi(event).deleteTemplate(account, id), () => ({ deleted: true })),
}
