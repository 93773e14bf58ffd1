import { error } from '@sveltejs/kit'
import { unwrap } from '$lib/server/api'
import { requireSection } from '$lib/server/forms'
import { visitsApi } from '$lib/server/visits'
import type { PageServerLoad } from './$types'

/** The printable confirmation of an approved visit. */
export const load: PageServerLoad = async (event) => {
  const call = visitsApi(event).get(event.params.accountId, event.params.vid)
  const { account, menu } = await event.parent()
  requireSection(menu, account, 'visitation')
  const { visit } = unwrap(event, await call, 'Visit not found')
  if (visit.status !== 'approved') error(409, `Visit ${visit.reference} is ${visit.status}: only an approved visit has a confirmation.`)
  return { visit }
}
