/** How a visit request's status reads, in the order the filter offers them. */
export const visitStatusLabel = { pending: 'Pending', approved: 'Approved', declined: 'Declined', cancelled: 'Cancelled' } as const

/** How a visit's day reads: "Wed 2 Dec 2026" (the site's own calendar day, so no time zone shift). */
export function visitDay(date: string): string {
  const d = new Date(`${date}T12:00:00Z`)
  if (Number.isNaN(d.getTime())) return date
  return new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d)
}

/** "Wed 2 Dec 2026, 09:00–12:00". */
export function visitWhen(v: { date: string; startTime: string; endTime: string }): string {
  return `${visitDay(v.date)}, ${v.startTime}–${v.endTime}`
}
