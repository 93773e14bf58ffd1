import { api, unwrap } from '$lib/server/api'
import { invalid, problemFailure, requireSection, text } from '$lib/server/forms'
import type { Actions, PageServerLoad } from './$types'

/** The account's own settings, with what the API says this person may change. */
export const load: PageServerLoad = async (event) => {
  const { account, menu } = await event.parent()
  requireSection(menu, account, 'settings')
  const { settings } = unwrap(event, await api(event).accountSettings(event.params.accountId), 'Account not found')
  return { settings }
}

export const actions: Actions = {
  rename: async (event) => {
    const name = text(await event.request.formData(), 'name')
    if (!name) return invalid({ name: 'Enter a name.' })
    if (name.length > 120) return invalid({ name: 'At most 120 characters.' })
    const result = await api(event).updateAccount(event.params.accountId, { name })
    if (!result.ok) return problemFailure(event, result, ['name'])
    return { saved: 'name' }
  },
  adminCap: async (event) => {
    const raw = text(await event.request.formData(), 'adminCap')
    const adminCap = Number(raw)
    if (!raw || !Number.isInteger(adminCap) || adminCap < 1 || adminCap > 100) return invalid({ adminCap: 'Enter a whole number from 1 to 100.' })
    const result = await api(event).updateAccount(event.params.accountId, { adminCap })
    if (!result.ok) return problemFailure(event, result, ['adminCap'])
    return { saved: 'adminCap' }
  },
  logging: async (event) => {
    const value = text(await event.request.formData(), 'pageViewLogging')
    if (value !== 'on' && value !== 'off') return invalid({ pageViewLogging: 'Choose on or off.' })
    const result = await api(event).updateAccount(event.params.accountId, { pageViewLogging: value === 'on' })
    if (!result.ok) return problemFailure(event, result, ['pageViewLogging'])
    return { saved: 'pageViewLogging' }
  },
  partnerAccess: async (event) => {
    const value = text(await event.request.formData(), 'enabled')
    if (value !== 'true' && value !== 'false') return invalid({ enabled: 'Choose on or off.' })
    const result = await api(event).partnerAccessForAll(event.params.accountId, value === 'true')
    if (!result.ok) return problemFailure(event, result, ['enabled'])
    return { saved: 'partnerAccess', servicesChanged: result.data.servicesChanged }
  },
}
