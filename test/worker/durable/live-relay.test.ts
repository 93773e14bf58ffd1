import { env, runInDurableObject, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { ActivityLog } from '../../../worker/src/durable/activity-log.ts'
import type { ActivityEvent, EventInput } from '../../../worker/src/durable/activity-schema.ts'
import { liveClose } from '../../../worker/src/durable/live-close.ts'
import { accountId, api, login, membershipId } from '../../helpers/client.ts'

// The relay tier of the live fan-out (docs/decisions/029): sockets opened through the API are
// held by relay objects (LIVE_RELAYS in wrangler.toml), which the log publishes each flush to.

type Frame = { type: string; events?: ActivityEvent[]; caughtUp?: boolean; people?: { email: string }[]; changes?: unknown[] }

const log = (id: string) => env.ACTIVITY.get(env.ACTIVITY.idFromName(id)) as DurableObjectStub<ActivityLog>

async function pathOf(account: string) {
  return (await env.DB.prepare('SELECT path FROM accounts WHERE id = ?').bind(account).first<{ path: string }>())!.path
}

function event(account: string, path: string, i: number): EventInput {
  return {
    accountId: account,
    accountPath: path,
    type: 'server_action',
    kind: 'action',
    actor: { id: 'usr_relay_test', email: 'relay@acme.test' },
    impersonator: null,
    subject: null,
    target: { kind: 'service', id: `svc_${i % 7}`, label: `svc-${i % 7}` },
    description: `relay test #${i}`,
    ip: '127.0.0.1',
    userAgent: 'test',
  }
}

/** Open a live socket through the API (as the web app does); collects frames. */
async function connect(cookie: string, account: string, query = '') {
  const res = await SELF.fetch(`http://localhost/api/v1/accounts/${account}/activity/live${query}`, { headers: { upgrade: 'websocket', cookie } })
  if (res.status !== 101) throw new Error(`live answered ${res.status}: ${await res.text()}`)
  const ws = res.webSocket!
  const frames: Frame[] = []
  const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)))
  ws.addEventListener('message', (e) => frames.push(JSON.parse(String(e.data)) as Frame))
  ws.accept()
  const seqs = () => frames.flatMap((f) => (f.type === 'events' ? f.events!.map((e) => e.seq) : []))
  return { ws, frames, closed, seqs }
}

/** The relay each of the account's registered sockets is held by (null: the log itself). */
async function relays(account: string) {
  const { results } = await env.DB.prepare('SELECT relay FROM live_connections WHERE account_id = ? ORDER BY opened_at').bind(account).all<{ relay: number | null }>()
  return results.map((r) => r.relay)
}

async function until(condition: () => boolean | Promise<boolean>, what: string, tries = 250) {
  for (let i = 0; i < tries && !(await condition()); i++) await new Promise((r) => setTimeout(r, 20))
  expect(await condition(), what).toBe(true)
}

async function closeCode(conn: { closed: Promise<number> }, ms = 1500) {
  return Promise.race([conn.closed, new Promise<null>((r) => setTimeout(() => r(null), ms))])
}

const lastSeq = async (account: string) => (await log(account).list({ kind: 'all' }, 1)).items[0]?.seq ?? 0

describe('live events through relays', () => {
  it('gives every watcher every event exactly once and in order, whichever relay holds it', async () => {
    const acme = await accountId('Acme Hosting')
    const path = await pathOf(acme)
    const owner = await login('owner@acme.test')
    const watchers: Awaited<ReturnType<typeof connect>>[] = []
    for (let i = 0; i < 8; i++) watchers.push(await connect(owner, acme, '?events=1&kind=all'))
    await until(() => watchers.every((w) => w.frames.some((f) => f.caughtUp)), 'caught up')
    const held = await relays(acme)
    expect(held.every((r) => r !== null)).toBe(true)
    expect(new Set(held).size).toBeGreaterThan(1)
    const start = await lastSeq(acme)
    // Single durable appends back to back (each flush is published once per relay), then a bulk one.
    for (let i = 0; i < 150; i++) await log(acme).append(path, event(acme, path, i))
    await log(acme).appendMany(path, Array.from({ length: 250 }, (_, i) => event(acme, path, 150 + i)))
    const expected = Array.from({ length: 400 }, (_, i) => start + i + 1)
    await until(() => watchers.every((w) => w.seqs().filter((s) => s > start).length >= 400), 'all delivered')
    await new Promise((r) => setTimeout(r, 150))
    for (const w of watchers) expect(w.seqs().filter((s) => s > start)).toEqual(expected)
    for (const w of watchers) w.ws.close()
  })

  it('resumes by `after` through a relay: the replay, then live events, none missed or doubled (replays longer than a page too)', async () => {
    const acme = await accountId('Acme Hosting')
    const path = await pathOf(acme)
    const owner = await login('owner@acme.test')
    const first = await connect(owner, acme, '?events=1&kind=all')
    await until(() => first.frames.some((f) => f.caughtUp), 'caught up')
    const from = await lastSeq(acme)
    first.ws.close()
    // Missed while away: more than one replay page (1,000) of the relay's catch-up.
    for (let i = 0; i < 2500; i += 500) await log(acme).appendMany(path, Array.from({ length: 500 }, (_, k) => event(acme, path, i + k)))
    const again = await connect(owner, acme, `?events=1&kind=all&after=${from}`)
    expect((await relays(acme)).at(-1)).not.toBeNull()
    // Appends while the replay is under way follow it.
    const more = (async () => {
      for (let i = 0; i < 60; i++) await log(acme).append(path, event(acme, path, 2500 + i))
    })()
    await more
    await until(() => again.seqs().filter((s) => s > from).length >= 2560, 'replayed and live')
    await new Promise((r) => setTimeout(r, 150))
    expect(again.seqs()).toEqual(Array.from({ length: 2560 }, (_, i) => from + i + 1))
    expect(again.frames.filter((f) => f.caughtUp)).toHaveLength(1)
    again.ws.close()
  })

  it('fills a gap from the log when a flush to the relay is lost', async () => {
    const acme = await accountId('Acme Hosting')
    const path = await pathOf(acme)
    const watcher = await connect(await login('owner@acme.test'), acme, '?events=1&kind=all')
    await until(() => watcher.frames.some((f) => f.caughtUp), 'caught up')
    const start = await lastSeq(acme)
    await log(acme).append(path, event(acme, path, 0))
    await until(() => watcher.seqs().includes(start + 1), 'first delivered')
    // The next flush never reaches any relay (as when one fails); the one after does.
    await runInDurableObject(log(acme), (instance: ActivityLog) => {
      const relaysOf = (instance as unknown as { relays: { publish(batch: unknown[]): void } }).relays
      const publish = relaysOf.publish.bind(relaysOf)
      let drop = true
      relaysOf.publish = (batch) => (drop ? (drop = false) : publish(batch))
    })
    await log(acme).append(path, event(acme, path, 1))
    await new Promise((r) => setTimeout(r, 120))
    expect(watcher.seqs()).not.toContain(start + 2)
    await log(acme).append(path, event(acme, path, 2))
    await until(() => watcher.seqs().includes(start + 3), 'after the gap')
    expect(watcher.seqs().filter((s) => s > start)).toEqual([start + 1, start + 2, start + 3])
    watcher.ws.close()
  })

  it('never sends a sibling tenant’s events or notices: each account’s relays are its own', async () => {
    // Protects against: relay objects shared by number across accounts leaking one reseller's activity to another.
    const acme = await accountId('Acme Hosting')
    const globex = await accountId('Globex Partners')
    const path = await pathOf(acme)
    const globexOwner = await login('owner@globex.test')
    const theirs = [await connect(globexOwner, globex, '?events=1&kind=all'), await connect(globexOwner, globex)]
    for (let i = 0; i < 6; i++) theirs.push(await connect(globexOwner, globex, '?events=1&kind=all'))
    const ours = await connect(await login('owner@acme.test'), acme, '?events=1&kind=all')
    await until(() => ours.frames.some((f) => f.caughtUp), 'caught up')
    expect((await relays(globex)).every((r) => r !== null)).toBe(true)
    const start = await lastSeq(acme)
    for (let i = 0; i < 20; i++) await log(acme).append(path, event(acme, path, i))
    await until(() => ours.seqs().filter((s) => s > start).length === 20, 'acme hears its own')
    await new Promise((r) => setTimeout(r, 200))
    for (const t of theirs) {
      expect(JSON.stringify(t.frames)).not.toContain('relay test #')
      expect(t.frames.filter((f) => f.type === 'changes')).toEqual([])
    }
    for (const c of [...theirs, ours]) c.ws.close()
  })

  it('shows presence across relays: people on different relays see each other', async () => {
    const acme = await accountId('Acme Hosting')
    const sarah = await connect(await login('sarah@acme.test'), acme, '?page=Services')
    const sarahRelay = (await relays(acme)).at(-1)
    // Open the owner's socket until it lands on another relay than Sarah's.
    let owner = await connect(await login('owner@acme.test'), acme, '?page=Dashboard')
    for (let i = 0; i < 20 && (await relays(acme)).at(-1) === sarahRelay; i++) {
      owner.ws.close()
      await until(async () => (await relays(acme)).length === 1, 'closed')
      owner = await connect(await login('owner@acme.test'), acme, '?page=Dashboard')
    }
    expect((await relays(acme)).at(-1)).not.toBe(sarahRelay)
    const latest = (c: { frames: Frame[] }) => c.frames.filter((f) => f.type === 'presence').at(-1)?.people ?? []
    await until(() => latest(sarah).length === 2 && latest(owner).length === 2, 'both see both')
    owner.ws.close()
    await until(() => latest(sarah).length === 1, 'the owner left')
    sarah.ws.close()
  })
})

describe('rule 15 through relays (decision 011)', () => {
  it('closes a removed member’s socket held by a relay', async () => {
    const acme = await accountId('Acme Hosting')
    const tom = await connect(await login('tom@acme.test'), acme)
    expect((await relays(acme)).at(-1)).not.toBeNull()
    const res = await api(`/accounts/${acme}/members/${await membershipId('tom@acme.test', 'Acme Hosting')}`, { method: 'DELETE', cookie: await login('owner@acme.test') })
    expect(res.status).toBe(204)
    expect(await closeCode(tom)).toBe(liveClose.accessEnded.code)
  })

  it('asks a relay-held socket to reconnect when rights are lowered, and the reconnect is refused the events', async () => {
    const acme = await accountId('Acme Hosting')
    const sarah = await connect(await login('sarah@acme.test'), acme, '?events=1')
    expect((await relays(acme)).at(-1)).not.toBeNull()
    const patch = await api(`/accounts/${acme}/members/${await membershipId('sarah@acme.test', 'Acme Hosting')}`, { method: 'PATCH', cookie: await login('owner@acme.test'), json: { roles: ['manager', 'technical'] } })
    expect(patch.status).toBe(200)
    expect(await closeCode(sarah)).toBe(liveClose.rightsChanged.code)
    const again = await SELF.fetch(`http://localhost/api/v1/accounts/${acme}/activity/live?events=1`, { headers: { upgrade: 'websocket', cookie: await login('sarah@acme.test') } })
    expect(again.status).toBe(403)
  })

  it('closes relay-held sockets of a disabled account’s people', async () => {
    const acme = await accountId('Acme Hosting')
    const bluebird = await accountId('Bluebird Bakery')
    const customer = await connect(await login('owner@bluebird.test'), bluebird)
    expect((await relays(bluebird)).at(-1)).not.toBeNull()
    expect((await api(`/accounts/${acme}/customers/${bluebird}/disable`, { method: 'POST', cookie: await login('owner@acme.test'), json: { reason: 'Paused' } })).status).toBe(200)
    expect(await closeCode(customer)).toBe(liveClose.accessEnded.code)
  })

  it('marks a person’s own changes `mine` in frames built only for their relay-held sockets', async () => {
    const acme = await accountId('Acme Hosting')
    const path = await pathOf(acme)
    const tomId = (await env.DB.prepare("SELECT id FROM users WHERE email = 'tom@acme.test'").first<{ id: string }>())!.id
    const tom = await connect(await login('tom@acme.test'), acme)
    const sarah = await connect(await login('sarah@acme.test'), acme)
    await new Promise((r) => setTimeout(r, 150))
    await log(acme).append(path, { ...event(acme, path, 1), actor: { id: tomId, email: 'tom@acme.test' } })
    // (Notices of other changes may arrive too: a previous test's events still being forwarded up.)
    const changes = (c: { frames: Frame[] }) =>
      c.frames.flatMap((f) => (f.type === 'changes' ? (f.changes as { type: string; mine?: boolean }[]) : [])).filter((n) => n.type === 'server_action')
    await until(() => changes(tom).length === 1 && changes(sarah).length === 1, 'notices')
    expect(changes(tom)[0]).toMatchObject({ mine: true })
    expect(changes(sarah)[0]).not.toHaveProperty('mine')
    for (const c of [tom, sarah]) c.ws.close()
  })
})
