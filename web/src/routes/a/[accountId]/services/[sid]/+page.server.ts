import { redirect } from '@sveltejs/kit'
import { api, unwrap } from '$lib/server/api'
import { invalid, problemFailure, requireSection, text } from '$lib/server/forms'
import { dateFrom, SERVICE_FIELD_RENAMES, SERVICE_FIELDS, serviceFieldsFrom } from '$lib/server/services'
import { m } from '$lib/paraglide/messages.js'
import type { ServerActionName } from '$lib/types'
import type { Actions, PageServerLoad } from './$types'

const ACTIONS: readonly ServerActionName[] = ['restart', 'stop', 'start', 'reinstall', 'rename']

/** One service with what the caller may do with it, its recent server actions and licence; groups and tags of its owner for the edit dialog. */
export const load: PageServerLoad = async (event) => {
  const client = api(event)
  const { accountId, sid } = event.params
  const serviceCall = client.service(accountId, sid)
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'services')
  const { service, allowed, actions, license } = unwrap(event, await serviceCall, m.services_service_not_found())
  const facets = allowed.manage ? await client.serviceFacets(service.account.id) : null
  // The edit dialog offers the groups of the service's own account (the facets span the accounts below it too).
  const groups = facets?.ok ? facets.data.groups.filter((g) => g.accountId === service.account.id) : []
  return { section, service, allowed, actions, license, facets: { groups, tags: facets?.ok ? facets.data.tags : [] } }
}

export const actions: Actions = {
  /** Send a server action (restart, stop, start, reinstall, rename) to the backend; the outcome arrives live. */
  serverAction: async (event) => {
    const form = await event.request.formData()
    const action = text(form, 'action') as ServerActionName
    if (!ACTIONS.includes(action)) return invalid({}, m.services_choose_action())
    const name = text(form, 'name')
    if (action === 'rename' && !name) return invalid({ name: m.services_enter_new_name() })
    const confirm = text(form, 'confirm')
    const result = await api(event).serviceAction(event.params.accountId, event.params.sid, action, {
      ...(action === 'rename' && { name }),
      ...(action === 'reinstall' && { confirm }),
    })
    if (!result.ok) return problemFailure(event, result, ['name', 'confirm'])
    return { action: result.data.action.action }
  },

  license: async (event) => {
    const form = await event.request.formData()
    const product = text(form, 'product')
    const seats = Number(text(form, 'seats'))
    const expiresAt = dateFrom(text(form, 'expiresAt'))
    const key = text(form, 'key')
    const errors: Record<string, string> = {}
    if (!product) errors.product = m.services_enter_product()
    if (!Number.isInteger(seats) || seats < 1) errors.seats = m.services_enter_seats()
    if (expiresAt === 'invalid') errors.expiresAt = m.services_enter_date()
    if (Object.keys(errors).length || expiresAt === 'invalid') return invalid(errors)
    const result = await api(event).setServiceLicense(event.params.accountId, event.params.sid, { product, seats, expiresAt, ...(key && { key }) })
    if (!result.ok) return problemFailure(event, result, ['product', 'seats', 'expiresAt', 'key'])
    return { product: result.data.license.product }
  },

  revokeLicense: async (event) => {
    const result = await api(event).revokeServiceLicense(event.params.accountId, event.params.sid)
    if (!result.ok) return problemFailure(event, result, [])
    return {}
  },

  /** The licence key, on request only (never part of the page's data). */
  revealKey: async (event) => {
    const result = await api(event).serviceLicenseKey(event.params.accountId, event.params.sid)
    if (!result.ok) return problemFailure(event, result, [])
    return { key: result.data.key }
  },

  update: async (event) => {
    const { type: _type, partnerAccess: _partnerAccess, ...fields } = serviceFieldsFrom(await event.request.formData())
    if (!fields.name) return invalid({ name: m.services_enter_name() })
    if (fields.expiresAt === 'invalid') return invalid({ expiresAt: m.services_enter_date() })
    const result = await api(event).updateService(event.params.accountId, event.params.sid, { ...fields, expiresAt: fields.expiresAt })
    if (!result.ok) return problemFailure(event, result, SERVICE_FIELDS, SERVICE_FIELD_RENAMES)
    return { name: result.data.service.name }
  },

  delete: async (event) => {
    const result = await api(event).deleteService(event.params.accountId, event.params.sid)
    if (!result.ok) return problemFailure(event, result, [])
    redirect(303, `/a/${event.params.accountId}/services`)
  },

  partnerAccess: async (event) => {
    const enabled = text(await event.request.formData(), 'enabled') === 'true'
    const result = await api(event).setPartnerAccess(event.params.accountId, event.params.sid, enabled)
    if (!result.ok) return problemFailure(event, result, [])
    return { enabled: result.data.service.partnerAccess }
  },
}
