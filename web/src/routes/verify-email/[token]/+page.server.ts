import { m } from '$lib/paraglide/messages.js'
import { fail } from '@sveltejs/kit'
import { linkPage, linkProblem } from '$lib/server/links'
import { security } from '$lib/server/security'
import type { Actions, PageServerLoad } from './$types'

export type LinkProblem = 'invalid' | 'used' | 'expired' | 'taken'

const problemOf = (code: string): LinkProblem | null => (code === 'conflict' ? 'taken' : linkProblem(code, 'verification'))

/**
 * The link is only read on load; confirming is a button (a POST), so mail
 * scanners that open links do not use it up.
 */
export const load: PageServerLoad = async (event) => {
  return linkPage(await security(event).checkEmailLink(event.params.token), problemOf)
}

/** What the confirm action answers, one shape for every outcome. */
export interface ConfirmForm {
  confirmed?: { email: string; changed: boolean }
  problem?: LinkProblem
  message?: string
}

export const actions: Actions = {
  default: async (event) => {
    const result = await security(event).confirmEmail(event.params.token)
    if (result.ok) return { confirmed: result.data } satisfies ConfirmForm as ConfirmForm
    const problem = problemOf(result.problem.code)
    if (problem) return fail(result.status, { problem } satisfies ConfirmForm as ConfirmForm)
    return fail(503, { message: m.signedout_confirm_failed() } satisfies ConfirmForm as ConfirmForm)
  },
}
