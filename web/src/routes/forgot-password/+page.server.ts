import { fail } from '@sveltejs/kit'
import { text } from '$lib/server/forms'
import { security } from '$lib/server/security'
import type { Actions } from './$types'

/** What the form sends back: the same "check your inbox" for every email, or why it could not be asked. */
export interface ForgotResult {
  email: string
  sent?: boolean
  message?: string
  error?: string
}

function wait(seconds: number | undefined) {
  if (!seconds) return 'a while'
  return seconds < 60 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`
}

export const actions: Actions = {
  default: async (event) => {
    const email = text(await event.request.formData(), 'email')
    if (!email) return fail(400, { email, error: 'Enter your email address.' } satisfies ForgotResult)
    const result = await security(event).requestReset(email)
    if (result.ok) return { email, sent: true } satisfies ForgotResult
    if (result.problem.code === 'rate_limited') {
      return fail(429, { email, message: `Too many reset requests. Please wait ${wait(result.problem.retryAfter)} before asking again.` } satisfies ForgotResult)
    }
    if (result.problem.code === 'validation_failed') return fail(400, { email, error: result.problem.errors?.[0]?.message ?? 'Enter a valid email address.' } satisfies ForgotResult)
    return fail(result.status >= 500 ? 503 : result.status, { email, message: 'We could not send the email right now. Please try again in a moment.' } satisfies ForgotResult)
  },
}
