import { m } from '$lib/paraglide/messages.js'
import { fail, redirect } from '@sveltejs/kit'
import { api, hasSession } from '$lib/server/api'
import { safeNext } from '$lib/server/navigation'
import { problemMessage } from '$lib/problem'
import type { Actions, PageServerLoad } from './$types'

type Field = 'email' | 'password'

/** What a failed sign-in sends back to the form. The password is never echoed. */
export interface LoginFailure {
  email: string
  message?: string
  fieldErrors?: Partial<Record<Field, string>>
  /** On another reseller's portal: the address of the one this login belongs to. */
  portal?: string
}

/** Where to go after signing in: `redirectTo` (or the older `next`), same-origin paths only. */
function destination(url: URL): string {
  return safeNext(url.searchParams.get('redirectTo') ?? url.searchParams.get('next'), url.origin)
}

export const load: PageServerLoad = async (event) => {
  // Already signed in: skip the form.
  if (hasSession(event) && (await api(event).me()).ok) {
    redirect(303, destination(event.url))
  }
  // The sign-up link shows only where this portal takes sign-ups.
  const signup = await api(event).signupAvailability()
  return { signupOpen: signup.ok && signup.data.open }
}

function retryMessage(seconds: number | undefined): string {
  if (!seconds) return m.signedout_too_many()
  const wait = seconds < 60 ? m.signedout_seconds({ count: seconds }) : m.signedout_minutes({ count: Math.ceil(seconds / 60) })
  return m.signedout_too_many_wait({ wait })
}

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData()
    const email = String(form.get('email') ?? '').trim()
    const password = String(form.get('password') ?? '')

    // The API validates too; these only save a round trip for the obvious cases.
    const fieldErrors: LoginFailure['fieldErrors'] = {}
    if (!email) fieldErrors.email = m.signedout_enter_email()
    if (!password) fieldErrors.password = m.signedout_enter_password()
    if (fieldErrors.email || fieldErrors.password) return fail(400, { email, fieldErrors } satisfies LoginFailure)

    // A successful login's Set-Cookie is relayed to the browser by api.ts (value and expiry).
    const result = await api(event).login({ email, password })
    if (result.ok) {
      // A second factor is owed (or must be set up first): the step's own page, then the same destination.
      const next = result.data.next
      if (next) redirect(303, `/login/${next.step === 'enrol' ? 'enrol' : 'verify'}?redirectTo=${encodeURIComponent(destination(event.url))}`)
      redirect(303, destination(event.url))
    }

    const { problem } = result
    switch (problem.code) {
      case 'invalid_credentials':
        return fail(401, { email, message: m.signedout_invalid_credentials() } satisfies LoginFailure)
      case 'wrong_portal': {
        // Only after the password checked out does the API say this; pass the address on as a link.
        const portal = problem.portal && /^https?:\/\/[a-z0-9.-]+(:[0-9]+)?$/i.test(problem.portal) ? problem.portal : undefined
        return fail(403, { email, message: m.signedout_wrong_portal(), portal } satisfies LoginFailure)
      }
      case 'rate_limited':
        return fail(429, { email, message: retryMessage(problem.retryAfter) } satisfies LoginFailure)
      case 'account_suspended':
        // The API words it: the account is suspended (with the reason where the platform shows it) or closed.
        return fail(403, { email, message: problemMessage(problem) || m.signedout_suspended() } satisfies LoginFailure)
      case 'validation_failed': {
        const errors: LoginFailure['fieldErrors'] = {}
        for (const e of problem.errors ?? []) if (e.field === 'email' || e.field === 'password') errors[e.field] ??= e.message
        return fail(400, {
          email,
          fieldErrors: errors,
          message: Object.keys(errors).length ? undefined : problemMessage(problem),
        } satisfies LoginFailure)
      }
      default:
        console.error('login failed', problem)
        return fail(result.status >= 500 ? 503 : result.status, {
          email,
          message: m.signedout_cannot_sign_in(),
        } satisfies LoginFailure)
    }
  },
}
