import { m } from '$lib/paraglide/messages.js'
import { fail, redirect } from '@sveltejs/kit'
import { api } from '$lib/server/api'
import { problemMessage } from '$lib/problem'
import type { Actions, PageServerLoad } from './$types'

/** Opening the link changes nothing (mail scanners follow links); the button finishes the sign-up. */
export const load: PageServerLoad = async (event) => {
  const result = await api(event).previewSignup(event.params.token)
  if (!result.ok) return { preview: null, problem: { code: result.problem.code, detail: result.status >= 500 ? m.signedout_link_unreadable() : problemMessage(result.problem) } }
  return { preview: result.data, problem: null }
}

export const actions: Actions = {
  default: async (event) => {
    const result = await api(event).completeSignup(event.params.token)
    if (!result.ok) {
      const message =
        result.problem.code === 'limit_reached'
          ? m.signedout_limit_reached()
          : result.status >= 500
            ? m.signedout_finish_failed()
            : problemMessage(result.problem)
      return fail(result.status >= 500 ? 503 : result.status, { message })
    }
    if (result.data.accountId) redirect(303, `/a/${result.data.accountId}`)
    // The link is used now, so the page's preview is gone: the answer names what to show.
    return { status: result.data.status, accountName: result.data.accountName, portalName: result.data.portalName }
  },
}
