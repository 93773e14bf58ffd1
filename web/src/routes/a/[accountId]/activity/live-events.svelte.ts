/**
 * The Activity page's live feed: an events socket with the page's filters
 * that resumes after the newest event shown, and drops any event already on
 * screen, so reconnects neither miss nor double anything.
 */
import { invalidateAll } from '$app/navigation'
import { activityEvent } from '$lib/live/event-frame'
import { LiveSocket, liveUrl } from '$lib/live/socket.svelte'
import type { ActivityEvent } from '$lib/types'

/** How many live events the page keeps above the loaded ones. */
const KEEP = 500

export class LiveEvents {
  /** Events that arrived live, newest first. */
  events = $state.raw<ActivityEvent[]>([])

  private socket: LiveSocket
  private seen: Set<string>
  private after: number

  constructor(options: {
    accountId: string
    /** The API's filter query (the page's filters). */
    query: string
    /** The events already shown. */
    shown: readonly ActivityEvent[]
    /** The label presence shows for this tab. */
    page: string
  }) {
    this.seen = new Set(options.shown.map((e) => e.id))
    this.after = options.shown.reduce((max, e) => Math.max(max, e.seq), 0)
    this.socket = new LiveSocket({
      url: () => {
        const query = new URLSearchParams(options.query)
        query.set('events', '1')
        query.set('after', String(this.after))
        query.set('page', options.page)
        return liveUrl(options.accountId, query)
      },
      readEvent: activityEvent,
      onFrame: (frame) => {
        if (frame.type === 'events') this.receive(frame.events)
      },
      // Rights changed: reload the page first (it may no longer be allowed), then resume. An ending for good
      // shows as the status; the shell says why.
      onRightsChanged: () => invalidateAll(),
    })
  }

  get status() {
    return this.socket.status
  }

  start() {
    this.socket.start()
  }

  stop() {
    this.socket.stop()
  }

  private receive(events: ActivityEvent[]) {
    const fresh: ActivityEvent[] = []
    for (const event of events) {
      this.after = Math.max(this.after, event.seq)
      if (this.seen.has(event.id)) continue
      this.seen.add(event.id)
      fresh.push(event)
    }
    if (!fresh.length) return
    fresh.sort((a, b) => b.seq - a.seq)
    this.events = [...fresh, ...this.events].slice(0, KEEP)
  }
}
