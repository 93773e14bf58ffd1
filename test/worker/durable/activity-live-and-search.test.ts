import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { ActivityLog } from '../../../worker/src/durable/activity-log.ts'
import type { ActivityEvent, EventInput, Subscriber } from '../../../worker/src/durable/activity-schema.ts'

type Frame = { type: string; events?: ActivityEvent[]; caughtUp?: boolean }

const PATH = '/p/r/'

function logOf(name: string) {
  return env.ACTIVITY.get(env.ACTIVITY.idFromName(`${name}-${crypto.randomUUID()}`)) as DurableObjectStub<ActivityLog>
}

function event(i: number, actor = 'sarah@acme.test', type: EventInput['type'] = 'server_action'): EventInput {
  return {
    accountId: 'r',
    accountPath: PATH,
    type,
    kind: 'action',
    actor: { id: actor, email: actor },
    impersonator: null,
    subject: null,
    target: { kind: 'service', id: `s${i % 3}`, label: `s${i % 3}` },
    description: `${actor} restarted ${i % 2 ? 'firewall' : 'mailbox'} #${i}`,
    ip: '127.0.0.1',
    userAgent: 'test',
  }
}

/** A live socket straight on the object, as the worker opens it; collects frames. */
async function subscribe(log: DurableObjectStub<ActivityLog>) {
  const subscriber: Subscriber = {
    connectionId: crypto.randomUUID(),
    accountId: 'r',
    sessionId: 's1',
    impersonationId: null,
    sessionExpiresAt: Date.now() + 3600_000,
    impersonationExpiresAt: null,
    personId: 'u1',
    userId: 'u1',
    name: 'U',
    email: 'u@acme.test',
    memberPath: PATH,
    events: true,
    details: true,
    filter: { kind: 'all' },
    after: null,
    page: '',
  }
  const res = await log.fetch('https://activity/live', { headers: { upgrade: 'websocket', 'x-trellis-subscriber': JSON.stringify(subscriber) } })
  const ws = res.webSocket!
  const frames: Frame[] = []
  ws.addEventListener('message', (e) => frames.push(JSON.parse(String(e.data)) as Frame))
  ws.accept()
  const live = () => frames.filter((f) => f.type === 'events' && !f.caughtUp)
  const seqs = () => live().flatMap((f) => f.events!.map((e) => e.seq))
  return { ws, frames, live, seqs }
}

async function until(condition: () => boolean, what: string) {
  for (let i = 0; i < 150 && !condition(); i++) await new Promise((r) => setTimeout(r, 20))
  expect(condition(), what).toBe(true)
}

describe('live delivery batches events per socket', () => {
  it('sends a burst of single appends in a few frames of at most 100 events, each event once and in order', async () => {
    const log = logOf('batching')
    const sub = await subscribe(log)
    await until(() => sub.frames.some((f) => f.caughtUp), 'caught up')
    // 300 appends, each its own durable RPC, back to back.
    for (let i = 0; i < 300; i++) await log.append(PATH, event(i))
    await until(() => sub.seqs().length >= 300, 'all 300 delivered')
    await new Promise((r) => setTimeout(r, 150))
    expect(sub.seqs()).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
    expect(sub.live().every((f) => f.events!.length <= 100)).toBe(true)
    // One frame per tick (~50 ms), not one per event.
    expect(sub.live().length).toBeLessThan(100)
    sub.ws.close()
  })

  it('sends an event that arrives after a quiet spell at once, in a frame of its own', async () => {
    const log = logOf('idle')
    const sub = await subscribe(log)
    await until(() => sub.frames.some((f) => f.caughtUp), 'caught up')
    await new Promise((r) => setTimeout(r, 120))
    await log.append(PATH, event(1))
    await until(() => sub.seqs().length === 1, 'delivered')
    expect(sub.live().map((f) => f.events!.length)).toEqual([1])
    sub.ws.close()
  })

  it('gives every subscriber with the same filter the same frames', async () => {
    const log = logOf('shared')
    const a = await subscribe(log)
    const b = await subscribe(log)
    await until(() => a.frames.some((f) => f.caughtUp) && b.frames.some((f) => f.caughtUp), 'caught up')
    await log.appendMany(PATH, Array.from({ length: 150 }, (_, i) => event(i)))
    await until(() => a.seqs().length === 150 && b.seqs().length === 150, 'delivered to both')
    expect(b.live()).toEqual(a.live())
    a.ws.close()
    b.ws.close()
  })
})

describe('search by login + type + text', () => {
  // 120 events: few pass the login + type filter, so the index drives. 3,300: 1,100 pass (over 1 %
  // and over 1,000), so the text matches drive until the cursor leaves fewer. Pages must match.
  for (const size of [120, 3300]) {
    it(`pages through actor + type + text results newest first with no gaps or repeats (${size} events)`, async () => {
      const log = logOf('search-pages')
      const inputs = Array.from({ length: size }, (_, i) =>
        event(i, i % 3 ? 'sarah@acme.test' : 'tom@acme.test', (['server_action', 'update_server', 'login'] as const)[i % 3]),
      )
      for (let i = 0; i < size; i += 1000) await log.appendMany(PATH, inputs.slice(i, i + 1000))
      const filter = { kind: 'all' as const, actor: 'SARAH@acme.test', types: ['server_action' as const, 'update_server' as const], q: 'fire' }
      const all = (await log.list({ kind: 'all' }, size)).items
      const expected = all
        .filter((e) => e.actor?.email === 'sarah@acme.test' && ['server_action', 'update_server'].includes(e.type) && e.description.includes('firewall'))
        .map((e) => e.seq)
      expect(expected.length).toBeGreaterThan(10)
      const seen: number[] = []
      let before: number | undefined
      for (;;) {
        const page = await log.list(filter, size > 1000 ? 97 : 7, before)
        seen.push(...page.items.map((e) => e.seq))
        if (page.nextBefore === null) break
        before = page.nextBefore
      }
      expect(seen).toEqual(expected)
    })
  }

  it('walks the text matches newest first without sorting when many events pass the other filters', async () => {
    const log = logOf('search-plan')
    await runInDurableObject(log, async (_instance: ActivityLog, state) => {
      const plan = state.storage.sql
        .exec(
          "EXPLAIN QUERY PLAN SELECT events.* FROM events_fts CROSS JOIN events ON events.seq = events_fts.rowid WHERE events_fts MATCH ? AND events_fts.rowid < ? AND kind = 'action' AND actor_email = ? AND type IN (?, ?) ORDER BY events_fts.rowid DESC LIMIT 51",
          '"fire"*', 100, 'sarah@acme.test', 'server_action', 'update_server',
        )
        .toArray()
        .map((r) => String(r.detail))
        .join('\n')
      expect(plan).toContain('SCAN events_fts VIRTUAL TABLE')
      expect(plan).toContain('INTEGER PRIMARY KEY')
      expect(plan).not.toContain('TEMP B-TREE')
    })
  })

  it('adds the (actor, type, kind, seq) index to an object created before it, keeping its events', async () => {
    const log = logOf('migrate')
    await log.appendMany(PATH, [event(1), event(2)])
    await runInDurableObject(log, async (instance: ActivityLog, state) => {
      // Make this object look as an older version left it: no index, migration 1 not run.
      state.storage.sql.exec('DROP INDEX events_actor_type')
      state.storage.sql.exec('DELETE FROM _migrations WHERE version = 1')
      ;(instance as unknown as { migrate(): void }).migrate()
      const index = state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'events_actor_type'").toArray()
      expect(index).toHaveLength(1)
      const versions = state.storage.sql.exec('SELECT version FROM _migrations ORDER BY version').toArray().map((r) => r.version)
      expect(versions).toEqual([0, 1])
      const plan = state.storage.sql
        .exec(
          "EXPLAIN QUERY PLAN SELECT seq FROM events INDEXED BY events_actor_type WHERE kind = 'action' AND actor_email = ? AND type IN (?, ?) AND +seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?) ORDER BY seq DESC LIMIT 51",
          'sarah@acme.test', 'server_action', 'update_server', '"fire"*',
        )
        .toArray()
        .map((r) => String(r.detail))
      expect(plan.join('\n')).toContain('COVERING INDEX events_actor_type')
    })
    expect((await log.list({ kind: 'all' }, 10)).items.map((e) => e.seq)).toEqual([2, 1])
    expect((await log.verify()).ok).toBe(true)
  })
})
