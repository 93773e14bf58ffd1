import { redirect } from '@sveltejs/kit'
import { unwrap } from '$lib/server/api'
import { invalid, problemFailure, requireSection, text } from '$lib/server/forms'
import { limitsAndAccess, resellerApi } from '$lib/server/resellers'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'

export const load: PageServerLoad = async (event) => {
  const client = resellerApi(event)
  const [reseller, templates] = [client.get(event.params.accountId, event.params.rid), client.templates(event.params.accountId)]
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'resellers')
  if (!section.actions.includes('manage')) redirect(303, `/a/${account.id}/resellers`)
  return { reseller: unwrap(event, await reseller, m.accounts_reseller_not_found()).account, templates: unwrap(event, await templates).items }
}

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData()
    const templateId = text(form, 'templateId')
    const custom = limitsAndAccess(form)
    if (Object.keys(custom.errors).length) return invalid(custom.errors)
    // A newly chosen template supplies limits and access; otherwise the fields do.
    const poweredBy = form.has('poweredByShown') ? { poweredBy: form.get('poweredBy') === '1' } : {}
    const body = templateId
      ? { name: text(form, 'name'), templateId, ...poweredBy }
      : { name: text(form, 'name'), limits: custom.limits, access: custom.access, ...poweredBy }
    const result = await resellerApi(event).update(event.params.accountId, event.params.rid, body)
    if (!result.ok) return problemFailure(event, result, ['name', 'templateId'])
    redirect(303, `/a/${event.params.accountId}/resellers`)
  },
}
