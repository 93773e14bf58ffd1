import { m } from '$lib/paraglide/messages.js'
import { error, redirect } from '@sveltejs/kit'
import { hasSession, loginUrl } from '$lib/server/api'
import { problemFailure } from '$lib/server/forms'
import { ownershipApi } from '$lib/server/ownership'
import type { Actions, PageServerLoad } from './$types'

/** Why a link opens nothing, in words (the API's code says which). */
function closed(code: string): never {
  if (code === 'offer_expired') error(410, m.signedout_offer_expired())
  if (code === 'offer_closed') error(410, m.signedout_offer_closed())
  error(404, m.signedout_offer_invalid())
}

/** An owner's offer of the account, as its link shows it: to answer it, sign in as the admin it names. */
export const load: PageServerLoad = async (event) => {
  if (!hasSession(event)) redirect(303, loginUrl(event))
  const preview = await ownershipApi(event).preview(event.params.token)
  if (!preview.ok) {
    if (preview.status === 401) redirect(303, loginUrl(event))
    if (preview.status >= 500) error(502, m.signedout_offer_cannot_open())
    closed(preview.problem.code)
  }
  return { offer: preview.data }
}

export const actions: Actions = {
  accept: async (event) => {
    const result = await ownershipApi(event).accept(event.params.token)
    if (!result.ok) return problemFailure(event, result, [])
    redirect(303, `/a/${encodeURIComponent(result.data.accountId)}/staff`)
  },
  decline: async (event) => {
    const result = await ownershipApi(event).decline(event.params.token)
    if (!result.ok) return problemFailure(event, result, [])
    return { declined: true }
  },
}
