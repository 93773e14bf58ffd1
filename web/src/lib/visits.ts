import { getLocale } from '$lib/i18n'
import { m } from '$lib/paraglide/messages.js'
import { messageMap } from '$lib/message-map'

/** How a visit request's status reads, in the order the filter offers them. */
export const visitStatusLabel = messageMap({
  pending: m.common_visit_pending,
  approved: m.common_visit_approved,
  declined: m.common_visit_declined,
  cancelled: m.common_visit_cancelled,
})

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
