import { redirect } from '@sveltejs/kit'
import { unwrap } from '$lib/server/api'
import { list, problemFailure, requireSection } from '$lib/server/forms'
import { supportApi } from '$lib/server/support'
import type { Actions, PageServerLoad } from './$types'

/**
 * The person's own notifications: their inbox (every account they belong to,
 * or only this one) and, as a member of this account, which events they are
 * emailed about — their own choice, without needing Staff.
 */
export const load: PageServerLoad = async (event) => {
  const { account, menu, access } = await event.parent()
  requireSection(menu, account, 'notifications')
  const params = event.url.searchParams
  const unreadOnly = params.get('unread') === '1'
  const here = params.get('scope') === 'account'
  const s = supportApi(event)
  const [notices, subscriptions] = await Promise.all([
    s.notices({ limit: 20, unread: unreadOnly ? '1' : '0', ...(here ? { account: account.id } : {}), ...(params.get('cursor') ? { cursor: params.get('cursor')! } : {}) }),
    access.inherited ? null : s.mySubscriptions(account.id),
  ])
  return {
    notices: unwrap(event, notices),
    unreadOnly,
    here,
    cursor: params.get('cursor'),
    subscriptions: subscriptions?.ok ? subscriptions.data : null,
  }
}

export const actions: Actions = {
  read: async (event) => {
    const ids = list(await event.request.formData(), 'id')
    const result = await supportApi(event).markRead(ids.length ? ids.slice(0, 100) : undefined)
    if (!result.ok) return problemFailure(event, result, [])
    return { marked: result.data.marked }
  },
  subscriptions: async (event) => {
    const types = list(await event.request.formData(), 'type')
    const result = await supportApi(event).setMySubscriptions(event.params.accountId, types as never)
    if (!result.ok) return problemFailure(event, result, ['types'])
    return { saved: result.data.types.length }
  },
  open: async (event) => {
    // Without JavaScript: mark the notice read, then follow its link.
    const form = await event.request.formData()
    const id = form.get('id')
    const link = form.get('link')
    if (typeof id === 'string' && id) await supportApi(event).markRead([id])
    redirect(303, typeof link === 'string' && link.startsWith('/a/') ? link : `/a/${event.params.accountId}/notifications`)
  },
}
