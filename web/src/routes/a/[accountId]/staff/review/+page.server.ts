import { error, fail } from '@sveltejs/kit'
import { client, settle, unwrap } from '$lib/server/api'
import { problemFailure, requireSection, text } from '$lib/server/forms'
import type { Actions, PageServerLoad } from './$types'
import { m } from '$lib/paraglide/messages.js'
import { problemMessage } from '$lib/problem'

/** One page of the access review of this account and the accounts below it (the API decides what the caller sees and may remove). */
export const load: PageServerLoad = async (event) => {
  const id = event.params.accountId
  const { account, menu } = await event.parent()
  const section = requireSection(menu, account, 'staff')
  if (!section.actions.includes('manage')) error(403, m.people_review_needs_manage({ account: account.name }))
  const cursor = event.url.searchParams.get('cursor') ?? undefined
  const review = await settle('access review', client(event).GET('/api/v1/accounts/{id}/access-review', { params: { path: { id }, query: cursor ? { cursor } : {} } }))
  return { review: unwrap(event, review, m.people_account_not_found()), cursor: cursor ?? null }
}

type Decision = { line: string; accountId: string; version: string; keep: boolean }

/** The decisions the page posts, as JSON in one hidden field (checked again by the API). */
function decisionsFrom(raw: string): Decision[] | null {
  try {
    const value: unknown = JSON.parse(raw)
    if (!Array.isArray(value)) return null
    const out: Decision[] = []
    for (const d of value) {
      if (!d || typeof d !== 'object') return null
      const { line, accountId, version, keep } = d as Record<string, unknown>
      if (typeof line !== 'string' || typeof accountId !== 'string' || typeof version !== 'string' || typeof keep !== 'boolean') return null
      out.push({ line, accountId, version, keep })
    }
    return out
  } catch {
    return null
  }
}

export const actions: Actions = {
  apply: async (event) => {
    const form = await event.request.formData()
    const decisions = decisionsFrom(text(form, 'decisions'))
    if (!decisions?.length) return fail(400, { message: m.people_review_mark_first(), errors: {}, code: 'validation_failed' })
    const result = await settle(
      'apply access review',
      client(event).POST('/api/v1/accounts/{id}/access-review', { params: { path: { id: event.params.accountId } }, body: { decisions } }),
    )
    if (!result.ok) {
      if (result.status === 409 || result.status === 403) {
        return fail(result.status, { message: problemMessage(result.problem), errors: {}, code: result.problem.code, lines: result.problem.lines ?? [] })
      }
      return problemFailure(event, result, [])
    }
    return { kept: result.data.kept, removed: result.data.removed }
  },
}
