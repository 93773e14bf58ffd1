import { redirect } from '@sveltejs/kit'
import { api, SESSION_COOKIE } from '$lib/server/api'
import type { Actions, PageServerLoad } from './$types'

// Logging out changes state, so it is a POST only; opening /logout just goes home.
export const load: PageServerLoad = () => redirect(303, '/')

export const actions: Actions = {
  default: async (event) => {
    // The API deletes the session and answers with a cookie-clearing header,
    // which api.ts relays; delete it here too in case the API is unreachable.
    await api(event).logout()
    event.cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: event.url.protocol === 'https:' })
    redirect(303, '/login')
  },
}
