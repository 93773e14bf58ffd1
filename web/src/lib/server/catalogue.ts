import type { RequestEvent } from '@sveltejs/kit'
import { api, unwrap } from './api'
import type { CatalogueSection } from '$lib/types'

/** The permission catalogue from the API (sections in menu order), for the role editor and the staff dialog. */
export async function loadCatalogue(event: RequestEvent): Promise<CatalogueSection[]> {
  return unwrap(event, await api(event).catalogue()).sections
}
