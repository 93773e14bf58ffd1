import { api, unwrap } from '$lib/server/api'
import { list, problemFailure, requireSection, text, textAction } from '$lib/server/forms'
import { m } from '$lib/paraglide/messages.js'
import type { Actions, PageServerLoad } from './$types'

/** The account's own service groups, and its own services for assigning them. */
export const load: PageServerLoad = async (event) => {
  const client = api(event)
  const id = event.params.accountId
  const [groupsCall, servicesCall] = [client.serviceGroups(id), client.services(id, {}, { limit: 200 })]
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'services')
  const groups = unwrap(event, await groupsCall, m.services_account_not_found())
  const services = await servicesCall
  const own = services.ok ? services.data.items.filter((s) => s.account.id === id) : []
  return {
    section,
    groups: groups.items,
    canShape: groups.canShape,
    canAssign: section.actions.includes('manage'),
    services: own.map((s) => ({ id: s.id, name: s.name, type: s.type, groupId: s.group?.id ?? null })),
  }
}

export const actions: Actions = {
  create: textAction('name', m.services_enter_name, (event, account, name) => api(event).createServiceGroup(account, name), (data) => ({ name: data.group.name })),
  rename: textAction('name', m.services_enter_name, (event, account, name, form) => api(event).renameServiceGroup(account, text(form, 'group'), name), (data) => ({ name: data.group.name })),
  delete: async (event) => {
    const result = await api(event).deleteServiceGroup(event.params.accountId, text(await event.request.formData(), 'group'))
    if (!result.ok) return problemFailure(event, result, [])
    return { ungrouped: result.data.ungrouped }
  },
  assign: async (event) => {
    const form = await event.request.formData()
    const chosen = new Set(list(form, 'services'))
    const before = new Set(list(form, 'before'))
    const add = [...chosen].filter((s) => !before.has(s))
    const remove = [...before].filter((s) => !chosen.has(s))
    const result = await api(event).assignServiceGroup(event.params.accountId, text(form, 'group'), { add, remove })
    if (!result.ok) return problemFailure(event, result, [])
    return { name: result.data.group.name }
  },
}
