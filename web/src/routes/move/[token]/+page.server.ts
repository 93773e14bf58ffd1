import { m } from '$lib/paraglide/messages.js'
import { redirect } from '@sveltejs/kit'
import { invalid, problemFailure, text } from '$lib/server/forms'
import { openMoveRequest, ownershipApi } from '$lib/server/ownership'
import type { Actions, PageServerLoad } from './$types'

/** A partner's request to bring one of your organisations under it: to answer, sign in as the owner it was sent to. */
export const load: PageServerLoad = async (event) => {
  const request = await openMoveRequest(event, event.params.token)
  return { request }
}

export const actions: Actions = {
  accept: async (event) => {
    const form = await event.request.formData()
    const organisationId = text(form, 'organisationId')
    if (!organisationId) return invalid({ organisationId: m.signedout_move_choose() })
    const result = await ownershipApi(event).acceptMove(event.params.token, organisationId)
    if (!result.ok) return problemFailure(event, result, ['organisationId'])
    redirect(303, `/a/${encodeURIComponent(result.data.accountId)}/services`)
  },
  decline: async (event) => {
    const result = await ownershipApi(event).declineMove(event.params.token)
    if (!result.ok) return problemFailure(event, result, [])
    return { declined: true }
  },
}
