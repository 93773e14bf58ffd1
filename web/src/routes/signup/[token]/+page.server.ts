import { fail, redirect } from '@sveltejs/kit'
import { api } from '$lib/server/api'
import type { Actions, PageServerLoad } from './$types'

/** Opening the link changes nothing (mail scanners follow links); the button finishes the sign-up. */
export const load: PageServerLoad = async (event) => {
  const result = await api(event).previewSignup(event.params.token)
  if (!result.ok) return { preview: null, problem: { code: result.problem.code, detail: result.status >= 500 ? 'We could not read this link right now. Please try again in a moment.' : result.problem.detail } }
  return { preview: result.data, problem: null }
}

export const actions: Actions = {
  default: async (event) => {
    const result = await api(event).completeSignup(event.params.token)
    if (!result.ok) {
      const message =
        result.problem.code === 'limit_reached'
          ? 'This portal cannot take more organisations right now. Contact the provider.'
          : result.status >= 500
            ? 'We could not finish your sign-up right now. Please try again in a moment.'
            : result.problem.detail
      return fail(result.status >= 500 ? 503 : result.status, { message })
    }
    if (result.data.accountId) redirect(303, `/a/${result.data.accountId}`)
    return { status: result.data.status }
  },
}
