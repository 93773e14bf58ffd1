import { error } from '@sveltejs/kit'
import type { PageServerLoad } from './$types'

/**
 * A menu section whose page is not built yet. The menu comes from the API and
 * grows ahead of the web app; its links should land somewhere that says so
 * rather than on a 404. Paths that are not in this account's menu are a 404.
 */
export const load: PageServerLoad = async ({ params, parent }) => {
  const { menu } = await parent()
  const section = menu.find((item) => item.path === params.section)
  if (!section) error(404, 'Page not found')
  return { section }
}
