import { error, redirect } from '@sveltejs/kit'
import { api } from '$lib/server/api'
import { invalid, problemFailure, requireSection, textFields } from '$lib/server/forms'
import { supportApi } from '$lib/server/support'
import { m } from '$lib/paraglide/messages.js'
import type { Actions, PageServerLoad } from './$types'

const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const

/** The form for a new ticket: only the account's own owners and admins may ask (the API decides; this only hides the form). */
export const load: PageServerLoad = async (event) => {
  const { account, menu, access } = await event.parent()
  const section = requireSection(menu, account, 'support')
  if (!section.actions.includes('contact') || access.inherited || account.kind === 'platform') {
    error(403, m.support_only_owners({ name: account.name }))
  }
  // The account's own services, to say which one the ticket is about.
  const services = await api(event).services(account.id, {}, { limit: 200 })
  return {
    services: services.ok ? services.data.items.filter((s) => s.account.id === account.id).map((s) => ({ id: s.id, name: s.name, type: s.type })) : [],
  }
}

export const actions: Actions = {
  default: async (event) => {
    const { values, errors } = textFields(await event.request.formData(), { subject: m.support_enter_subject(), body: m.support_write_message() }, ['priority', 'serviceId'])
    if (Object.keys(errors).length) return invalid(errors)
    const { subject, body, priority, serviceId } = values
    const result = await supportApi(event).openTicket(event.params.accountId, {
      subject,
      body,
      priority: (PRIORITIES as readonly string[]).includes(priority) ? (priority as (typeof PRIORITIES)[number]) : 'normal',
      serviceId: serviceId || null,
    })
    if (!result.ok) return problemFailure(event, result, ['subject', 'body', 'priority', 'serviceId'])
    redirect(303, `/a/${event.params.accountId}/support/${result.data.ticket.id}?opened=1`)
  },
}
