import { redirect } from '@sveltejs/kit'
import { api, unwrap } from '$lib/server/api'
import { invalid, problemFailure, requireSection } from '$lib/server/forms'
import { filtered, filtersFrom, SERVICE_FIELD_RENAMES, SERVICE_FIELDS, serviceFieldsFrom, SERVICES_PAGE_SIZE } from '$lib/server/services'
import { m } from '$lib/paraglide/messages.js'
import type { Actions, PageServerLoad } from './$types'

/** One page of the services visible here, filtered by the query string, plus groups and tags for the filters. */
export const load: PageServerLoad = async (event) => {
  const client = api(event)
  const id = event.params.accountId
  const filters = filtersFrom(event.url)
  const cursor = event.url.searchParams.get('cursor')
  const [page, facets] = [client.services(id, filters, { limit: SERVICES_PAGE_SIZE, cursor }), client.serviceFacets(id)]
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'services')
  const facetsResult = await facets
  return {
    section,
    canManage: section.actions.includes('manage'),
    page: unwrap(event, await page, m.services_account_not_found()),
    facets: facetsResult.ok ? facetsResult.data : { groups: [], tags: [] },
    filters,
    filtered: filtered(filters),
    continued: Boolean(cursor),
    pageSize: SERVICES_PAGE_SIZE,
  }
}

export const actions: Actions = {
  create: async (event) => {
    const fields = serviceFieldsFrom(await event.request.formData())
    const errors: Record<string, string> = {}
    if (!fields.type) errors.type = m.services_choose_type()
    if (!fields.name) errors.name = m.services_enter_name()
    if (fields.expiresAt === 'invalid') errors.expiresAt = m.services_enter_date()
    if (!fields.type || fields.expiresAt === 'invalid' || Object.keys(errors).length) return invalid(errors)
    const result = await api(event).createService(event.params.accountId, { ...fields, type: fields.type, expiresAt: fields.expiresAt })
    if (!result.ok) return problemFailure(event, result, SERVICE_FIELDS, SERVICE_FIELD_RENAMES)
    redirect(303, `/a/${event.params.accountId}/services/${encodeURIComponent(result.data.service.id)}`)
  },
}
