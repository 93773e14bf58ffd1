/** Reseller management as the pages show it: the lists the forms offer, from the API's contract. */
import { accessValues, serviceTypeValues } from './api/openapi'
import { menuLabel } from './menu-label'

/** Every service type, in the API's order (limits per type). */
export const SERVICE_TYPES = serviceTypeValues

/** Sections a reseller's tree may be given (the dashboard always stays), as [key, label]; a function: labels follow the page's language. */
export function accessSections() {
  return accessValues.map((key) => [key, menuLabel(key, key)] as const)
}

/** True for a section key the API accepts in an access list. */
export function isAccessSection(key: string): key is (typeof accessValues)[number] {
  return (accessValues as readonly string[]).includes(key)
}
