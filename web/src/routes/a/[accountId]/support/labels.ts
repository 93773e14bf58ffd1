import type { BadgeTone } from '$lib/components/ui/badge.svelte'
import type { components } from '$lib/api/openapi'

type Ticket = components['schemas']['Ticket']

export const statusLabel: Record<Ticket['status'], string> = { open: 'Awaiting support', waiting: 'Awaiting customer', closed: 'Closed' }
export const statusTone: Record<Ticket['status'], BadgeTone> = { open: 'primary', waiting: 'warning', closed: 'neutral' }
export const priorityLabel: Record<Ticket['priority'], string> = { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' }
export const priorityTone: Record<Ticket['priority'], BadgeTone> = { low: 'neutral', normal: 'neutral', high: 'warning', urgent: 'destructive' }
