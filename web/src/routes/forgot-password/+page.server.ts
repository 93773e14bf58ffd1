import { m } from '$lib/paraglide/messages.js'
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
  if (!seconds) return m.signedout_a_while()
  return seconds < 60 ? m.signedout_seconds({ count: seconds }) : m.signedout_minutes({ count: Math.ceil(seconds / 60) })
}

export const actions: Actions = {
  default: async (event) => {
    const email = text(await event.request.formData(), 'email')
    if (!email) return fail(400, { email, error: m.signedout_enter_email() } satisfies ForgotResult)
    const result = await security(event).requestReset(email)
    if (result.ok) return { email, sent: true } satisfies ForgotResult
    if (result.problem.code === 'rate_limited') {
      return fail(429, { email, message: m.signedout_reset_rate({ wait: wait(result.problem.retryAfter) }) } satisfies ForgotResult)
    }
    if (result.problem.code === 'validation_failed') return fail(400, { email, error: result.problem.errors?.[0]?.message ?? m.signedout_valid_email() } satisfies ForgotResult)
    return fail(result.status >= 500 ? 503 : result.status, { email, message: m.signedout_email_failed() } satisfies ForgotResult)
  },
}
