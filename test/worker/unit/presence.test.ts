import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { mergePeople, presenceFrames, presenceShare, type Person } from '../../../worker/src/durable/live-frames.ts'

const paths = ['/a/', '/a/b/', '/a/b/c/', '/a/d/', '/e/'] as const

/** Connections in the order they were made: a person may hold several, on any page, at any (non-decreasing) clock. */
const connections = fc
  .array(fc.record({ user: fc.constantFrom('u1', 'u2', 'u3', 'u4'), page: fc.string({ maxLength: 6 }), tick: fc.nat({ max: 3 }), path: fc.constantFrom(...paths) }), { maxLength: 30 })
  .map((list) => {
    let clock = 1000
    return list.map(({ user, page, tick, path }): Person => {
      clock += tick // a Worker's clock may stand still between two connections
      return { userId: user, name: user, email: `${user}@x.test`, page, since: clock, memberPath: path }
    })
  })

describe('presence', () => {
  it('shows each person once, on the page of their newest connection (the later one when the clock stood still)', () => {
    fc.assert(
      fc.property(connections, (people) => {
        const merged = mergePeople([people])
        expect(merged.map((p) => p.userId)).toEqual([...new Set(people.map((p) => p.userId))])
        for (const p of merged) expect(p).toBe(people.filter((q) => q.userId === p.userId).at(-1))
      }),
    )
  })

  it('gives each viewer only people inside its own tree, at most the limit, and loses no one a viewer could see when shares travel', () => {
    fc.assert(
      fc.property(connections, fc.nat({ max: 4 }), (people, max) => {
        const merged = mergePeople([people])
        const frames = presenceFrames(paths, merged, max)
        for (const viewer of paths) {
          const shown = (JSON.parse(frames.get(viewer)!) as { people: Omit<Person, 'memberPath'>[] }).people
          const inside = merged.filter((p) => p.memberPath.startsWith(viewer))
          expect(shown.length).toBe(Math.min(max, inside.length))
          for (const p of shown) expect(inside.map((q) => q.userId)).toContain(p.userId)
          expect(shown.every((p) => !('memberPath' in p))).toBe(true)
        }
        // What a holder tells the others keeps, per path, the newest `max`: enough for any viewer's frame.
        const share = presenceShare(merged, max)
        for (const path of paths) {
          const here = merged.filter((p) => p.memberPath === path)
          expect(share.filter((p) => p.memberPath === path).length).toBe(Math.min(here.length, max))
        }
      }),
    )
  })

  it('never shows a customer the reseller staff above it', () => {
    const staff: Person = { userId: 's', name: 'Sarah', email: 'sarah@acme.test', page: 'Services', since: 1, memberPath: '/acme/' }
    const customer: Person = { userId: 'c', name: 'Cam', email: 'owner@bluebird.test', page: 'Home', since: 2, memberPath: '/acme/bluebird/' }
    const frames = presenceFrames(['/acme/', '/acme/bluebird/'], [staff, customer], 10)
    expect(JSON.parse(frames.get('/acme/bluebird/')!).people.map((p: Person) => p.email)).toEqual(['owner@bluebird.test'])
    expect(JSON.parse(frames.get('/acme/')!).people.map((p: Person) => p.email)).toEqual(['sarah@acme.test', 'owner@bluebird.test'])
  })
})
