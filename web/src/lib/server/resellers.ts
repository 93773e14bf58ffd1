/**
 * Reseller management through the API: resellers, their customers, templates,
 * lifecycle actions and usage. Answers are validated like every other call.
 */
import { redirect, type RequestEvent } from '@sveltejs/kit'
import { z } from 'zod'
import { access } from './access'
import { call } from './api'
import { invalid, list, problemFailure, text } from './forms'

import { SERVICE_TYPES } from '$lib/resellers'

const count = z.number().nullable()
const Limits = z.object({
  max_customers: count,
  max_staff: count,
  max_admins: count,
  max_services: z.record(z.string(), count.optional()),
})
export type Limits = z.infer<typeof Limits>

const Managed = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['reseller', 'customer']),
  status: z.enum(['active', 'disabled', 'deleted']),
  createdAt: z.number(),
  limits: Limits,
  access: z.array(z.string()).nullable(),
  templateId: z.string().nullable(),
  templateName: z.string().nullable(),
  statusReason: z.string().nullable(),
  showReason: z.boolean(),
  disabledAt: z.number().nullable(),
  deletedAt: z.number().nullable(),
  purgeAfter: z.number().nullable(),
  owner: z.object({ id: z.string(), email: z.string(), name: z.string() }).nullable(),
  canUndo: z.boolean(),
})
export type ManagedAccount = z.infer<typeof Managed>

const Template = z.object({ id: z.string(), name: z.string(), limits: Limits, access: z.array(z.string()).nullable(), resellers: z.number().optional() })
export type Template = z.infer<typeof Template>

const Usage = z.object({
  scope: z.object({ resellerId: z.string() }).nullable(),
  items: z.array(z.object({ limit: z.string(), label: z.string(), used: z.number(), allowed: z.number().nullable() })),
})
export type Usage = z.infer<typeof Usage>

const one = z.object({ account: Managed })
/** A created reseller or customer, with the invitation emailed to its owner (it has no owner until accepted). */
const created = z.object({ account: Managed, ownerInvitation: z.object({ id: z.string(), email: z.string(), expiresAt: z.number() }) })
const e = encodeURIComponent
export type Kind = 'reseller' | 'customer'
const plural = (kind: Kind) => (kind === 'reseller' ? 'resellers' : 'customers')

export function resellerApi(event: RequestEvent) {
  return {
    list: (accountId: string, kind: Kind, status?: 'active' | 'disabled' | 'deleted') =>
      call(event, 'GET', `/api/v1/accounts/${e(accountId)}/${plural(kind)}${status ? `?status=${status}` : ''}`, z.object({ items: z.array(Managed) })),
    get: (accountId: string, rid: string) => call(event, 'GET', `/api/v1/accounts/${e(accountId)}/resellers/${e(rid)}`, one),
    create: (accountId: string, kind: Kind, body: unknown) => call(event, 'POST', `/api/v1/accounts/${e(accountId)}/${plural(kind)}`, created, body),
    update: (accountId: string, rid: string, body: unknown) => call(event, 'PATCH', `/api/v1/accounts/${e(accountId)}/resellers/${e(rid)}`, one, body),
    lifecycle: (accountId: string, kind: Kind, childId: string, action: 'disable' | 'enable' | 'delete' | 'restore', body?: unknown) =>
      action === 'delete'
        ? call(event, 'DELETE', `/api/v1/accounts/${e(accountId)}/${plural(kind)}/${e(childId)}`, one)
        : call(event, 'POST', `/api/v1/accounts/${e(accountId)}/${plural(kind)}/${e(childId)}/${action}`, one, body),
    templates: (accountId: string) => call(event, 'GET', `/api/v1/accounts/${e(accountId)}/templates`, z.object({ items: z.array(Template) })),
    template: (accountId: string, tid: string) => call(event, 'GET', `/api/v1/accounts/${e(accountId)}/templates/${e(tid)}`, z.object({ template: Template })),
    createTemplate: (accountId: string, body: unknown) => call(event, 'POST', `/api/v1/accounts/${e(accountId)}/templates`, z.object({ template: Template }), body),
    updateTemplate: (accountId: string, tid: string, body: unknown) => call(event, 'PATCH', `/api/v1/accounts/${e(accountId)}/templates/${e(tid)}`, z.object({ template: Template }), body),
    deleteTemplate: (accountId: string, tid: string) => call(event, 'DELETE', `/api/v1/accounts/${e(accountId)}/templates/${e(tid)}`, null),
    usage: (accountId: string) => call(event, 'GET', `/api/v1/accounts/${e(accountId)}/usage`, Usage),
  }
}

/** A limit field: blank = unlimited, else a whole number ≥ 0. */
function limitField(form: FormData, name: string, errors: Record<string, string>): number | null {
  const raw = text(form, name)
  if (!raw) return null
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) {
    errors[name] = 'Use a whole number (0 or more), or leave empty for no limit.'
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
  const access = text(form, 'accessMode') === 'some' ? list(form, 'access') : null
  return { limits, access, errors }
}

/** The form actions for disable / enable / delete / restore of a child account. */
export function lifecycleActions(kind: Kind) {
  const act = (action: 'disable' | 'enable' | 'delete' | 'restore') => async (event: RequestEvent<{ accountId: string }>) => {
    const form = await event.request.formData()
    const id = text(form, 'id')
    let body: unknown
    if (action === 'disable') {
      const reason = text(form, 'reason')
      if (!reason) return invalid({ reason: 'Give a reason; it is kept with the account.' })
      body = { reason, showReason: form.get('showReason') === 'on' }
    }
    if (action === 'delete' && text(form, 'confirm') !== text(form, 'name')) return invalid({ confirm: 'Type the name exactly to confirm.' })
    const result = await resellerApi(event).lifecycle(event.params.accountId, kind, id, action, body)
    if (!result.ok) return problemFailure(event, result, ['reason', 'showReason'])
    return { name: result.data.account.name }
  }
  /** "Log in as": impersonate the account's owner, for a reason (the API decides whether it is allowed). */
  const impersonate = async (event: RequestEvent<{ accountId: string }>) => {
    const form = await event.request.formData()
    const reason = text(form, 'reason')
    if (!reason) return invalid({ reason: 'Say why you need to act as them; they will see it.' })
    const result = await access(event).impersonate({ userId: text(form, 'userId'), accountId: text(form, 'id'), reason })
    if (!result.ok) return problemFailure(event, result, ['reason'])
    redirect(303, `/a/${encodeURIComponent(result.data.impersonation.accountId)}`)
  }
  return { disable: act('disable'), enable: act('enable'), delete: act('delete'), restore: act('restore'), impersonate }
}
