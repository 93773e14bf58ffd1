import { m } from '$lib/paraglide/messages.js'
import { fail, redirect } from '@sveltejs/kit'
import { api, hasSession } from '$lib/server/api'
import { safeNext } from '$lib/server/navigation'
import { problemMessage } from '$lib/problem'
import { qrSvg } from '$lib/server/qr'
import { twoFactor } from '$lib/server/two-factor'
import type { Actions, PageServerLoad } from './$types'

type Refused = { message: string | undefined; errors: { code?: string } }

const destination = (url: URL) => safeNext(url.searchParams.get('redirectTo'), url.origin)

/**
 * An account requires two-factor sign-in and this login has no factor yet:
 * the step reaches only this set-up. Each visit gets a pending key; nothing
 * is on until a code confirms it.
 */
export const load: PageServerLoad = async (event) => {
  const api2 = twoFactor(event)
  const step = await api2.step()
  if (!step.ok) {
    // Confirmed a moment ago: the page shows the recovery codes the action returned.
    if (hasSession(event) && (await api(event).me()).ok) return { state: 'done' as const, destination: destination(event.url), key: null }
    if (step.status === 410) return { state: 'expired' as const, destination: destination(event.url), key: null }
    redirect(303, '/login')
  }
  if (step.data.step !== 'enrol') redirect(303, `/login/verify?redirectTo=${encodeURIComponent(destination(event.url))}`)
  const started = await api2.startStepEnrolment()
  if (!started.ok) return { state: 'expired' as const, destination: destination(event.url), key: null }
  return {
    state: 'enrol' as const,
    destination: destination(event.url),
    email: step.data.email,
    trustDays: step.data.trustDays,
    key: { manualKey: started.data.manualKey, qr: qrSvg(started.data.uri) },
  }
}

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData()
    const code = String(form.get('code') ?? '').trim()
    if (!code) return fail(400, { errors: { code: m.signedout_enter_code() }, message: undefined } as Refused)
    const result = await twoFactor(event).confirmStepEnrolment({ code, trust: form.get('trust') === 'on' })
    if (result.ok) return { recoveryCodes: result.data.recoveryCodes }
    if (result.problem.code === 'invalid_code') return fail(403, { errors: { code: problemMessage(result.problem) }, message: undefined } as Refused)
    return fail(result.status >= 500 ? 502 : result.status, { errors: {}, message: problemMessage(result.problem) || m.signedout_cannot_check() } as Refused)
  },
}
