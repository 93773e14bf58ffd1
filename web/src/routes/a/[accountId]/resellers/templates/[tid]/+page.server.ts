import { unwrap } from '$lib/server/api'
import { requireSection } from '$lib/server/forms'
import { resellerApi } from '$lib/server/resellers'
import { saveTemplate } from '../template-action'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'

export const load: PageServerLoad = async (event) => {
  const template = resellerApi(event).template(event.params.accountId, event.params.tid)
  const { account, menu } = await event.parent()
  requireSection(menu, account, 'resellers')
  return { template: unwrap(event, await template, m.accounts_template_not_found()).template }
}

export const actions: Actions = { default: (event) => saveTemplate(event, event.params.tid) }
