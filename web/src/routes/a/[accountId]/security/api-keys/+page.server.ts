import { api, unwrap } from '$lib/server/api'
import { idAction, invalid, list, problemFailure, requireSection, text } from '$lib/server/forms'
import { holds } from '$lib/permissions'
import { security } from '$lib/server/security'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'
import { chosenScope } from '../../staff/scope-error'

/** The account's API keys; with `security.manage`, what the create dialog offers (the caller's own grant bounds it). */
export const load: PageServerLoad = async (event) => {
  const id = event.params.accountId
  const client = api(event)
  const keysCall = security(event).apiKeys(id)
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'security')
  const canManage = section.actions.includes('manage')
  const canSeeServices = holds(menu, 'services', 'view')
  const [keys, roles, members, facets, services] = await Promise.all([
    keysCall,
    canManage ? client.roles(id) : null,
    canManage ? client.members(id) : null,
    canManage && canSeeServices ? client.serviceFacets(id) : null,
    canManage && canSeeServices ? client.services(id, {}, { limit: 200 }) : null,
  ])
  return {
    section,
    canManage,
    keys: unwrap(event, keys, m.people_account_not_found()).items,
    roles: roles?.ok ? roles.data.items : [],
    // What the caller may hand out here; without it the dialog offers everything and the API decides.
    me: members?.ok ? members.data.me : null,
    facets: facets?.ok ? facets.data : { groups: [], tags: [] },
    services: services?.ok ? services.data.items : [],
  }
}

const FIELDS = ['name', 'level', 'roles', 'scope', 'expiresAt'] as const
const DAY = 24 * 60 * 60 * 1000

export const actions: Actions = {
  create: async (event) => {
    const form = await event.request.formData()
    const name = text(form, 'name')
    const level = text(form, 'level')
    const expiry = text(form, 'expiry')
    const scope = chosenScope(form, 'key')
    const errors: Record<string, string> = {}
    if (!name) errors.name = m.people_key_name_required()
    if (level !== 'admin' && level !== 'user') errors.level = m.people_choose_level()
    if ('error' in scope) errors.scope = scope.error
    const days = expiry === 'never' ? null : Number(expiry)
    if (days !== null && (!Number.isInteger(days) || days < 1 || days > 365)) errors.expiresAt = m.people_key_expiry_required()
    if (Object.keys(errors).length || 'error' in scope || (level !== 'admin' && level !== 'user')) return invalid(errors)
    const result = await security(event).createApiKey(event.params.accountId, {
      name,
      level,
      roles: list(form, 'roles'),
      scope,
      expiresAt: days === null ? null : Date.now() + days * DAY,
    })
    if (!result.ok) return problemFailure(event, result, FIELDS)
    return { created: { name: result.data.apiKey.name, secret: result.data.secret } }
  },

  revoke: idAction('id', (event, id, keyId) => security(event).revokeApiKey(id, keyId), () => ({ revoked: true })),
}
