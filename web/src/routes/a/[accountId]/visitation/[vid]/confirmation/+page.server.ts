import { error } from '@sveltejs/kit'
import { unwrap } from '$lib/server/api'
import { requireSection } from '$lib/server/forms'
import { visitsApi } from '$lib/server/visits'
import { m } from '$lib/paraglide/messages.js'
import { visitStatusLabel } from '$lib/visits'
import type { PageServerLoad } from './$types'

/** The printable confirmation of an approved visit. */
export const load: PageServerLoad = async (event) => {
  const call = visitsApi(event).get(event.params.accountId, event.params.vid)
  const { account, menu } = await event.parent()
  requireSection(menu, account, 'visitation')
  const { visit } = unwrap(event, await call, m.visits_not_found())
  if (visit.status !== 'approved') error(409, m.visits_not_approved({ reference: visit.reference, status: (visitStatusLabel[visit.status] ?? visit.status).toLowerCase() }))
  return { visit }
}
