import { redirect } from '@sveltejs/kit'
import { problemFailure } from '$lib/server/forms'
import { openOwnershipOffer, ownershipApi } from '$lib/server/ownership'
import type { Actions, PageServerLoad } from './$types'

/** An owner's offer of the account, as its link shows it: to answer it, sign in as the admin it names. */
export const load: PageServerLoad = async (event) => {
  const offer = await openOwnershipOffer(event, event.params.token)
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
