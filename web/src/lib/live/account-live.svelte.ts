/**
 * The shell's one socket per tab to the current account's live endpoint
 * (events=0): who else is online and on which page, and notices of data
 * changes. It tells the server which page the tab shows, on connecting and on
 * every navigation. When the server ends it for good (signed out, access or
 * impersonation ended) `ended` says why, so the shell can tell the person.
 */
import type { LiveChange, PresencePerson } from '$lib/types'
import { LiveSocket, liveUrl, type LiveEnd } from './socket.svelte'

/**
 * An ending is shown only if the tab is still here this long after it: a
 * sign-out or an exit from this very tab navigates away first.
 */
const END_GRACE_MS = 1000

export class AccountLive {
  /** Everyone online in the account (the server includes this user). */
  people = $state<PresencePerson[]>([])
  /** Why live updates stopped for good, once it is worth saying. */
  ended = $state<LiveEnd | null>(null)

  private socket: LiveSocket
  private page: string
  private endTimer: ReturnType<typeof setTimeout> | undefined

  constructor(
    accountId: string,
    page: string,
    private onChanges: (changes: LiveChange[]) => void,
    /** The person's rights changed: refresh the page (menu, data); the socket reconnects after. */
    onRightsChanged: () => Promise<unknown>,
    /** The person's inbox changed (a notice arrived, or was read elsewhere). */
    private onInbox: (unread: number, latest: { title: string; link: string } | null) => void = () => {},
  ) {
    this.page = page
    this.socket = new LiveSocket({
      url: () => liveUrl(accountId, new URLSearchParams({ events: '0', page: this.page })),
      onFrame: (frame) => {
        if (frame.type === 'presence') this.people = frame.people
        else if (frame.type === 'changes' && frame.changes.length) this.onChanges(frame.changes)
        else if (frame.type === 'inbox') this.onInbox(frame.unread, frame.latest)
      },
      onEnd: (why) => {
        this.people = []
        clearTimeout(this.endTimer)
        this.endTimer = setTimeout(() => (this.ended = why), END_GRACE_MS)
      },
      onRightsChanged,
    })
  }

  get status() {
    return this.socket.status
  }

  start() {
    this.socket.start()
  }

  stop() {
    clearTimeout(this.endTimer)
    this.socket.stop()
    this.people = []
  }

  /** The tab now shows another page: tell the others (a reconnect sends it in the URL). */
  setPage(page: string) {
    if (page === this.page) return
    this.page = page
    this.socket.send({ type: 'page', page })
  }
}
