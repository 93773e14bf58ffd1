import { redirect } from '@sveltejs/kit'
import { api, unwrap } from '$lib/server/api'
import { invalid, problemFailure, requireSection, text } from '$lib/server/forms'
import { SERVICE_FIELD_RENAMES, SERVICE_FIELDS, serviceFieldsFrom } from '$lib/server/services'
import type { Actions, PageServerLoad } from './$types'

/** One service with what the caller may do with it; groups and tags of its owner for the edit dialog. */
export const load: PageServerLoad = async (event) => {
  const client = api(event)
  const { accountId, sid } = event.params
  const serviceCall = client.service(accountId, sid)
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'services')
  const { service, allowed } = unwrap(event, await serviceCall, 'Service not found')
  const facets = allowed.manage ? await client.serviceFacets(service.account.id) : null
  // The edit dialog offers the groups of the service's own account (the facets span the accounts below it too).
  const groups = facets?.ok ? facets.data.groups.filter((g) => g.accountId === service.account.id) : []
  return { section, service, allowed, facets: { groups, tags: facets?.ok ? facets.data.tags : [] } }
}

export const actions: Actions = {
  restart: async (event) => {
    const result = await api(event).restartService(event.params.accountId, event.params.sid)
    if (!result.ok) return problemFailure(event, result, [])
    return { name: result.data.service.name }
  },

  rename: async (event) => {
    const name = text(await event.request.formData(), 'name')
    if (!name) return invalid({ name: 'Enter the new name.' })
    const result = await api(event).renameService(event.params.accountId, event.params.sid, name)
    if (!result.ok) return problemFailure(event, result, ['name'])
    return { name: result.data.service.name }
  },

  update: async (event) => {
    const { type: _type, partnerAccess: _partnerAccess, ...fields } = serviceFieldsFrom(await event.request.formData())
    if (!fields.name) return invalid({ name: 'Enter a name.' })
    if (fields.expiresAt === 'invalid') return invalid({ expiresAt: 'Enter a date, or leave it empty.' })
    const result = await api(event).updateService(event.params.accountId, event.params.sid, { ...fields, expiresAt: fields.expiresAt })
    if (!result.ok) return problemFailure(event, result, SERVICE_FIELDS, SERVICE_FIELD_RENAMES)
    return { name: result.data.service.name }
  },

  delete: async (event) => {
    const result = await api(event).deleteService(event.params.accountId, event.params.sid)
    if (!result.ok) return problemFailure(event, result, [])
    redirect(303, `/a/${event.params.accountId}/services`)
  },

  partnerAccess: async (event) => {
    const enabled = text(await event.request.formData(), 'enabled') === 'true'
    const result = await api(event).setPartnerAccess(event.params.accountId, event.params.sid, enabled)
    if (!result.ok) return problemFailure(event, result, [])
    return { enabled: result.data.service.partnerAccess }
  },
}
