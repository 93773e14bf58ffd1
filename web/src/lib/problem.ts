import { getLocale } from '$lib/i18n'

/**
 * What a person reads of an API problem: its `detail` on an English page (the fuller
 * sentence), its `title` in any other language — the API translates titles into the page's
 * language and keeps details in English (decision 034). Safe on the server and in the browser.
 */
export function problemMessage(problem: { title?: string | null; detail?: string | null }): string {
  const text = getLocale() === 'en' ? problem.detail || problem.title : problem.title || problem.detail
  return text ?? ''
}
