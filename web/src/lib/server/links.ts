import { m } from '$lib/paraglide/messages.js'
import { error } from '@sveltejs/kit'
import type { ApiResult } from './api'

/**
 * An emailed link's page (password reset, email confirmation) opened: the link's details while it
 * works, or why it does not (`problemOf` reads the API's code); any other refusal is a 502 page.
 */
export function linkPage<T, P extends string>(result: ApiResult<T>, problemOf: (code: string) => P | null): { link: T; problem: null } | { link: null; problem: P } {
  if (result.ok) return { link: result.data, problem: null }
  const problem = problemOf(result.problem.code)
  if (!problem) error(502, m.common_link_unavailable())
  return { link: null, problem }
}

/** The API's `<prefix>_link_used`, `_expired` and `_invalid` codes, as the link's page says them. */
export function linkProblem(code: string, prefix: 'reset' | 'verification'): 'used' | 'expired' | 'invalid' | null {
  const match = new RegExp(`^${prefix}_link_(used|expired|invalid)$`).exec(code)
  return match ? (match[1] as 'used' | 'expired' | 'invalid') : null
}
