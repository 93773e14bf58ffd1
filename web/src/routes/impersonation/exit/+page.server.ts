import { redirect } from '@sveltejs/kit'
import { access } from '$lib/server/access'
import { api, loginUrl } from '$lib/server/api'
import { text } from '$lib/server/forms'
import type { Actions, PageServerLoad } from './$types'

// Ending an impersonation changes state, so it is a POST only; opening the address just goes home.
export const load: PageServerLoad = () => redirect(303, '/')

export const actions: Actions = {
  /**
   * End the impersonation and go back to the impersonator's own view of the
   * account it happened in, when their own grant reaches it; else to their home.
   */
  default: async (event) => {
    const form = await event.request.formData()
    const accountId = text(form, 'accountId')
    const ended = await access(event).endImpersonation()
    if (!ended.ok && ended.status === 401) redirect(303, loginUrl(event))
    if (accountId && (await api(event).account(accountId)).ok) redirect(303, `/a/${encodeURIComponent(accountId)}`)
    redirect(303, '/')
  },
}
