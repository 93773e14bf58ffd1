import { m } from '$lib/paraglide/messages.js'
import { error, fail, redirect } from '@sveltejs/kit'
import { access } from '$lib/server/access'
import { api, hasSession, SESSION_COOKIE } from '$lib/server/api'
import { text } from '$lib/server/forms'
import { problemMessage } from '$lib/problem'
import { invitationProblem } from './problems'
import type { Actions, PageServerLoad } from './$types'

/** What a refused acceptance sends back to the page. */
export interface AcceptFailure {
  code: string
  message?: string
  errors: Record<string, string>
  name?: string
  organisationName?: string
}

const FIELDS = ['name', 'password', 'organisationName'] as const

/**
 * On another reseller's portal the API answers `wrong_portal` with the address of
 * the invitation's own portal: the link is opened there instead, so nobody signs
 * up into one tree under another's brand. Only an http(s) origin is followed.
 */
function sendHome(problem: { code: string; portal?: string }, token: string) {
  if (problem.code !== 'wrong_portal' || !problem.portal) return
  let home: URL
  try {
    home = new URL(problem.portal)
  } catch {
    return
  }
  if (home.protocol !== 'https:' && home.protocol !== 'http:') return
  redirect(303, `${home.origin}/invite/${encodeURIComponent(token)}`)
}

/** A refused acceptance, typed as one shape for the page. */
const refuse = (status: number, failure: AcceptFailure) => fail(status, failure)

/**
 * The invitation as its link shows it (account, inviter, role — nothing else)
 * and who, if anyone, is signed in here: the page offers to create a login,
 * to sign in first, or says the signed-in email is not the invited one.
 */
export const load: PageServerLoad = async (event) => {
  const preview = await access(event).previewInvitation(event.params.token)
  if (!preview.ok) {
    sendHome(preview.problem, event.params.token)
    if (preview.status >= 500) error(502, m.signedout_inv_cannot_open_now())
    const problem = invitationProblem(preview.problem.code)
    error(problem.status, problem.title)
  }
  let signedIn: { email: string; name: string } | null = null
  if (hasSession(event)) {
    const me = await api(event).me()
    if (me.ok) signedIn = { email: me.data.user.email, name: me.data.user.name }
  }
  return { invitation: preview.data, signedIn, token: event.params.token }
}

export const actions: Actions = {
  accept: async (event) => {
    const form = await event.request.formData()
    const name = text(form, 'name')
    const password = String(form.get('password') ?? '')
    const organisationName = text(form, 'organisationName')
    const asExisting = form.get('mode') === 'existing'

    const errors: Record<string, string> = {}
    if (!asExisting) {
      if (!name) errors.name = m.signedout_enter_name()
      if (!password) errors.password = m.signedout_choose_password()
    }
    if (form.has('organisationName') && !organisationName) errors.organisationName = m.signedout_name_org()
    if (Object.keys(errors).length) return refuse(400, { code: 'validation_failed', errors, name, organisationName })

    const body = asExisting ? {} : { name, password }
    const result = await access(event).acceptInvitation(event.params.token, {
      ...body,
      ...(form.has('organisationName') ? { organisationName } : {}),
    })
    // Held by a verified domain: nothing to open until the organisation's admins let them in.
    if (result.ok) redirect(303, result.data.held ? '/login' : `/a/${encodeURIComponent(result.data.accountId)}`)

    const { problem } = result
    sendHome(problem, event.params.token)
    const keep = { name, organisationName }
    if (problem.code.startsWith('invitation_')) {
      return refuse(result.status, { code: problem.code, message: invitationProblem(problem.code).title + '. ' + invitationProblem(problem.code).detail, errors: {}, ...keep })
    }
    if (problem.code === 'sign_in_required') {
      return refuse(401, { code: problem.code, message: m.signedout_inv_has_login(), errors: {}, ...keep })
    }
    const fieldErrors: Record<string, string> = {}
    const unplaced: string[] = []
    for (const e of problem.errors ?? []) {
      const field = e.field.split('.')[0] ?? e.field
      if ((FIELDS as readonly string[]).includes(field)) fieldErrors[field] ??= e.message
      else unplaced.push(e.message)
    }
    const fallback = result.status >= 500 ? m.signedout_inv_accept_failed() : problemMessage(problem)
    return refuse(result.status >= 500 ? 502 : result.status, {
      code: problem.code,
      message: unplaced.length ? unplaced.join(' ') : Object.keys(fieldErrors).length ? undefined : fallback || m.common_error_retry(),
      errors: fieldErrors,
      ...keep,
    })
  },

  /** Sign out of the other login and come back here, to accept with the invited email. */
  signOut: async (event) => {
    await api(event).logout()
    event.cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: event.url.protocol === 'https:' })
    redirect(303, event.url.pathname)
  },
}
