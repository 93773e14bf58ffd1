import { error, redirect } from '@sveltejs/kit'
import { hasSession, loginUrl } from '$lib/server/api'
import { invalid, problemFailure, text } from '$lib/server/forms'
import { ownershipApi } from '$lib/server/ownership'
import type { Actions, PageServerLoad } from './$types'

function closed(code: string): never {
  if (code === 'offer_expired') error(410, 'This request has expired. Ask the partner to send it again.')
  if (code === 'offer_closed') error(410, 'This request was already answered or withdrawn.')
  error(404, 'This link is not valid. Ask the partner for a new one.')
}

/** A partner's request to bring one of your organisations under it: to answer, sign in as the owner it was sent to. */
export const load: PageServerLoad = async (event) => {
  if (!hasSession(event)) redirect(303, loginUrl(event))
  const preview = await ownershipApi(event).previewMove(event.params.token)
  if (!preview.ok) {
    if (preview.status === 401) redirect(303, loginUrl(event))
    if (preview.status >= 500) error(502, 'We could not open this request right now. Please try again in a moment.')
    closed(preview.problem.code)
  }
  return { request: preview.data }
}

export const actions: Actions = {
  accept: async (event) => {
    const form = await event.request.formData()
    const organisationId = text(form, 'organisationId')
    if (!organisationId) return invalid({ organisationId: 'Choose the organisation to move.' })
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
