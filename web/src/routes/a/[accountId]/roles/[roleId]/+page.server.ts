import { error, redirect } from '@sveltejs/kit'
import { api, unwrap } from '$lib/server/api'
import { invalid, problemFailure } from '$lib/server/forms'
import { loadRoles, ROLE_FIELDS, roleFrom } from '../role-form.server'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'

/** One role in the editor: custom roles editable with roles.manage, built-ins read-only. */
export const load: PageServerLoad = async (event) => {
  const { section, canManage, roles, catalogue } = await loadRoles(event, event.parent)
  const role = roles.find((r) => r.id === event.params.roleId)
  if (!role) error(404, m.people_role_not_found())
  return { section, canManage, role, catalogue }
}

export const actions: Actions = {
  save: async (event) => {
    const form = await event.request.formData()
    const role = roleFrom(form)
    if (!role.name) return invalid({ name: m.people_role_name_required() })
    // Send the permissions only when they changed: a role may hold permissions this editor does not,
    // and renaming it must not count as granting them again.
    const current = unwrap(event, await api(event).roles(event.params.accountId), m.people_account_not_found()).items.find(
      (r) => r.id === event.params.roleId,
    )
    if (!current) error(404, m.people_role_not_found())
    const same = [...current.permissions].sort().join() === [...role.permissions].sort().join()
    const result = await api(event).updateRole(event.params.accountId, event.params.roleId, {
      name: role.name,
      description: role.description,
      ...(same ? {} : { permissions: role.permissions }),
    })
    if (!result.ok) return problemFailure(event, result, ROLE_FIELDS)
    return { name: result.data.role.name }
  },

  delete: async (event) => {
    const result = await api(event).deleteRole(event.params.accountId, event.params.roleId)
    if (!result.ok) return problemFailure(event, result, [])
    redirect(303, `/a/${event.params.accountId}/roles`)
  },
}
