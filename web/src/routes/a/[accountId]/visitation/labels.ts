import { getLocale } from '$lib/i18n'
import { m } from '$lib/paraglide/messages.js'

/** How a visit request's status reads in the page's language, in the order the filter offers them. */
export const visitStatusLabel = {
  get pending() {
    return m.visits_status_pending()
  },
  get approved() {
    return m.visits_status_approved()
  },
  get declined() {
    return m.visits_status_declined()
  },
  get cancelled() {
    return m.visits_status_cancelled()
  },
}

const dayFormats = new Map<string, Intl.DateTimeFormat>()

/** How a visit's day reads: "Wed 2 Dec 2026", "mer. 2 déc. 2026" (the site's own calendar day, so no time zone shift). */
export function visitDay(date: string): string {
  const d = new Date(`${date}T12:00:00Z`)
  if (Number.isNaN(d.getTime())) return date
  // English keeps the day-month order the portal has always shown.
  const locale = getLocale() === 'en' ? 'en-GB' : getLocale()
  let format = dayFormats.get(locale)
  if (!format) dayFormats.set(locale, (format = new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })))
  return format.format(d)
}

/** "Wed 2 Dec 2026, 09:00–12:00". */
export function visitWhen(v: { date: string; startTime: string; endTime: string }): string {
  return `${visitDay(v.date)}, ${v.startTime}–${v.endTime}`
}
