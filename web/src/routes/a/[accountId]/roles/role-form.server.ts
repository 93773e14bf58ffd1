import type { RequestEvent } from '@sveltejs/kit'
import { error } from '@sveltejs/kit'
import { api, unwrap } from '$lib/server/api'
import { loadCatalogue } from '$lib/server/catalogue'
import { list, requireSection, text } from '$lib/server/forms'
import type { Account, MenuItem } from '$lib/types'
import { m } from '$lib/paraglide/messages.js'

/** The fields a role form shows (API field names). */
export const ROLE_FIELDS = ['name', 'description', 'permissions'] as const

/** The account's roles and the permission catalogue for an editor page; the section must be in the menu. */
export async function loadRoles(event: RequestEvent<{ accountId: string }>, parent: () => Promise<{ account: Account; menu: MenuItem[] }>) {
  const rolesCall = api(event).roles(event.params.accountId)
  const catalogueCall = loadCatalogue(event)
  // Awaited below; a refusal of the roles call decides the page first.
  catalogueCall.catch(() => {})
  const { account, menu } = await parent()
  const section = requireSection(menu, account, 'roles')
  const roles = unwrap(event, await rolesCall, m.people_account_not_found()).items
  return { section, canManage: section.actions.includes('manage'), roles, catalogue: await catalogueCall }
}

/** Name, description and the ticked permissions of a submitted role form. */
export function roleFrom(form: FormData) {
  return { name: text(form, 'name'), description: text(form, 'description'), permissions: list(form, 'permissions') }
}

/** 403 unless the menu gives roles.manage (the API would refuse anyway; this names why). */
export function requireManage(canManage: boolean) {
  if (!canManage) error(403, m.people_roles_read_only())
}
