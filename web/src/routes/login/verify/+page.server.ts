import { m } from '$lib/paraglide/messages.js'
import { fail, redirect } from '@sveltejs/kit'
import { safeNext } from '$lib/server/navigation'
import { problemMessage } from '$lib/problem'
import { twoFactor } from '$lib/server/two-factor'
import type { Actions, PageServerLoad } from './$types'

/** A refused code: the field error or the message. */
type Refused = { method: 'totp' | 'recovery'; message: string | undefined; errors: { code?: string } }

/** Where to go once signed in (same-origin paths only). */
const destination = (url: URL) => safeNext(url.searchParams.get('redirectTo'), url.origin)

/** The second factor after a right password: the step's methods, or a finished page when it ran out. */
export const load: PageServerLoad = async (event) => {
  const step = await twoFactor(event).step()
  if (!step.ok) {
    if (step.status === 410) return { expired: true as const, step: null, destination: destination(event.url) }
    redirect(303, '/login')
  }
  if (step.data.step === 'enrol') redirect(303, `/login/enrol?redirectTo=${encodeURIComponent(destination(event.url))}`)
  return { expired: false as const, step: step.data, destination: destination(event.url) }
}

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData()
    const method = form.get('method') === 'recovery' ? 'recovery' : 'totp'
    const code = String(form.get('code') ?? '').trim()
    const trust = form.get('trust') === 'on'
    if (!code) return fail(400, { method, message: undefined, errors: { code: method === 'totp' ? m.signedout_enter_code() : m.signedout_enter_recovery() } } satisfies Refused as Refused)
    const result = await twoFactor(event).verifyCode({ method, code, trust })
    if (result.ok) redirect(303, destination(event.url))
    switch (result.problem.code) {
      case 'invalid_code':
        return fail(403, { method, message: undefined, errors: { code: problemMessage(result.problem) } } satisfies Refused as Refused)
      case 'rate_limited':
        return fail(429, { method, message: problemMessage(result.problem), errors: {} } as Refused)
      case 'step_expired':
      case 'step_required':
        // The page's load shows the finished "sign in again" state.
        return fail(410, { method, message: undefined, errors: {} } as Refused)
      default:
        return fail(result.status >= 500 ? 502 : result.status, { method, message: problemMessage(result.problem) || m.signedout_cannot_check(), errors: {} } as Refused)
    }
  },
}
