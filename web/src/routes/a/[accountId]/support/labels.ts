import type { BadgeTone } from '$lib/components/ui/badge.svelte'
import type { components } from '$lib/api/openapi'
import { m } from '$lib/paraglide/messages.js'
import { messageMap } from '$lib/message-map'

type Ticket = components['schemas']['Ticket']

export const statusLabel: Record<Ticket['status'], string> = messageMap({
  open: m.support_status_open,
  waiting: m.support_status_waiting,
  closed: m.support_status_closed,
})
export const statusTone: Record<Ticket['status'], BadgeTone> = { open: 'primary', waiting: 'warning', closed: 'neutral' }
export const priorityLabel: Record<Ticket['priority'], string> = messageMap({
  low: m.support_priority_low,
  normal: m.support_priority_normal,
  high: m.support_priority_high,
  urgent: m.support_priority_urgent,
})
export const priorityTone: Record<Ticket['priority'], BadgeTone> = { low: 'neutral', normal: 'neutral', high: 'warning', urgent: 'destructive' }
