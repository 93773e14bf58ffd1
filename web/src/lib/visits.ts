import { getLocale } from '$lib/i18n'
import { m } from '$lib/paraglide/messages.js'

/** How a visit request's status reads, in the order the filter offers them (getters: drawn in the page's language). */
export const visitStatusLabel = {
  get pending() { return m.common_visit_pending() },
  get approved() { return m.common_visit_approved() },
  get declined() { return m.common_visit_declined() },
  get cancelled() { return m.common_visit_cancelled() },
}

/** How a visit's day reads: "Wed 2 Dec 2026" (the site's own calendar day, so no time zone shift). */
export function visitDay(date: string): string {
  const d = new Date(`${date}T12:00:00Z`)
  if (Number.isNaN(d.getTime())) return date
  return new Intl.DateTimeFormat(getLocale() === 'en' ? 'en-GB' : getLocale(), { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d)
}

/** "Wed 2 Dec 2026, 09:00–12:00". */
export function visitWhen(v: { date: string; startTime: string; endTime: string }): string {
  return `${visitDay(v.date)}, ${v.startTime}–${v.endTime}`
}
