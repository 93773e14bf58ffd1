import { api, unwrap } from '$lib/server/api'
import { invalid, problemFailure, requireSection, text, textAction } from '$lib/server/forms'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'

/** The account's own settings, with what the API says this person may change. */
export const load: PageServerLoad = async (event) => {
  const { account, menu } = await event.parent()
  requireSection(menu, account, 'settings')
  const id = event.params.accountId
  const { settings } = unwrap(event, await api(event).accountSettings(id), m.accounts_account_not_found())
  // A portal (platform or reseller) chooses whether it takes sign-ups; a customer verifies its email domains.
  const signup = settings.kind !== 'customer' ? await api(event).signupSettings(id) : null
  const domains = settings.kind === 'customer' ? await api(event).emailDomains(id) : null
  const roles = domains?.ok ? await api(event).roles(id) : null
  return {
    settings,
    signupMode: signup?.ok ? signup.data.settings.mode : null,
    domains: domains?.ok ? domains.data : null,
    // A user-level member holds technical permissions only: those roles may be a domain's default.
    roleChoices: roles?.ok ? roles.data.items.filter((r) => r.permissions.every((p) => /^(dashboard|services|support|visitation|notifications|transfers)\./.test(p))).map((r) => ({ id: r.id, name: r.name })) : [],
  }
}

export const actions: Actions = {
  rename: async (event) => {
    const name = text(await event.request.formData(), 'name')
    if (!name) return invalid({ name: m.accounts_enter_name() })
    if (name.length > 120) return invalid({ name: m.accounts_name_too_long() })
    const result = await api(event).updateAccount(event.params.accountId, { name })
    if (!result.ok) return problemFailure(event, result, ['name'])
    return { saved: 'name' }
  },
  adminCap: async (event) => {
    const raw = text(await event.request.formData(), 'adminCap')
    const adminCap = Number(raw)
    if (!raw || !Number.isInteger(adminCap) || adminCap < 1 || adminCap > 100) return invalid({ adminCap: m.accounts_whole_number() })
    const result = await api(event).updateAccount(event.params.accountId, { adminCap })
    if (!result.ok) return problemFailure(event, result, ['adminCap'])
    return { saved: 'adminCap' }
  },
  logging: async (event) => {
    const value = text(await event.request.formData(), 'pageViewLogging')
    if (value !== 'on' && value !== 'off') return invalid({ pageViewLogging: m.accounts_choose_on_off() })
    const result = await api(event).updateAccount(event.params.accountId, { pageViewLogging: value === 'on' })
    if (!result.ok) return problemFailure(event, result, ['pageViewLogging'])
    return { saved: 'pageViewLogging' }
  },
  partnerAccess: async (event) => {
    const value = text(await event.request.formData(), 'enabled')
    if (value !== 'true' && value !== 'false') return invalid({ enabled: m.accounts_choose_on_off() })
    const result = await api(event).partnerAccessForAll(event.params.accountId, value === 'true')
    if (!result.ok) return problemFailure(event, result, ['enabled'])
    return { saved: 'partnerAccess', servicesChanged: result.data.servicesChanged }
  },
  signup: async (event) => {
    const mode = text(await event.request.formData(), 'mode')
    if (mode !== 'off' && mode !== 'approval' && mode !== 'open') return invalid({ mode: m.accounts_choose_one() })
    const result = await api(event).updateSignupSettings(event.params.accountId, mode)
    if (!result.ok) return problemFailure(event, result, ['mode'])
    return { saved: 'signup' }
  },
  addDomain: textAction('domain', m.accounts_enter_domain, (event, account, domain, form) => api(event).addEmailDomain(account, { domain, ...policyOf(form) }), () => ({ saved: 'domain' }), ['domain', 'defaultRole']),
  domainPolicy: async (event) => {
    const form = await event.request.formData()
    const result = await api(event).updateEmailDomain(event.params.accountId, text(form, 'id'), policyOf(form))
    if (!result.ok) return problemFailure(event, result, ['defaultRole'])
    return { saved: 'domainPolicy' }
  },
  verifyDomain: async (event) => {
    const form = await event.request.formData()
    const result = await api(event).verifyEmailDomain(event.params.accountId, text(form, 'id'), text(form, 'dev') === 'true')
    if (!result.ok) return problemFailure(event, result, [])
    return { saved: 'verified' }
  },
  removeDomain: async (event) => {
    const result = await api(event).deleteEmailDomain(event.params.accountId, text(await event.request.formData(), 'id'))
    if (!result.ok) return problemFailure(event, result, [])
    return { saved: 'removed' }
  },
}

/** A domain's policy fields from a form: `join` or `approve`, and a role id or none. */
function policyOf(form: FormData) {
  const policy = text(form, 'policy') === 'join' ? ('join' as const) : ('approve' as const)
  const role = text(form, 'defaultRole')
  return { policy, defaultRole: role || null }
}
