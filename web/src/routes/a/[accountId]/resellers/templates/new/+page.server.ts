import { requireSection } from '$lib/server/forms'
import { saveTemplate } from '../template-action'
import type { Actions, PageServerLoad } from './$types'

export const load: PageServerLoad = async (event) => {
  const { account, menu } = await event.parent()
  requireSection(menu, account, 'resellers')
  return {}
}

export const actions: Actions = { default: (event) => saveTemplate(event) }
