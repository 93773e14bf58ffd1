import { error, redirect } from '@sveltejs/kit'
import { unwrap } from '$lib/server/api'
import { invalid, problemFailure, requireSection, text } from '$lib/server/forms'
import { visitsApi } from '$lib/server/visits'
import { m } from '$lib/paraglide/messages.js'
import type { Actions, PageServerLoad } from './$types'

/** The request form: the parent's sites to choose from. */
export const load: PageServerLoad = async (event) => {
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'visitation')
  if (!section.actions.includes('request')) error(403, m.visits_cannot_request({ name: account.name }))
  const choice = unwrap(event, await visitsApi(event).visitSites(event.params.accountId), m.services_account_not_found())
  return { section, sites: choice.items, parent: choice.parent, today: new Date().toISOString().slice(0, 10) }
}

const FIELDS = ['siteId', 'date', 'startTime', 'endTime', 'purpose', 'visitors'] as const

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData()
    const names = form.getAll('visitorName').map((v) => (typeof v === 'string' ? v.trim() : ''))
    const ids = form.getAll('visitorId').map((v) => (typeof v === 'string' ? v.trim() : ''))
    // Rows left entirely blank are not visitors; a half-filled row is the visitor's mistake to fix.
    const visitors = names.map((name, i) => ({ name, idNumber: ids[i] ?? '' })).filter((v) => v.name || v.idNumber)
    const body = {
      siteId: text(form, 'siteId'),
      date: text(form, 'date'),
      startTime: text(form, 'startTime'),
      endTime: text(form, 'endTime'),
      purpose: text(form, 'purpose'),
      visitors,
    }
    const errors: Record<string, string> = {}
    if (!body.siteId) errors.siteId = m.visits_choose_site()
    if (!body.date) errors.date = m.visits_choose_day()
    if (!body.startTime) errors.startTime = m.visits_start_missing()
    if (!body.endTime) errors.endTime = m.visits_end_missing()
    if (!body.purpose) errors.purpose = m.visits_purpose_missing()
    if (!visitors.length) errors.visitors = m.visits_visitors_missing()
    if (Object.keys(errors).length) return invalid(errors)
    const result = await visitsApi(event).request(event.params.accountId, body)
    if (!result.ok) return problemFailure(event, result, FIELDS)
    redirect(303, `/a/${event.params.accountId}/visitation/${encodeURIComponent(result.data.visit.id)}`)
  },
}
