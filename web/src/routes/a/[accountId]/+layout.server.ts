import { m } from '$lib/paraglide/messages.js'
import { redirect } from '@sveltejs/kit'
import { api, client as apiClient, hasSession, loginUrl, settle, unwrap } from '$lib/server/api'
import { rememberAccount } from '$lib/server/navigation'
import type { LayoutServerLoad } from './$types'

/** Everything the shell needs: who is signed in, the account, and its menu (in parallel). */
export const load: LayoutServerLoad = async (event) => {
  if (!hasSession(event)) redirect(303, loginUrl(event))
  const client = api(event)
  const id = event.params.accountId
  // The bell's count comes along; a failure only leaves it at zero until the live socket says more.
  const unreadCall = settle('unread notices', apiClient(event).GET('/api/v1/me/notifications/unread'))
  const [me, account, menu] = await Promise.all([client.me(), client.account(id), client.menu(id)])
  const unreadResult = await unreadCall
  // Order matters: a signed-out visitor goes to the login page before anything else is judged.
  const { user, accounts, impersonation = null, emailVerified = true } = unwrap(event, me)
  const { account: current, access, trail } = unwrap(event, account, m.common_account_not_found())
  const { items } = unwrap(event, menu, m.common_account_not_found())
  // Full page loads only: data requests include hover preloads; the shell records client-side visits itself.
  if (!event.isDataRequest) rememberAccount(event.cookies, id, event.url.protocol === 'https:')
  const unread = unreadResult.ok ? unreadResult.data.unread : 0
  return { user, memberships: accounts, account: current, access, trail, menu: items, impersonation, emailVerified, unread }
}
