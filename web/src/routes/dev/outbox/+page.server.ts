import { error } from '@sveltejs/kit'
import { access } from '$lib/server/access'
import type { PageServerLoad } from './$types'

/** The development outbox: every email the API would have sent. It exists only where the API's dev tools are on. */
export const load: PageServerLoad = async (event) => {
  const result = await access(event).outbox()
  if (!result.ok) {
    if (result.status === 404) error(404, 'Not found')
    error(502, result.problem.detail || 'The outbox could not be read.')
  }
  // Newest first, whatever order the API keeps.
  return { messages: result.data.items.toSorted((a, b) => b.createdAt - a.createdAt) }
}
