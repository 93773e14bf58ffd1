import { unwrap } from '$lib/server/api'
import { invalid, problemFailure, requireSection, text } from '$lib/server/forms'
import { visitsApi } from '$lib/server/visits'
import { m } from '$lib/paraglide/messages.js'
import type { Actions, PageServerLoad } from './$types'

/** One visit with its visitors (ID numbers only reach `visitation.view`, which the API checks). */
export const load: PageServerLoad = async (event) => {
  const call = visitsApi(event).get(event.params.accountId, event.params.vid)
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'visitation')
  const { visit } = unwrap(event, await call, m.visits_not_found())
  return { section, visit }
}

export const actions: Actions = {
  approve: async (event) => {
    const result = await visitsApi(event).approve(event.params.accountId, event.params.vid)
    if (!result.ok) return problemFailure(event, result, [])
    return { reference: result.data.visit.reference }
  },
  decline: async (event) => {
    const reason = text(await event.request.formData(), 'reason')
    if (!reason) return invalid({ reason: m.visits_decline_reason_missing() })
    const result = await visitsApi(event).decline(event.params.accountId, event.params.vid, reason)
    if (!result.ok) return problemFailure(event, result, ['reason'])
    return { reference: result.data.visit.reference }
  },
  cancel: async (event) => {
    const result = await visitsApi(event).cancel(event.params.accountId, event.params.vid)
    if (!result.ok) return problemFailure(event, result, [])
    return { reference: result.data.visit.reference }
  },
}
