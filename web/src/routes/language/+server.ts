import { redirect } from '@sveltejs/kit'
import { isLocale } from '$lib/i18n'
import { client, hasSession } from '$lib/server/api'
import { rememberLocale } from '$lib/server/locale'
import type { RequestHandler } from './$types'

/** Where to go back to: a path of this portal only, never another site. */
function backTo(value: FormDataEntryValue | null): string {
  const path = typeof value === 'string' ? value : ''
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\') ? path : '/'
}

/**
 * The language picker's form (signed out on the sign-in pages, signed in on the profile):
 * `auto` forgets the choice. A signed-in person's choice is saved with their login, so it
 * follows them to every browser and decides their emails' language; while acting as someone
 * else it stays with this browser only (their profile is not theirs to change). A full page
 * load follows, drawn in the new language.
 */
export const POST: RequestHandler = async (event) => {
  const form = await event.request.formData()
  const value = form.get('locale')
  const locale = isLocale(value) ? value : null
  if (value !== 'auto' && locale === null) redirect(303, backTo(form.get('redirectTo')))
  if (hasSession(event)) await client(event).PATCH('/api/v1/me', { body: { locale } })
  rememberLocale(event.cookies, locale, event.url.protocol === 'https:')
  redirect(303, backTo(form.get('redirectTo')))
}
