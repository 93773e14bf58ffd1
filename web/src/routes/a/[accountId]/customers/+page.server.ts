import { loadChildrenSection } from '$lib/server/children'
import type { PageServerLoad } from './$types'

export const load: PageServerLoad = (event) => loadChildrenSection(event, event.parent, 'customers')
