import { m } from '$lib/paraglide/messages.js'
import { fail } from '@sveltejs/kit'
import { linkPage, linkProblem } from '$lib/server/links'
import { problemMessage } from '$lib/problem'
import { security } from '$lib/server/security'
import type { Actions, PageServerLoad } from './$types'

/** Why a link does not work, as its page says it (the API's own codes). */
export type LinkProblem = 'invalid' | 'used' | 'expired'

const problemOf = (code: string): LinkProblem | null => linkProblem(code, 'reset')

/** The link is checked (not used) on load: the page asks for the password only when it still works. */
export const load: PageServerLoad = async (event) => {
  return linkPage(await security(event).checkReset(event.params.token), problemOf)
}

/** What the form action answers, one shape for every outcome. */
export interface ResetForm {
  done?: boolean
  problem?: LinkProblem
  message?: string
  errors: Record<string, string>
}

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData()
    const password = String(form.get('password') ?? '')
    const confirm = String(form.get('confirm') ?? '')
    if (!password) return fail(400, { errors: { password: m.signedout_choose_new() } } satisfies ResetForm as ResetForm)
    if (password !== confirm) return fail(400, { errors: { confirm: m.signedout_passwords_differ() } } satisfies ResetForm as ResetForm)
    const result = await security(event).resetPassword(event.params.token, password)
    if (result.ok) return { done: true, errors: {} } satisfies ResetForm as ResetForm
    const problem = problemOf(result.problem.code)
    if (problem) return fail(410, { problem, errors: {} } satisfies ResetForm as ResetForm)
    if (result.problem.code === 'weak_password') return fail(400, { errors: { password: result.problem.errors?.[0]?.message ?? problemMessage(result.problem) } } satisfies ResetForm as ResetForm)
    return fail(503, { message: m.signedout_set_failed(), errors: {} } satisfies ResetForm as ResetForm)
  },
}
