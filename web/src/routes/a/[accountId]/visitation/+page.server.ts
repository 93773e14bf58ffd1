import { error, type RequestEvent } from '@sveltejs/kit'
import { unwrap } from '$lib/server/api'
import { idAction, invalid, problemFailure, requireSection, textFields } from '$lib/server/forms'
import { visitFiltersFrom, visitsApi } from '$lib/server/visits'
import { m } from '$lib/paraglide/messages.js'
import type { Actions, PageServerLoad } from './$types'

/** One page of the visits asked by and of this account, with the filters; for a parent, its sites. */
export const load: PageServerLoad = async (event) => {
  const calls = visitsApi(event)
  const id = event.params.accountId
  const filters = visitFiltersFrom(event.url)
  const cursor = event.url.searchParams.get('cursor')
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'visitation')
  if (!section.actions.includes('view')) error(403, m.visits_cannot_view({ name: account.name }))
  const [page, sites, choice] = await Promise.all([
    calls.list(id, filters, cursor),
    account.kind === 'customer' ? null : calls.sites(id),
    section.actions.includes('request') && account.parentId ? calls.visitSites(id) : null,
  ])
  return {
    section,
    page: unwrap(event, page, m.services_account_not_found()),
    sites: sites?.ok ? sites.data.items : [],
    canManageSites: sites?.ok ? sites.data.allowed.manage : false,
    // Asking for a visit needs a parent with at least one site.
    canRequest: Boolean(choice?.ok && choice.data.items.length),
    parentName: choice?.ok ? (choice.data.parent?.name ?? null) : null,
    filters,
    filtered: Boolean(filters.q || filters.status || filters.upcoming),
    continued: Boolean(cursor),
  }
}

const SITE_FIELDS = ['name', 'address'] as const

/** Adds a site, or saves the one named by `siteId`: both need its name and address. */
async function saveSite(event: RequestEvent<{ accountId: string }>, existing: boolean) {
  const form = await event.request.formData()
  const { values, errors } = textFields(form, { name: m.services_enter_name(), address: m.visits_enter_address() }, ['siteId'])
  if (Object.keys(errors).length) return invalid(errors)
  const { siteId, ...site } = values
  const calls = visitsApi(event)
  const result = await (existing ? calls.updateSite(event.params.accountId, siteId, site) : calls.createSite(event.params.accountId, site))
  if (!result.ok) return problemFailure(event, result, SITE_FIELDS)
  return { name: result.data.site.name }
}

export const actions: Actions = {
  createSite: (event) => saveSite(event, false),
  updateSite: (event) => saveSite(event, true),

  deleteSite: idAction('siteId', (event, id, siteId) => visitsApi(event).deleteSite(id, siteId), () => ({})),
}
