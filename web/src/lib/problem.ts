import { getLocale } from '$lib/i18n'

/**
 * What a person reads of an API problem: its `detail` on an English page (the fuller
 * sentence); on a page in another language, `message` — the detail in that language, which
 * the API adds when it has the words (a limit, a field, a right) — else `title`, which the API
 * always translates (decision 034). Safe on the server and in the browser.
 */
export function problemMessage(problem: { title?: string | null; detail?: string | null; message?: string | null }): string {
  const text = getLocale() === 'en' ? problem.detail || problem.title : problem.message || problem.title || problem.detail
  return text ?? ''
}
