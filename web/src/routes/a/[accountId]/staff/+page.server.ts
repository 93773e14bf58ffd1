import { redirect, type RequestEvent } from '@sveltejs/kit'
import { access } from '$lib/server/access'
import { api, unwrap } from '$lib/server/api'
import { invitationActions, pendingInvitations } from '$lib/server/invitations'
import { loadCatalogue } from '$lib/server/catalogue'
import { idAction, invalid, list, passwordAction, problemFailure, requireSection, text, textAction } from '$lib/server/forms'
import { isNotifiable } from '$lib/activity'
import { holds } from '$lib/permissions'
import { security } from '$lib/server/security'
import { ownershipApi } from '$lib/server/ownership'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'
import { chosenScope } from './scope-error'
import { problemMessage } from '$lib/problem'

/** The people of the account, each with what the caller may do to them; with `staff.manage`, also what the invite/edit dialog offers. */
export const load: PageServerLoad = async (event) => {
  const client = api(event)
  const id = event.params.accountId
  const membersCall = client.members(id)
  const invitationsCall = pendingInvitations(event, id, 'member')
  const ownershipCall = ownershipApi(event).get(id)
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'staff')
  const canManage = section.actions.includes('manage')
  const canSeeServices = holds(menu, 'services', 'view')
  const [members, roles, facets, services, catalogue, invitations, ownership, held] = await Promise.all([
    membersCall,
    canManage ? client.roles(id) : null,
    canManage && canSeeServices ? client.serviceFacets(id) : null,
    canManage && canSeeServices ? client.services(id, {}, { limit: 200 }) : null,
    canManage ? loadCatalogue(event) : [],
    invitationsCall,
    ownershipCall,
    // A customer's people held for approval by one of its verified email domains.
    account.kind === 'customer' ? client.joinRequests(id) : null,
  ])
  return {
    section,
    canManage,
    catalogue,
    members: unwrap(event, members, m.people_account_not_found()),
    // The dialog copes without these (a role editor without roles.view, say): the API decides anyway.
    roles: roles?.ok ? roles.data.items : [],
    facets: facets?.ok ? facets.data : { groups: [], tags: [] },
    services: services?.ok ? services.data.items : [],
    invitations,
    // The open offer of ownership (for the owner and the admin it names) and what the caller may do about it.
    ownership: ownership.ok ? ownership.data : null,
    held: held?.ok ? held.data.items : [],
  }
}

const FIELDS = ['email', 'level', 'roles', 'scope', 'endsAt', 'roleEnds'] as const

/**
 * A date field of when access ends ("Access ends", or one role's): access
 * lasts through the chosen day (UTC), so the end is the next midnight; null
 * when left empty, 'invalid' for anything else.
 */
function endFrom(form: FormData, name = 'endsOn'): number | null | 'invalid' {
  const value = text(form, name)
  if (!value) return null
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!m) return 'invalid'
  const end = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1)
  return Number.isNaN(end) ? 'invalid' : end
}

/**
 * The ends of the chosen roles whose date was changed (by role id; null: the
 * role lasts again). A role's date left as it was is not sent, so the API
 * keeps its end as it stands (which need not fall on midnight).
 */
function roleEndsFrom(form: FormData, roles: string[] | undefined): Record<string, number | null> | 'invalid' | undefined {
  if (!roles) return undefined
  const ends: Record<string, number | null> = {}
  for (const id of roles) {
    const name = `roleEndsOn:${id}`
    if (!form.has(name) || text(form, name) === text(form, `roleEndsWas:${id}`)) continue
    const end = endFrom(form, name)
    if (end === 'invalid') return 'invalid'
    ends[id] = end
  }
  return Object.keys(ends).length ? ends : undefined
}

function levelFrom(form: FormData): 'admin' | 'user' | null {
  const level = text(form, 'level')
  return level === 'admin' || level === 'user' ? level : null
}

async function refused(event: RequestEvent, result: Parameters<typeof problemFailure>[1]) {
  return problemFailure(event, result, FIELDS, { accessEndsAt: 'endsAt' })
}

export const actions: Actions = {
  ...invitationActions,
  approveJoin: idAction('id', (event, account, id) => api(event).decideJoinRequest(account, id, true), () => ({ decided: true })),
  declineJoin: idAction('id', (event, account, id) => api(event).decideJoinRequest(account, id, false), () => ({ decided: true })),

  /** Adding a member is always an invitation: they join by accepting the emailed link, with a password they choose. */
  invite: async (event) => {
    const form = await event.request.formData()
    const email = text(form, 'email')
    const level = levelFrom(form)
    const scope = chosenScope(form, 'person')
    const accessEndsAt = endFrom(form)
    const errors: Record<string, string> = {}
    if (!email) errors.email = m.people_enter_their_email()
    if (!level) errors.level = m.people_choose_level()
    if ('error' in scope) errors.scope = scope.error
    if (accessEndsAt === 'invalid') errors.endsAt = m.people_enter_date()
    if (Object.keys(errors).length || !level || 'error' in scope || accessEndsAt === 'invalid') return invalid(errors)
    const result = await access(event).invite(event.params.accountId, { kind: 'member', email, level, roleIds: list(form, 'roles'), scope, accessEndsAt })
    if (!result.ok) {
      // Already a member, or already invited: about the address, so it goes under it.
      if (result.status === 409) return invalid({ email: problemMessage(result.problem) || m.people_already_member() })
      return problemFailure(event, result, FIELDS, { roleIds: 'roles', accessEndsAt: 'endsAt' })
    }
    return { email: result.data.invitation.email }
  },

  impersonate: textAction('reason', m.people_say_why, (event, accountId, reason, form) => access(event).impersonate({ userId: text(form, 'userId'), accountId, reason }), (data) => redirect(303, `/a/${encodeURIComponent(data.impersonation.accountId)}`)),

  notifications: async (event) => {
    const form = await event.request.formData()
    const result = await access(event).setNotifications(event.params.accountId, text(form, 'memberId'), list(form, 'types').filter(isNotifiable))
    if (!result.ok) return problemFailure(event, result, ['types'])
    return { saved: true }
  },

  update: async (event) => {
    const form = await event.request.formData()
    const memberId = text(form, 'memberId')
    const scope = chosenScope(form, 'person')
    if ('error' in scope) return invalid({ scope: scope.error })
    // Level and roles are absent from the form for one's own row (the API refuses changing them).
    const level = levelFrom(form) ?? undefined
    const roles = form.has('rolesShown') ? list(form, 'roles') : undefined
    // The end goes only when the date was changed (an end set through the API need not fall on midnight).
    const end = form.has('endsOn') && text(form, 'endsOn') !== text(form, 'endsWas') ? endFrom(form) : undefined
    if (end === 'invalid') return invalid({ endsAt: m.people_enter_date() })
    const roleEnds = roleEndsFrom(form, roles)
    if (roleEnds === 'invalid') return invalid({ roleEnds: m.people_enter_date() })
    const result = await api(event).updateMember(event.params.accountId, memberId, { level, roles, scope, endsAt: end, roleEnds })
    if (!result.ok) return refused(event, result)
    return { name: result.data.member.user.name }
  },

  remove: idAction('id', (event, account, id) => api(event).removeMember(account, id), () => ({ removed: true })),
  offerOwnership: passwordAction(
    ['memberId', m.people_choose_new_owner],
    ['password', m.people_enter_password_confirm],
    (event, memberId, password) => ownershipApi(event).offer(event.params.accountId, { memberId, password }),
    (data) => ({ offered: data.offer.to.name }),
  ),
  cancelOwnership: async (event) => {
    const result = await ownershipApi(event).cancel(event.params.accountId)
    if (!result.ok) return problemFailure(event, result, [])
    return { cancelled: true }
  },
  acceptOwnership: async (event) => {
    const result = await ownershipApi(event).acceptInApp(event.params.accountId)
    if (!result.ok) return problemFailure(event, result, [])
    return { accepted: true }
  },
  declineOwnership: async (event) => {
    const result = await ownershipApi(event).declineInApp(event.params.accountId)
    if (!result.ok) return problemFailure(event, result, [])
    return { declined: true }
  },
  signOut: idAction('id', (event, account, id) => security(event).endMemberSessions(account, id), (data) => ({ ended: data.ended })),
}
