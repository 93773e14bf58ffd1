/**
 * Success messages after an action ("Role created"), and quiet notices of what
 * others changed ("sarah@acme.test added a member"). Client-side only: they
 * are pushed from form callbacks and the live socket in the browser, so the
 * server never holds any.
 */
export interface Toast {
  id: number
  message: string
  tone: 'success' | 'error' | 'info'
}

let items = $state<Toast[]>([])
let nextId = 1

/** How long a toast stays, unless dismissed. */
const LIFETIME = 5000

export const toasts = {
  get items(): readonly Toast[] {
    return items
  },
  /** Show a message for a few seconds. */
  push(message: string, tone: Toast['tone'] = 'success') {
    const id = nextId++
    items = [...items, { id, message, tone }]
    setTimeout(() => toasts.dismiss(id), LIFETIME)
  },
  dismiss(id: number) {
    items = items.filter((t) => t.id !== id)
  },
}
