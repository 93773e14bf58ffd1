import { error } from '@sveltejs/kit'
import { api, unwrap } from '$lib/server/api'
import { idAction, invalid, list, problemFailure, requireSection, text } from '$lib/server/forms'
import { m } from '$lib/paraglide/messages.js'
import type { Actions, PageServerLoad } from './$types'

const FIELDS = ['url', 'types', 'format', 'token', 'description'] as const

/**
 * The account's webhooks and log streams (activity.export), and the delivery
 * log of the one chosen with `?log=<id>`.
 */
export const load: PageServerLoad = async (event) => {
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'activity')
  if (!section.actions.includes('export')) error(403, m.activity_int_permission())
  const client = api(event)
  const chosen = event.url.searchParams.get('log')
  const [integrations, deliveries] = await Promise.all([client.integrations(account.id), chosen ? client.integrationDeliveries(account.id, chosen) : null])
  const data = unwrap(event, integrations, m.activity_account_not_found())
  const selected = chosen ? (data.items.find((i) => i.id === chosen) ?? null) : null
  return {
    ...data,
    selected,
    deliveries: selected && deliveries?.ok ? deliveries.data.items : [],
  }
}

export const actions: Actions = {
  createWebhook: async (event) => {
    const form = await event.request.formData()
    const url = text(form, 'url')
    const types = list(form, 'types')
    if (!url) return invalid({ url: m.activity_int_enter_receiver() })
    if (!types.length) return invalid({ types: m.activity_int_choose_type() })
    const result = await api(event).createWebhook(event.params.accountId, { url, types: types as never, description: text(form, 'description') })
    if (!result.ok) return problemFailure(event, result, FIELDS)
    return { created: result.data.integration.id, secret: result.data.secret, url: result.data.integration.url }
  },
  createStream: async (event) => {
    const form = await event.request.formData()
    const url = text(form, 'url')
    if (!url) return invalid({ url: m.activity_int_enter_collector() })
    const format = text(form, 'format') as 'ndjson' | 'datadog' | 'splunk'
    const result = await api(event).createLogStream(event.params.accountId, { url, format, token: text(form, 'token') || null, description: text(form, 'description') })
    if (!result.ok) return problemFailure(event, result, FIELDS)
    return { created: result.data.integration.id, secret: null, url: result.data.integration.url }
  },
  test: idAction('id', (event, account, id) => api(event).testIntegration(account, id), (data) => ({ tested: data }), FIELDS),
  resend: async (event) => {
    const form = await event.request.formData()
    const result = await api(event).resendDelivery(event.params.accountId, text(form, 'id'), Number(text(form, 'deliveryId')))
    if (!result.ok) return problemFailure(event, result, FIELDS)
    return { resent: result.data }
  },
  toggle: async (event) => {
    const form = await event.request.formData()
    const result = await api(event).updateIntegration(event.params.accountId, text(form, 'id'), { enabled: text(form, 'enabled') === 'true' })
    if (!result.ok) return problemFailure(event, result, FIELDS)
    return { enabled: result.data.enabled }
  },
  rotate: idAction('id', (event, account, id) => api(event).rotateWebhookSecret(account, id), (data) => ({ created: data.integration.id, secret: data.secret, url: data.integration.url, rotated: true }), FIELDS),
  remove: idAction('id', (event, account, id) => api(event).deleteIntegration(account, id), () => ({ removed: true }), FIELDS),
}
