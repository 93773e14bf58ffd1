import { env, runInDurableObject } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { exportActivity, type ExportFormat } from '../../../worker/src/domain/activity-export.ts'
import type { ActivityLog } from '../../../worker/src/durable/activity-log.ts'
import { toEvent, type EventFilter, type EventInput, type Row } from '../../../worker/src/durable/activity-schema.ts'

// Exports are built by SQLite and served in slices; these tests hold them to the format the
// per-row JavaScript wrote before (kept below as the reference) and to "one slice or many,
// the same file".

const newLog = () => {
  const name = `export-${crypto.randomUUID()}`
  return { name, stub: env.ACTIVITY.get(env.ACTIVITY.idFromName(name)) as DurableObjectStub<ActivityLog> }
}

const COLUMNS = ['id', 'time', 'account_id', 'type', 'kind', 'actor_email', 'impersonator_email', 'subject_email', 'target_kind', 'target_id', 'target_label', 'description', 'ip', 'user_agent'] as const

/** The previous export's formatting, row by row in JavaScript: the reference. */
function referenceCsvCell(v: unknown) {
  const s = v === null || v === undefined ? '' : String(v)
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
  return `"${safe.replaceAll('"', '""')}"`
}
function reference(rows: Row[], format: ExportFormat) {
  if (format === 'ndjson') return rows.map((r) => JSON.stringify(toEvent(r)) + '\n').join('')
  return (
    COLUMNS.join(',') +
    '\n' +
    rows.map((r) => COLUMNS.map((c) => referenceCsvCell(c === 'time' ? new Date(Number(r.time)).toISOString() : r[c])).join(',') + '\n').join('')
  )
}

/** The stored rows (oldest first) that pass `filter`, as the log's own search finds them. */
async function rowsOf(stub: DurableObjectStub<ActivityLog>, filter: EventFilter = { kind: 'all' }) {
  const seqs = new Set((await stub.list(filter, 100_000)).items.map((e) => e.seq))
  const all = await runInDurableObject(stub, (_i: ActivityLog, state) => state.storage.sql.exec('SELECT * FROM events ORDER BY seq').toArray() as Row[])
  return all.filter((r) => seqs.has(Number(r.seq)))
}

async function download(name: string, filter: EventFilter, format: ExportFormat, sliceSeqs?: number) {
  return new Response(await exportActivity(env, name, filter, format, sliceSeqs)).text()
}

const units = ['a', 'Z', ' ', ',', '"', "'", '\n', '\r', '\t', '=', '+', '-', '@', '\\', '/', 'é', '✓', '😀', '\u0001', '\u001f', '\u007f', '\u2028', '<', '}']
/** What people type: anything, even a NUL. */
const text = fc.string({ unit: fc.constantFrom(...units, '\u0000'), maxLength: 12 })
/** Columns no one types freely (validated emails, HTTP headers, our constants) never hold a NUL. */
const plain = fc.string({ unit: fc.constantFrom(...units), maxLength: 12 })
const person = fc.option(fc.record({ id: fc.string({ minLength: 1, maxLength: 8 }), email: plain }), { nil: null })
const eventArb: fc.Arbitrary<EventInput> = fc.record({
  accountId: fc.constantFrom('c1', '=c2', 'c"3'),
  accountPath: fc.constantFrom('/p/r/c1/', '/p/r/=c2/'),
  type: fc.constantFrom('login', 'server_action', 'service_created', 'page_view'),
  kind: fc.constantFrom('action', 'page_view'),
  actor: person,
  impersonator: person,
  subject: person,
  target: fc.option(fc.record({ kind: plain, id: fc.string({ minLength: 1, maxLength: 8 }), label: text }), { nil: null }),
  description: text,
  ip: fc.constantFrom('127.0.0.1', '::1', '-1'),
  userAgent: plain,
})

describe('activity export', () => {
  it('writes exactly what the row-by-row export wrote, for any text (quotes, newlines, formulas, control characters, emoji)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 5 }), async (events, slice) => {
        const { name, stub } = newLog()
        // (fast-check's records have no prototype, which RPC cannot send.)
        await stub.appendMany('/p/r/', JSON.parse(JSON.stringify(events)) as EventInput[])
        const rows = await rowsOf(stub)
        for (const format of ['csv', 'ndjson'] as const) {
          expect(await download(name, { kind: 'all' }, format, slice)).toBe(reference(rows, format))
        }
      }),
      { numRuns: 25 },
    )
  })

  it('writes times as Date#toISOString does, across centuries and at every millisecond', async () => {
    const { name, stub } = newLog()
    const base = { accountId: 'c1', accountPath: '/p/r/c1/', type: 'login' as const, kind: 'action' as const, actor: null, impersonator: null, subject: null, target: null, description: 'x', ip: '1', userAgent: 'u' }
    const times = [0, 1, 999, 1000, 86_399_999, 951_782_400_000, 1_764_478_894_123, 4_102_444_799_999, 253_402_300_799_999]
    await stub.receive('/p/r/', times.map((time, i) => ({ ...base, id: `t${i}`, time })))
    const csv = await download(name, { kind: 'all' }, 'csv')
    expect(csv.trim().split('\n').slice(1).map((l) => l.split(',')[1])).toEqual(times.map((t) => `"${new Date(t).toISOString()}"`))
  })

  it('gives the same file in one slice or many: no row lost or repeated at a slice boundary', async () => {
    const { name, stub } = newLog()
    const events = Array.from({ length: 230 }, (_, i): EventInput => ({
      accountId: 'c1',
      accountPath: '/p/r/c1/',
      type: i % 3 ? 'server_action' : 'login',
      kind: i % 4 ? 'action' : 'page_view',
      actor: { id: `u${i % 5}`, email: `user${i % 5}@acme.test` },
      impersonator: null,
      subject: null,
      target: { kind: 'service', id: `s${i % 7}`, label: `server ${i}` },
      description: `user${i % 5}@acme.test ${i % 2 ? 'restarted' : 'renamed'} server ${i}`,
      ip: '127.0.0.1',
      userAgent: 'test',
    }))
    await stub.appendMany('/p/r/', events)
    for (const format of ['csv', 'ndjson'] as const) {
      const whole = await download(name, { kind: 'all' }, format)
      expect(whole).toBe(reference(await rowsOf(stub), format))
      for (const slice of [1, 2, 7, 100, 229, 230, 231]) expect(await download(name, { kind: 'all' }, format, slice), `${format}, slices of ${slice}`).toBe(whole)
    }
    const ids = (await download(name, { kind: 'all' }, 'ndjson', 7)).trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq)
    expect(ids).toEqual(Array.from({ length: 230 }, (_, i) => i + 1))
  })

  it('crosses chunk boundaries inside a slice, where the filter keeps every row and where it keeps one in fifty', async () => {
    const { name, stub } = newLog()
    // 17,000 events: past two chunks of 8,000 seqs where every row is kept, and a doubled chunk where few are.
    for (let b = 0; b < 17; b++) {
      await stub.appendMany(
        '/p/r/',
        Array.from({ length: 1000 }, (_, k): EventInput => {
          const i = b * 1000 + k
          return { accountId: 'c1', accountPath: '/p/r/c1/', type: 'server_action', kind: 'action', actor: { id: `u${i % 50}`, email: `user${i % 50}@acme.test` }, impersonator: null, subject: null, target: null, description: `event ${i}`, ip: '127.0.0.1', userAgent: 'test' }
        }),
      )
    }
    for (const filter of [{ kind: 'all' }, { kind: 'all', actor: 'user7@acme.test' }] satisfies EventFilter[]) {
      const expected = reference(await rowsOf(stub, filter), 'ndjson')
      expect(expected.split('\n').length - 1).toBe(filter.actor ? 340 : 17_000)
      for (const slice of [undefined, 9999, 8001, 7999]) expect(await download(name, filter, 'ndjson', slice), `${JSON.stringify(filter)} ${slice}`).toBe(expected)
    }
  })

  it('applies every filter across slices as the log’s search does', async () => {
    const { name, stub } = newLog()
    const start = Date.now()
    await stub.appendMany(
      '/p/r/',
      Array.from({ length: 120 }, (_, i): EventInput => ({
        accountId: i % 2 ? 'c1' : 'c2',
        accountPath: '/p/r/c1/',
        type: (['login', 'server_action', 'service_created'] as const)[i % 3]!,
        kind: i % 5 ? 'action' : 'page_view',
        actor: { id: `u${i % 4}`, email: `user${i % 4}@acme.test` },
        impersonator: null,
        subject: null,
        target: { kind: 'service', id: `s${i % 6}`, label: `server ${i}` },
        description: `user${i % 4}@acme.test ${['restarted', 'renamed', 'backed up'][i % 3]} server ${i}`,
        ip: '127.0.0.1',
        userAgent: 'test',
      })),
    )
    const filters: EventFilter[] = [
      { kind: 'action' },
      { kind: 'all', actor: 'USER1@acme.test' },
      { kind: 'all', types: ['login', 'service_created'] },
      { kind: 'action', targetId: 's3' },
      { kind: 'all', accountId: 'c2' },
      { kind: 'all', q: 'restart' },
      { kind: 'all', q: 'server login' },
      { kind: 'action', actor: 'user2@acme.test', q: 'backed' },
      { kind: 'all', from: start - 1000, to: Date.now() + 1000, types: ['server_action'] },
      { kind: 'all', to: start - 1000 },
      { kind: 'all', q: '***' },
    ]
    for (const filter of filters) {
      const rows = await rowsOf(stub, filter)
      for (const format of ['csv', 'ndjson'] as const) {
        const expected = reference(rows, format)
        for (const slice of [undefined, 1, 9, 50]) expect(await download(name, filter, format, slice), `${JSON.stringify(filter)} ${format} ${slice}`).toBe(expected)
      }
    }
    expect((await rowsOf(stub, { kind: 'all', q: 'restart' })).length).toBe(40)
  })

  it('ends at the newest event the log held when it began, and starts at the oldest retention left', async () => {
    const { name, stub } = newLog()
    const base = { accountId: 'c1', accountPath: '/p/r/c1/', type: 'login' as const, kind: 'action' as const, actor: null, impersonator: null, subject: null, target: null, ip: '1', userAgent: 'u' }
    const old = Date.now() - 500 * 24 * 3600_000
    await stub.receive('/p/r/', Array.from({ length: 5 }, (_, i) => ({ ...base, id: `old${i}`, time: old + i, description: `old ${i}` })))
    await stub.appendMany('/p/r/', Array.from({ length: 20 }, (_, i) => ({ ...base, description: `kept ${i}` })))
    await runInDurableObject(stub, (instance: ActivityLog) => instance.applyRetention())
    const reader = (await exportActivity(env, name, { kind: 'all' }, 'ndjson', 3)).getReader()
    const first = await reader.read()
    // Events appended while the download runs belong to the next export.
    await stub.appendMany('/p/r/', Array.from({ length: 10 }, (_, i) => ({ ...base, description: `later ${i}` })))
    const rest = await new Response(new ReadableStream({ pull: async (c) => { const r = await reader.read(); if (r.done) c.close(); else c.enqueue(r.value) } })).text()
    const lines = (new TextDecoder().decode(first.value) + rest).trim().split('\n').map((l) => JSON.parse(l) as { description: string })
    expect(lines.map((e) => e.description)).toEqual(Array.from({ length: 20 }, (_, i) => `kept ${i}`))
  })
})
