import { idAction, invalid, problemFailure, requireSection, text } from '$lib/server/forms'
import { unwrap } from '$lib/server/api'
import { twoFactor } from '$lib/server/two-factor'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'

/** The account's sign-in security: its 2FA policy, what the accounts above impose, and its members' factors. */
export const load: PageServerLoad = async (event) => {
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'security')
  const security = unwrap(event, await twoFactor(event).security(event.params.accountId), m.people_account_not_found())
  return { section, security }
}

export const actions: Actions = {
  save: async (event) => {
    const form = await event.request.formData()
    const daysText = text(form, 'trustedLocationDays')
    const inherit = form.get('trustMode') === 'inherit'
    const days = inherit ? null : Number(daysText || '0')
    if (days !== null && (!Number.isInteger(days) || days < 0 || days > 90)) return invalid({ trustedLocationDays: m.people_whole_days() })
    const result = await twoFactor(event).saveSecurity(event.params.accountId, {
      requireTwoFactor: form.get('requireTwoFactor') === 'on',
      allowPasswordless: form.get('allowPasswordless') === 'on',
      trustedLocationDays: days,
    })
    if (!result.ok) return problemFailure(event, result, ['requireTwoFactor', 'allowPasswordless', 'trustedLocationDays'])
    return { saved: true }
  },
  revoke: idAction('locationId', (event, account, id) => twoFactor(event).revokeMemberLocation(account, id), () => ({ revoked: true })),
}
