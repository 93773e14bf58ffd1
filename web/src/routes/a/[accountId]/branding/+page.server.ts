import { isLocale, type Locale } from '$lib/i18n'
import { m } from '$lib/paraglide/messages.js'
import { api, unwrap } from '$lib/server/api'
import { invalid, problemFailure, requireSection, text } from '$lib/server/forms'
import type { Actions, PageServerLoad } from './$types'

/** Keep in step with the API (worker/src/domain/logo.ts): checked here only to answer before uploading. */
const LOGO_MAX_BYTES = 256 * 1024
const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/svg+xml']

const FIELDS = ['name', 'primaryColor', 'accentColor', 'supportEmail', 'supportUrl', 'loginMessage', 'defaultLocale', 'logo'] as const

/** The account's brand settings (platform and resellers have a Branding section). */
export const load: PageServerLoad = async (event) => {
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'branding')
  const settings = unwrap(event, await api(event).accountBrand(event.params.accountId), m.portal_account_not_found())
  return { section, canManage: section.actions.includes('manage'), settings }
}

export const actions: Actions = {
  save: async (event) => {
    const form = await event.request.formData()
    const body = {
      name: text(form, 'name'),
      primaryColor: text(form, 'primaryColor'),
      accentColor: text(form, 'accentColor'),
      supportEmail: text(form, 'supportEmail') || null,
      supportUrl: text(form, 'supportUrl') || null,
      loginMessage: text(form, 'loginMessage') || null,
      defaultLocale: isLocale(text(form, 'defaultLocale')) ? (text(form, 'defaultLocale') as Locale) : null,
    }
    if (!body.name) return invalid({ name: m.portal_enter_name() })
    const result = await api(event).saveBrand(event.params.accountId, body)
    if (!result.ok) return problemFailure(event, result, FIELDS)
    return { saved: true }
  },
  logo: async (event) => {
    const form = await event.request.formData()
    const file = form.get('logo')
    if (!(file instanceof File) || file.size === 0) return invalid({ logo: m.portal_choose_image() })
    if (file.size > LOGO_MAX_BYTES) return invalid({ logo: m.portal_logo_larger({ max: LOGO_MAX_BYTES / 1024 }) })
    if (file.type && !LOGO_TYPES.includes(file.type)) return invalid({ logo: m.portal_logo_wrong_type() })
    const result = await api(event).uploadLogo(event.params.accountId, { bytes: await file.arrayBuffer(), type: file.type || 'application/octet-stream' })
    if (!result.ok) return problemFailure(event, result, FIELDS)
    return { uploaded: true }
  },
  removeLogo: async (event) => {
    const result = await api(event).removeLogo(event.params.accountId)
    if (!result.ok) return problemFailure(event, result, FIELDS)
    return { removed: true }
  },
}
