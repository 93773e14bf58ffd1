import { redirect, type RequestEvent } from '@sveltejs/kit'
import { invalid, problemFailure, text } from '$lib/server/forms'
import { limitsAndAccess, resellerApi } from '$lib/server/resellers'

/** Save the template form: create when `tid` is absent. */
export async function saveTemplate(event: RequestEvent<{ accountId: string }>, tid?: string) {
  const form = await event.request.formData()
  const { limits, access, errors } = limitsAndAccess(form)
  if (Object.keys(errors).length) return invalid(errors)
  const body = { name: text(form, 'name'), limits, access }
  const client = resellerApi(event)
  const result = tid ? await client.updateTemplate(event.params.accountId, tid, body) : await client.createTemplate(event.params.accountId, body)
  if (!result.ok) return problemFailure(event, result, ['name'])
  redirect(303, `/a/${event.params.accountId}/resellers/templates`)
}
