import { redirect } from '@sveltejs/kit'
import { api } from '$lib/server/api'
import { invalid, problemFailure } from '$lib/server/forms'
import { loadRoles, requireManage, ROLE_FIELDS, roleFrom } from '../role-form.server'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'

/** A new custom role; `?from=<role id>` starts from a copy of another role. */
export const load: PageServerLoad = async (event) => {
  const { section, canManage, roles, catalogue } = await loadRoles(event, event.parent)
  requireManage(canManage)
  const from = roles.find((r) => r.id === event.url.searchParams.get('from')) ?? null
  return { section, from, catalogue }
}

export const actions: Actions = {
  default: async (event) => {
    const role = roleFrom(await event.request.formData())
    if (!role.name) return invalid({ name: m.people_role_name_required() })
    const result = await api(event).createRole(event.params.accountId, role)
    if (!result.ok) return problemFailure(event, result, ROLE_FIELDS)
    redirect(303, `/a/${event.params.accountId}/roles`)
  },
}
