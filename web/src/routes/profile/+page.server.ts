import { redirect } from '@sveltejs/kit'
import { access } from '$lib/server/access'
import { api, hasSession, loginUrl, unwrap } from '$lib/server/api'
import { invalid, passwordAction, problemFailure, text } from '$lib/server/forms'
import { LAST_ACCOUNT_COOKIE } from '$lib/server/navigation'
import { security } from '$lib/server/security'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'
import { loadTwoFactor, twoFactorActions } from './two-factor.server'

/** The signed-in person's profile, and who has acted on their behalf. */
export const load: PageServerLoad = async (event) => {
  if (!hasSession(event)) redirect(303, loginUrl(event))
  const { user, accounts, impersonation = null, lastAccountId = null } = unwrap(event, await api(event).me())
  // The access log is private to the person it is about: not read while acting as them.
  // The access log, the email's state and the sessions are private to the person: not read while acting as them.
  const [log, email, sessions, twoFactor] = await Promise.all([
    impersonation ? null : access(event).accessLog(),
    impersonation ? null : security(event).myEmail(),
    impersonation ? null : security(event).sessions(),
    loadTwoFactor(event, Boolean(impersonation)),
  ])
  const last = lastAccountId ?? event.cookies.get(LAST_ACCOUNT_COOKIE)
  const back = impersonation
    ? { id: impersonation.accountId, name: impersonation.accountName }
    : (accounts.find((a) => a.id === last) ?? accounts[0] ?? null)
  return {
    user,
    impersonation,
    back: back ? { id: back.id, name: back.name } : null,
    accessLog: log?.ok ? log.data.items.toSorted((a, b) => b.startedAt - a.startedAt) : null,
    email: email?.ok ? email.data : null,
    sessions: sessions?.ok ? sessions.data.items : null,
    twoFactor,
  }
}

export const actions: Actions = {
  ...twoFactorActions,
  rename: async (event) => {
    const form = await event.request.formData()
    const name = text(form, 'name')
    if (!name) return invalid({ name: m.profile_enter_name() })
    const result = await access(event).rename(name)
    if (!result.ok) return problemFailure(event, result, ['name'])
    return { saved: 'name' }
  },

  password: async (event) => {
    const form = await event.request.formData()
    const currentPassword = String(form.get('currentPassword') ?? '')
    const newPassword = String(form.get('newPassword') ?? '')
    const confirm = String(form.get('confirmPassword') ?? '')
    const errors: Record<string, string> = {}
    if (!currentPassword) errors.currentPassword = m.profile_enter_current_password()
    if (!newPassword) errors.newPassword = m.profile_choose_new_password()
    else if (newPassword !== confirm) errors.confirmPassword = m.profile_passwords_differ()
    if (Object.keys(errors).length) return invalid(errors)
    const result = await access(event).changePassword({ currentPassword, newPassword })
    if (!result.ok) return problemFailure(event, result, ['currentPassword', 'newPassword'])
    return { saved: 'password' }
  },
  changeEmail: passwordAction(
    ['email', m.profile_enter_new_email],
    ['currentPassword', m.profile_enter_current_password],
    (event, email, currentPassword) => security(event).changeEmail(email, currentPassword),
    (data) => ({ saved: 'email', pendingEmail: data.pendingEmail }),
  ),

  resendVerification: async (event) => {
    const result = await security(event).resendVerification()
    if (!result.ok) return problemFailure(event, result, [])
    return { saved: 'verification' }
  },

  endSession: async (event) => {
    const sessionId = text(await event.request.formData(), 'sessionId')
    const result = await security(event).endSession(sessionId)
    if (!result.ok) return problemFailure(event, result, [])
    return { saved: 'session' }
  },

  endOtherSessions: async (event) => {
    const result = await security(event).endOtherSessions()
    if (!result.ok) return problemFailure(event, result, [])
    return { saved: 'sessions', ended: result.data.ended }
  },
}
