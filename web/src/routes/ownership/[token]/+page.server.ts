import { m } from '$lib/paraglide/messages.js'
import { redirect } from '@sveltejs/kit'
import { problemFailure } from '$lib/server/forms'
import { openOffer, ownershipApi } from '$lib/server/ownership'
import type { Actions, PageServerLoad } from './$types'

/** An owner's offer of the account, as its link shows it: to answer it, sign in as the admin it names. */
export const load: PageServerLoad = async (event) => {
  const offer = await openOffer(event, () => ownershipApi(event).preview(event.params.token), {
    expired: m.signedout_offer_expired,
    closed: m.signedout_offer_closed,
    invalid: m.signedout_offer_invalid,
    cannotOpen: m.signedout_offer_cannot_open,
  })
  return { offer }
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
