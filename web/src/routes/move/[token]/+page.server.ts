import { m } from '$lib/paraglide/messages.js'
import { error, redirect } from '@sveltejs/kit'
import { hasSession, loginUrl } from '$lib/server/api'
import { invalid, problemFailure, text } from '$lib/server/forms'
import { ownershipApi } from '$lib/server/ownership'
import type { Actions, PageServerLoad } from './$types'

function closed(code: string): never {
  if (code === 'offer_expired') error(410, m.signedout_move_expired())
  if (code === 'offer_closed') error(410, m.signedout_move_closed())
  error(404, m.signedout_move_invalid())
}

/** A partner's request to bring one of your organisations under it: to answer, sign in as the owner it was sent to. */
export const load: PageServerLoad = async (event) => {
  if (!hasSession(event)) redirect(303, loginUrl(event))
  const preview = await ownershipApi(event).previewMove(event.params.token)
  if (!preview.ok) {
    if (preview.status === 401) redirect(303, loginUrl(event))
    if (preview.status >= 500) error(502, m.signedout_move_cannot_open())
    closed(preview.problem.code)
  }
  return { request: preview.data }
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
