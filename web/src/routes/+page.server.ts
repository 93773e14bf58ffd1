import { redirect } from '@sveltejs/kit'
import { api, hasSession, unwrap } from '$lib/server/api'
import { LAST_ACCOUNT_COOKIE } from '$lib/server/navigation'
import type { PageServerLoad } from './$types'

/** `/` sends people to their last account (if they still belong to it), else their first. */
export const load: PageServerLoad = async (event) => {
  if (!hasSession(event)) redirect(303, '/login')
  const me = unwrap(event, await api(event).me())
  // The login's remembered account first (any browser), then this browser's; each only while still a membership.
  const remembered = [me.lastAccountId, event.cookies.get(LAST_ACCOUNT_COOKIE)]
  const target = remembered.map((id) => me.accounts.find((a) => a.id === id)).find(Boolean) ?? me.accounts[0]
  if (target) redirect(303, `/a/${target.id}`)
  return { user: me.user }
}
