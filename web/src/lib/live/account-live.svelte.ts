/**
 * The shell's one socket per tab to the current account's live endpoint
 * (events=0): who else is online and on which page, and notices of data
 * changes. It tells the server which page the tab shows, on connecting and on
 * every navigation.
 */
import type { LiveChange, PresencePerson } from '$lib/types'
import { LiveSocket, liveUrl } from './socket.svelte'

export class AccountLive {
  /** Everyone online in the account (the server includes this user). */
  people = $state<PresencePerson[]>([])

  private socket: LiveSocket
  private page: string

  constructor(
    accountId: string,
    page: string,
    private onChanges: (changes: LiveChange[]) => void,
  ) {
    this.page = page
    this.socket = new LiveSocket({
      url: () => liveUrl(accountId, new URLSearchParams({ events: '0', page: this.page })),
      onFrame: (frame) => {
        if (frame.type === 'presence') this.people = frame.people
        else if (frame.type === 'changes' && frame.changes.length) this.onChanges(frame.changes)
      },
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
    this.people = []
  }

  /** The tab now shows another page: tell the others (a reconnect sends it in the URL). */
  setPage(page: string) {
    if (page === this.page) return
    this.page = page
    this.socket.send({ type: 'page', page })
  }
}
