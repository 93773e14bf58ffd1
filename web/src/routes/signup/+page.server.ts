import { m } from '$lib/paraglide/messages.js'
import { error, fail } from '@sveltejs/kit'
import { api } from '$lib/server/api'
import { text } from '$lib/server/forms'
import { problemMessage } from '$lib/problem'
import type { Actions, PageServerLoad } from './$types'

type Field = 'email' | 'name' | 'password' | 'organisationName'

/** What the form sends back: "check your inbox" for every email, or why the request was refused. The password is never echoed. */
export interface SignupFailure {
  values: Partial<Record<Exclude<Field, 'password'>, string>>
  message?: string
  errors?: Partial<Record<Field, string>>
}

/** Only a portal that opened sign-up shows the form; elsewhere the page does not exist. */
export const load: PageServerLoad = async (event) => {
  const result = await api(event).signupAvailability()
  if (!result.ok || !result.data.open) error(404, m.signedout_no_signups())
  return { mode: result.data.mode }
}

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData()
    const values = { email: text(form, 'email'), name: text(form, 'name'), organisationName: text(form, 'organisationName') }
    const password = String(form.get('password') ?? '')
    const errors: Partial<Record<Field, string>> = {}
    if (!values.name) errors.name = m.signedout_enter_name()
    if (!values.organisationName) errors.organisationName = m.signedout_name_org()
    if (!values.email) errors.email = m.signedout_enter_email()
    if (!password) errors.password = m.signedout_choose_password()
    if (Object.keys(errors).length) return fail(400, { values, errors } satisfies SignupFailure)
    const result = await api(event).requestSignup({ ...values, password })
    if (result.ok) return { sent: true as const, email: values.email }
    const placed: Partial<Record<Field, string>> = {}
    for (const e of result.problem.errors ?? []) if (['email', 'name', 'password', 'organisationName'].includes(e.field)) placed[e.field as Field] ??= e.message
    if (Object.keys(placed).length) return fail(400, { values, errors: placed } satisfies SignupFailure)
    const message =
      result.problem.code === 'limit_reached'
        ? m.signedout_limit_reached()
        : result.problem.code === 'rate_limited'
          ? m.signedout_signup_rate()
          : result.status >= 500
            ? m.signedout_signup_failed()
            : problemMessage(result.problem)
    return fail(result.status >= 500 ? 503 : result.status, { values, message } satisfies SignupFailure)
  },
}
