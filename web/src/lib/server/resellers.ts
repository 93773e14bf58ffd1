import { m } from '$lib/paraglide/messages.js'
/**
 * Reseller management through the API: resellers, their customers, templates,
 * lifecycle actions and usage, typed by the API's contract like every other call.
 */
import { redirect, type RequestEvent } from '@sveltejs/kit'
import { access } from './access'
import { client, settle } from './api'
import { invalid, list, problemFailure, text } from './forms'
import type { BodyOf, Limits } from '$lib/types'
import { isAccessSection, SERVICE_TYPES } from '$lib/resellers'

type Kind = 'reseller' | 'customer'
type Status = 'active' | 'disabled' | 'deleted'
type Lifecycle = 'disable' | 'enable' | 'delete' | 'restore'
/** The body of disabling an account: the reason, and whether its people see it. */
type DisableBody = BodyOf<'/api/v1/accounts/{id}/resellers/{rid}/disable', 'post'>

/** Resellers, customers and templates through the API, bound to one request. */
export function resellerApi(event: RequestEvent) {
  const c = client(event)
  const account = (id: string) => ({ params: { path: { id } } })
  const reseller = (id: string, rid: string) => ({ params: { path: { id, rid } } })
  const customer = (id: string, cid: string) => ({ params: { path: { id, cid } } })
  const template = (id: string, tid: string) => ({ params: { path: { id, tid } } })

  function lifecycle(id: string, kind: Kind, childId: string, action: Lifecycle, body?: DisableBody) {
    if (kind === 'reseller') {
      const at = reseller(id, childId)
      switch (action) {
        case 'delete': return settle('delete reseller', c.DELETE('/api/v1/accounts/{id}/resellers/{rid}', at))
        case 'disable': return settle('disable reseller', c.POST('/api/v1/accounts/{id}/resellers/{rid}/disable', { ...at, body: body! }))
        case 'enable': return settle('enable reseller', c.POST('/api/v1/accounts/{id}/resellers/{rid}/enable', at))
        case 'restore': return settle('restore reseller', c.POST('/api/v1/accounts/{id}/resellers/{rid}/restore', at))
      }
    }
    const at = customer(id, childId)
    switch (action) {
      case 'delete': return settle('delete customer', c.DELETE('/api/v1/accounts/{id}/customers/{cid}', at))
      case 'disable': return settle('disable customer', c.POST('/api/v1/accounts/{id}/customers/{cid}/disable', { ...at, body: body! }))
      case 'enable': return settle('enable customer', c.POST('/api/v1/accounts/{id}/customers/{cid}/enable', at))
      case 'restore': return settle('restore customer', c.POST('/api/v1/accounts/{id}/customers/{cid}/restore', at))
    }
  }

  return {
    list: (id: string, kind: Kind, status?: Status) => {
      const params = { path: { id }, query: status ? { status } : {} }
      return kind === 'reseller'
        ? settle('resellers', c.GET('/api/v1/accounts/{id}/resellers', { params }))
        : settle('customers', c.GET('/api/v1/accounts/{id}/customers', { params }))
    },
    get: (id: string, rid: string) => settle('reseller', c.GET('/api/v1/accounts/{id}/resellers/{rid}', reseller(id, rid))),
    createReseller: (id: string, body: BodyOf<'/api/v1/accounts/{id}/resellers', 'post'>) =>
      settle('create reseller', c.POST('/api/v1/accounts/{id}/resellers', { ...account(id), body })),
    update: (id: string, rid: string, body: BodyOf<'/api/v1/accounts/{id}/resellers/{rid}', 'patch'>) =>
      settle('update reseller', c.PATCH('/api/v1/accounts/{id}/resellers/{rid}', { ...reseller(id, rid), body })),
    lifecycle,
    templates: (id: string) => settle('templates', c.GET('/api/v1/accounts/{id}/templates', account(id))),
    template: (id: string, tid: string) => settle('template', c.GET('/api/v1/accounts/{id}/templates/{tid}', template(id, tid))),
    createTemplate: (id: string, body: BodyOf<'/api/v1/accounts/{id}/templates', 'post'>) =>
      settle('create template', c.POST('/api/v1/accounts/{id}/templates', { ...account(id), body })),
    updateTemplate: (id: string, tid: string, body: BodyOf<'/api/v1/accounts/{id}/templates/{tid}', 'patch'>) =>
      settle('update template', c.PATCH('/api/v1/accounts/{id}/templates/{tid}', { ...template(id, tid), body })),
    deleteTemplate: (id: string, tid: string) => settle('delete template', c.DELETE('/api/v1/accounts/{id}/templates/{tid}', template(id, tid))),
    usage: (id: string) => settle('usage', c.GET('/api/v1/accounts/{id}/usage', account(id))),
  }
}

/** A limit field: blank = unlimited, else a whole number ≥ 0. */
function limitField(form: FormData, name: string, errors: Record<string, string>): number | null {
  const raw = text(form, name)
  if (!raw) return null
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) {
    errors[name] = m.common_limits_whole_number()
    return null
  }
  return n
}

/** Limits and access from the shared form fields (`limits-fields.svelte`), or field errors. */
export function limitsAndAccess(form: FormData) {
  const errors: Record<string, string> = {}
  const limits: Limits = {
    max_customers: limitField(form, 'max_customers', errors),
    max_staff: limitField(form, 'max_staff', errors),
    max_admins: limitField(form, 'max_admins', errors),
    max_services: Object.fromEntries(SERVICE_TYPES.map((t) => [t, limitField(form, `max_services.${t}`, errors)])),
  }
  const access = text(form, 'accessMode') === 'some' ? list(form, 'access').filter(isAccessSection) : null
  return { limits, access, errors }
}

/** The form actions for disable / enable / delete / restore of a child account. */
export function lifecycleActions(kind: Kind) {
  const act = (action: Lifecycle) => async (event: RequestEvent<{ accountId: string }>) => {
    const form = await event.request.formData()
    const id = text(form, 'id')
    let body: DisableBody | undefined
    if (action === 'disable') {
      const reason = text(form, 'reason')
      if (!reason) return invalid({ reason: m.common_lc_reason_required() })
      body = { reason, showReason: form.get('showReason') === 'on' }
    }
    if (action === 'delete' && text(form, 'confirm') !== text(form, 'name')) return invalid({ confirm: m.common_lc_type_name_exactly() })
    const result = await resellerApi(event).lifecycle(event.params.accountId, kind, id, action, body)
    if (!result.ok) return problemFailure(event, result, ['reason', 'showReason'])
    return { name: result.data.account.name }
  }
  /** "Log in as": impersonate the account's owner, for a reason (the API decides whether it is allowed). */
  const impersonate = async (event: RequestEvent<{ accountId: string }>) => {
    const form = await event.request.formData()
    const reason = text(form, 'reason')
    if (!reason) return invalid({ reason: m.common_lc_say_why() })
    const result = await access(event).impersonate({ userId: text(form, 'userId'), accountId: text(form, 'id'), reason })
    if (!result.ok) return problemFailure(event, result, ['reason'])
    redirect(303, `/a/${encodeURIComponent(result.data.impersonation.accountId)}`)
  }
  return { disable: act('disable'), enable: act('enable'), delete: act('delete'), restore: act('restore'), impersonate }
}
