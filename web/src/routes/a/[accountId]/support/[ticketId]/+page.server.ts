import { fail } from '@sveltejs/kit'
import { unwrap } from '$lib/server/api'
import { problemFailure, requireSection, text, textAction } from '$lib/server/forms'
import { supportApi } from '$lib/server/support'
import { m } from '$lib/paraglide/messages.js'
import type { Actions, PageServerLoad } from './$types'

const STATUSES = ['open', 'waiting', 'closed'] as const
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const

/** One ticket and its conversation, as this account's side sees it; the API says what the person may do. */
export const load: PageServerLoad = async (event) => {
  const { account, menu } = await event.parent()
  requireSection(menu, account, 'support')
  return unwrap(event, await supportApi(event).ticket(account.id, event.params.ticketId), m.support_not_found())
}

export const actions: Actions = {
  reply: textAction('body', m.support_write_reply, (event, account, body) => supportApi(event).reply(account, event.params.ticketId, body), () => ({ replied: true })),
  change: async (event) => {
    const form = await event.request.formData()
    const status = text(form, 'status')
    const priority = text(form, 'priority')
    const assignee = form.get('assigneeId')
    const change = {
      ...((STATUSES as readonly string[]).includes(status) ? { status: status as (typeof STATUSES)[number] } : {}),
      ...((PRIORITIES as readonly string[]).includes(priority) ? { priority: priority as (typeof PRIORITIES)[number] } : {}),
      ...(typeof assignee === 'string' ? { assigneeId: assignee || null } : {}),
    }
    if (!Object.keys(change).length) return fail(400, { message: m.support_nothing_to_change(), errors: {}, code: 'validation_failed' })
    const result = await supportApi(event).changeTicket(event.params.accountId, event.params.ticketId, change)
    if (!result.ok) return problemFailure(event, result, ['status', 'priority', 'assigneeId'])
    return { changed: Object.keys(change) }
  },
}
