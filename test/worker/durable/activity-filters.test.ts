import { env } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type ActivityLog } from '../../../worker/src/durable/activity-log.ts'
import { matches } from '../../../worker/src/durable/activity-query.ts'
import { type EventFilter, type EventInput } from '../../../worker/src/durable/activity-schema.ts'

const types = ['login', 'server_action', 'service_created', 'member_created', 'page_view'] as const
const actors = ['sarah@acme.test', 'tom@acme.test', 'owner@acme.test']
const words = ['restarted', 'firewall', 'backup', 'mailbox', 'renamed', 'quota']

const eventArb: fc.Arbitrary<EventInput> = fc
  .record({
    type: fc.constantFrom(...types),
    actor: fc.constantFrom(...actors),
    account: fc.constantFrom('c1', 'c2'),
    target: fc.constantFrom('s1', 's2', 's3'),
    text: fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 3 }),
  })
  .map((e) => ({
    accountId: e.account,
    accountPath: `/p/r/${e.account}/`,
    type: e.type,
    kind: e.type === 'page_view' ? ('page_view' as const) : ('action' as const),
    actor: { id: e.actor, email: e.actor },
    impersonator: null,
    subject: null,
    target: { kind: 'service', id: e.target, label: e.target },
    description: `${e.actor} ${e.text.join(' ')}`,
    ip: '127.0.0.1',
    userAgent: 'test',
  }))

const filterArb: fc.Arbitrary<EventFilter> = fc.record(
  {
    actor: fc.constantFrom(...actors, 'SARAH@acme.test'),
    types: fc.subarray([...types], { minLength: 1 }),
    kind: fc.constantFrom('action' as const, 'all' as const),
    targetId: fc.constantFrom('s1', 's2'),
    accountId: fc.constantFrom('c1', 'c2'),
    q: fc.oneof(fc.constantFrom(...words), fc.constantFrom('fire', 'back up', 'REST', '"quota"', 'nothing-matches', '***', 'serv', 'member creat', 'LOGIN', 'action back')),
  },
  { requiredKeys: ['kind'] },
)

describe('activity filters (SQL + FTS5, and the live matcher)', () => {
  it('finds events by a prefix of their type’s name as well as of their description', async () => {
    const log = env.ACTIVITY.get(env.ACTIVITY.idFromName(`types-${crypto.randomUUID()}`)) as DurableObjectStub<ActivityLog>
    const base = { accountId: 'c1', accountPath: '/p/r/c1/', kind: 'action' as const, impersonator: null, subject: null, target: null, ip: '127.0.0.1', userAgent: 'test' }
    const actor = { id: 'u1', email: 'sarah@acme.test' }
    await log.appendMany('/p/r/', [
      { ...base, type: 'impersonation_start', actor, description: 'sarah@acme.test started acting as dana@driftwood.test' },
      { ...base, type: 'impersonation_end', actor, description: 'sarah@acme.test stopped acting as dana@driftwood.test' },
      { ...base, type: 'server_action', actor, description: 'sarah@acme.test restarted server pos-01' },
    ])
    const found = async (q: string, extra: Partial<EventFilter> = {}) => (await log.list({ kind: 'all', q, ...extra }, 50)).items.map((e) => e.type).sort()
    expect(await found('impersonat')).toEqual(['impersonation_end', 'impersonation_start'])
    expect(await found('impersonat', { actor: 'sarah@acme.test' })).toEqual(['impersonation_end', 'impersonation_start'])
    expect(await found('restar')).toEqual(['server_action'])
    expect(await found('impersonation start')).toEqual(['impersonation_start'])
  })


  it('list() returns exactly the events matches() accepts, for random filters', async () => {
    const log = env.ACTIVITY.get(env.ACTIVITY.idFromName(`filters-${crypto.randomUUID()}`)) as DurableObjectStub<ActivityLog>
    const events = fc.sample(eventArb, { numRuns: 80, seed: 7 })
    await log.appendMany('/p/r/', events.map((e) => structuredClone({ ...e, actor: { ...e.actor! }, target: { ...e.target! } })))
    const all = (await log.list({ kind: 'all' }, 500)).items
    expect(all).toHaveLength(80)
    await fc.assert(
      fc.asyncProperty(filterArb, async (filter) => {
        const listed = (await log.list({ ...filter, types: filter.types && [...filter.types] }, 500)).items.map((e) => e.seq)
        const q = filter.q ? (filter.q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) : null
        const expected = all.filter((e) => matches(e, filter, q)).map((e) => e.seq)
        // A query with no words matches nothing in either.
        if (q && !q.length) expect(listed).toEqual([])
        else expect(listed).toEqual(expected)
      }),
      { numRuns: 150 },
    )
  })
})
