import { error, fail, redirect, type RequestEvent } from '@sveltejs/kit'
import { loginUrl, type ApiResult } from './api'
import type { Account, MenuItem, Problem, Scope } from '$lib/types'
import { m } from '$lib/paraglide/messages.js'
import { menuLabel } from '$lib/menu-label'
import { problemMessage } from '$lib/problem'

export { problemMessage } from '$lib/problem'

/** What a refused form action sends back: field errors to show under their inputs, else one message. */
export interface FormFailure {
  message?: string
  errors: Record<string, string>
  code: string
}

/**
 * A failed API call as a form failure. Field errors of the problem (`scope.tags`
 * counts as `scope`) go under the fields the form shows, renamed through
 * `rename` (`groupId` → `group`); anything else becomes the message.
 */
export function problemFailure(
  event: RequestEvent,
  result: { status: number; problem: Problem },
  fields: readonly string[],
  rename: Record<string, string> = {},
) {
  if (result.status === 401) redirect(303, loginUrl(event))
  const errors: Record<string, string> = {}
  const unplaced: string[] = []
  for (const e of result.problem.errors ?? []) {
    const head = e.field.split('.')[0] ?? e.field
    const field = rename[head] ?? head
    if (fields.includes(field)) errors[field] ??= e.message
    else unplaced.push(e.message)
  }
  const fallback = result.status >= 500 ? m.common_error_server() : problemMessage(result.problem)
  const message = unplaced.length ? unplaced.join(' ') : Object.keys(errors).length ? undefined : fallback || m.common_error_retry()
  return fail(result.status >= 500 ? 502 : result.status, { message, errors, code: result.problem.code } satisfies FormFailure)
}

/** A form failure found before calling the API. */
export function invalid(errors: Record<string, string>, message?: string) {
  return fail(400, { message, errors, code: 'validation_failed' } satisfies FormFailure)
}

/**
 * A form action on one thing of the account, named by the hidden field `field`: calls the API with
 * the account and that id, and answers `done(data)`, or the refusal (errors under `fields`).
 */
export function idAction<P extends { accountId: string }, T, R extends Record<string, unknown>>(
  field: string,
  call: (event: RequestEvent<P>, accountId: string, id: string) => Promise<ApiResult<T>>,
  done: (data: T) => R,
  fields: readonly string[] = [],
) {
  return async (event: RequestEvent<P>) => {
    const result = await call(event, event.params.accountId, text(await event.request.formData(), field))
    if (!result.ok) return problemFailure(event, result, fields)
    return done(result.data)
  }
}

/**
 * A form action of the account on one required text field (a name, an address, a reason): refused
 * under that field with `missing` when it is blank, else calls the API with the account, the text and
 * the form, and answers `done(data)` or the refusal (errors under `fields`, by default the field's).
 */
export function textAction<P extends { accountId: string }, T, R extends Record<string, unknown>>(
  field: string,
  missing: () => string,
  call: (event: RequestEvent<P>, accountId: string, value: string, form: FormData) => Promise<ApiResult<T>>,
  done: (data: T) => R,
  fields: readonly string[] = [field],
) {
  return async (event: RequestEvent<P>) => {
    const form = await event.request.formData()
    const value = text(form, field)
    if (!value) return invalid({ [field]: missing() })
    const result = await call(event, event.params.accountId, value, form)
    if (!result.ok) return problemFailure(event, result, fields)
    return done(result.data)
  }
}

/**
 * A form action confirmed with the person's password: refused under the blank ones of the text field
 * `field` and the password field `passwordField` (taken as typed, never trimmed), else calls the API
 * with both and answers `done(data)` or the refusal (errors under both fields).
 */
export function passwordAction<P extends Partial<Record<string, string>>, T, R extends Record<string, unknown>>(
  [field, missing]: [name: string, missing: () => string],
  [passwordField, missingPassword]: [name: string, missing: () => string],
  call: (event: RequestEvent<P>, value: string, password: string) => Promise<ApiResult<T>>,
  done: (data: T) => R,
) {
  return async (event: RequestEvent<P>) => {
    const form = await event.request.formData()
    const value = text(form, field)
    const password = String(form.get(passwordField) ?? '')
    const errors: Record<string, string> = {}
    if (!value) errors[field] = missing()
    if (!password) errors[passwordField] = missingPassword()
    if (Object.keys(errors).length) return invalid(errors)
    const result = await call(event, value, password)
    if (!result.ok) return problemFailure(event, result, [field, passwordField])
    return done(result.data)
  }
}

/**
 * The form's trimmed text fields: each one of `required` (a blank one gets its message in `errors`, so
 * the action answers `invalid(errors)`), then each one of `optional`.
 */
export function textFields<R extends string, O extends string = never>(
  form: FormData,
  required: Record<R, string>,
  optional: readonly O[] = [],
): { values: Record<R | O, string>; errors: Record<string, string> } {
  const values = {} as Record<R | O, string>
  const errors: Record<string, string> = {}
  for (const [name, message] of Object.entries(required) as [R, string][]) {
    values[name] = text(form, name)
    if (!values[name]) errors[name] = message
  }
  for (const name of optional) values[name] = text(form, name)
  return { values, errors }
}

/** A trimmed text field. */
export function text(form: FormData, name: string): string {
  const value = form.get(name)
  return typeof value === 'string' ? value.trim() : ''
}

/** Every value of a repeated field, trimmed, without blanks and duplicates. */
export function list(form: FormData, name: string): string[] {
  return [...new Set(form.getAll(name).flatMap((v) => (typeof v === 'string' && v.trim() ? [v.trim()] : [])))]
}

/**
 * The menu item of a section this page belongs to. A section the person's role
 * does not give them here is a 403 page that says so (the account itself is theirs).
 */
export function requireSection(menu: readonly MenuItem[], account: Account, key: string): MenuItem & { actions: string[] } {
  const item = menu.find((m) => m.key === key)
  if (!item) {
    // The menu, which has the labels, lacks this section: its key reads as its label ("staff" → "Staff").
    const label = menuLabel(key, key.charAt(0).toUpperCase() + key.slice(1))
    error(403, m.common_section_refused({ account: account.name, section: label }))
  }
  return { ...item, actions: item.actions ?? ['view'] }
}

/** The scope chosen in a dialog's scope picker (a member's, an API key's), or the problem with it; `who` ends the question left unanswered. */
export function scopeFrom(form: FormData, who: string): Scope | { error: string } {
  switch (text(form, 'scopeMode')) {
    case 'none':
      return { mode: 'none' }
    case 'all':
      return { mode: 'all' }
    case 'selected':
      return { mode: 'selected', services: list(form, 'scopeServices'), groups: list(form, 'scopeGroups') }
    case 'tagged': {
      const tags = list(form, 'scopeTags').map((t) => t.toLowerCase())
      return tags.length ? { mode: 'tagged', tags: [...new Set(tags)] } : { error: m.common_scope_choose_tag() }
    }
    default:
      return { error: m.common_scope_choose({ who }) }
  }
}
