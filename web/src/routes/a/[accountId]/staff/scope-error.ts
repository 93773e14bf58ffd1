import { m } from '$lib/paraglide/messages.js'
import { scopeFrom } from '$lib/server/forms'
import type { Scope } from '$lib/types'

/** The scope chosen in a dialog's scope picker, or what to choose, in the page's language (a member's scope, or a key's). */
export function chosenScope(form: FormData, whose: 'person' | 'key'): Scope | { error: string } {
  const scope = scopeFrom(form, '')
  if (!('error' in scope)) return scope
  if (form.get('scopeMode') === 'tagged') return { error: m.people_choose_tag() }
  return { error: whose === 'person' ? m.people_choose_services_person() : m.people_choose_services_key() }
}
