import type { BadgeTone } from '$lib/components/ui/badge.svelte'
import type { components } from '$lib/api/openapi'
import { m } from '$lib/paraglide/messages.js'

type Ticket = components['schemas']['Ticket']

// Getters, never drawn messages: a map built at import would hold the language of the first request.
export const statusLabel: Record<Ticket['status'], string> = {
  get open() {
    return m.support_status_open()
  },
  get waiting() {
    return m.support_status_waiting()
  },
  get closed() {
    return m.support_status_closed()
  },
}
export const statusTone: Record<Ticket['status'], BadgeTone> = { open: 'primary', waiting: 'warning', closed: 'neutral' }
export const priorityLabel: Record<Ticket['priority'], string> = {
  get low() {
    return m.support_priority_low()
  },
  get normal() {
    return m.support_priority_normal()
  },
  get high() {
    return m.support_priority_high()
  },
  get urgent() {
    return m.support_priority_urgent()
  },
}
export const priorityTone: Record<Ticket['priority'], BadgeTone> = { low: 'neutral', normal: 'neutral', high: 'warning', urgent: 'destructive' }
