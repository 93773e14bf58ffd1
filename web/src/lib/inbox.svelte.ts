/**
 * The person's unread notices, as the top bar's bell shows them: the count the
 * page loaded with, then whatever the live socket says (a notice arrived, or
 * was read in another tab). Notices themselves are fetched when the bell opens.
 */
import type { components } from '$lib/api/openapi'

export type Notice = components['schemas']['Notice']

export class Inbox {
  unread = $state(0)

  constructor(unread: number) {
    this.unread = unread
  }

  /** The latest notices, straight from the API (same origin: the session cookie goes along). */
  async latest(limit = 8): Promise<Notice[] | null> {
    try {
      const res = await fetch(`/api/v1/me/notifications?limit=${limit}`, { headers: { accept: 'application/json' } })
      if (!res.ok) return null
      const body = (await res.json()) as { items: Notice[]; unread: number }
      this.unread = body.unread
      return body.items
    } catch {
      return null
    }
  }

  /** Mark some notices (or all of them) read; false when the API refused (acting as someone, say). */
  async markRead(ids?: string[]): Promise<boolean> {
    try {
      const res = await fetch('/api/v1/me/notifications/read', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(ids ? { ids } : {}),
      })
      if (!res.ok) return false
      this.unread = ((await res.json()) as { unread: number }).unread
      return true
    } catch {
      return false
    }
  }
}
