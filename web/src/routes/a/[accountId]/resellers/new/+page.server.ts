import { redirect } from '@sveltejs/kit'
import { unwrap } from '$lib/server/api'
import { invalid, problemFailure, requireSection, text } from '$lib/server/forms'
import { limitsAndAccess, resellerApi } from '$lib/server/resellers'
import type { Actions, PageServerLoad } from './$types'

const FIELDS = ['name', 'ownerEmail', 'ownerName', 'templateId', 'hostname']

export const load: PageServerLoad = async (event) => {
  const templates = resellerApi(event).templates(event.params.accountId)
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'resellers')
  if (!section.actions.includes('manage')) redirect(303, `/a/${account.id}/resellers`)
  return { templates: unwrap(event, await templates).items }
}

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData()
    const templateId = text(form, 'templateId') || null
    const custom = form.has('accessMode') ? limitsAndAccess(form) : null
    if (custom && Object.keys(custom.errors).length) return invalid(custom.errors)
    const result = await resellerApi(event).createReseller(event.params.accountId, {
      name: text(form, 'name'),
      ownerEmail: text(form, 'ownerEmail'),
      ownerName: text(form, 'ownerName'),
      templateId,
      ...(text(form, 'hostname') && { hostname: text(form, 'hostname') }),
      ...(custom && { limits: custom.limits, access: custom.access }),
    })
    if (!result.ok) return problemFailure(event, result, FIELDS)
    // No redirect: the page says who was emailed the owner invitation (with or without JavaScript).
    const { account, ownerInvitation } = result.data
    return {
      created: { id: account.id, name: account.name, hostname: text(form, 'hostname') || null },
      owner: { email: ownerInvitation.email, name: text(form, 'ownerName'), expiresAt: ownerInvitation.expiresAt },
    }
  },
}
