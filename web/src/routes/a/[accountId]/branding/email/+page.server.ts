import { error } from '@sveltejs/kit'
import { api, unwrap } from '$lib/server/api'
import { invalid, problemFailure, requireSection, text } from '$lib/server/forms'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'

const FIELDS = ['domain'] as const

/** A reseller's email sender: its own sending domain with the DNS records to publish, and how mail leaves now. */
export const load: PageServerLoad = async (event) => {
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'branding')
  if (account.kind !== 'reseller') error(404, m.portal_only_resellers_sender())
  const sender = unwrap(event, await api(event).emailSender(account.id), m.portal_account_not_found())
  return { section, canManage: section.actions.includes('manage'), sender }
}

export const actions: Actions = {
  set: async (event) => {
    const domain = text(await event.request.formData(), 'domain')
    if (!domain) return invalid({ domain: m.portal_enter_domain() })
    const result = await api(event).setEmailSender(event.params.accountId, domain)
    if (!result.ok) return problemFailure(event, result, FIELDS)
    return { saved: result.data.domain?.domain ?? domain, notice: result.data.notice }
  },
  verify: async (event) => {
    const result = await api(event).verifyEmailSender(event.params.accountId)
    if (!result.ok) return problemFailure(event, result, FIELDS)
    return { status: result.data.domain?.status ?? 'not_started', notice: result.data.notice }
  },
  remove: async (event) => {
    const result = await api(event).removeEmailSender(event.params.accountId)
    if (!result.ok) return problemFailure(event, result, FIELDS)
    return { removed: true }
  },
}
