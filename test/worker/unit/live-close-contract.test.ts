import { describe, expect, it } from 'vitest'
import { liveClose as server } from '../../../worker/src/durable/live-close.ts'
import { liveClose as web, liveCloseKind } from '../../../web/src/lib/live/close-codes.ts'

// The web app keeps its own copy of the live socket's close codes (it imports nothing from the
// worker): if the two drift, a tab would reconnect after a sign-out or stop after a role change.
describe('live socket close codes', () => {
  it('are the same in the worker and the web app', () => {
    expect(web).toEqual(server)
  })

  it('name each ending by its code, and nothing else', () => {
    for (const [kind, { code }] of Object.entries(server)) expect(liveCloseKind(code)).toBe(kind)
    expect(liveCloseKind(1000)).toBeNull()
    expect(liveCloseKind(1006)).toBeNull()
  })
})
