import { env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { ActivityLog } from '../../../worker/src/durable/activity-log.ts'
import type { ActivityEvent } from '../../../worker/src/durable/activity-schema.ts'
import { accountId, api, jsonOf, login, problem, serviceId } from '../../helpers/client.ts'

type Page = { items: ActivityEvent[]; nextCursor: string | null }
type Frame = { type: string; events?: ActivityEvent[]; caughtUp?: boolean; people?: { email: string; page: string }[]; changes?: { type: string }[] }

const stub = (id: string) => env.ACTIVITY.get(env.ACTIVITY.idFromName(id)) as DurableObjectStub<ActivityLog>
const unique = () => crypto.randomUUID().slice(0, 8)

/** Run a log's alarm until its outbox is empty (forwards to the parent). */
async function drain(account: string) {
  for (let i = 0; i < 5; i++) await runDurableObjectAlarm(stub(account))
}

async function activity(cookie: string, account: string, query = '') {
  const res = await api(`/accounts/${account}/activity${query}`, { cookie })
  expect(res.status, await res.clone().text()).toBe(200)
  return jsonOf(res, 'listActivity')
}

/** Create a service in an account as someone; returns its name. */
async function createService(cookie: string, account: string, name = `svc-${unique()}`, tags: string[] = []) {
  const res = await api(`/accounts/${account}/services`, { method: 'POST', cookie, json: { type: 'server', name, tags } })
  expect(res.status).toBe(201)
  return name
}

/** Open a live socket through the API; collects frames. */
async function connect(cookie: string, account: string, query = '') {
  const res = await SELF.fetch(`http://localhost/api/v1/accounts/${account}/activity/live${query}`, { headers: { upgrade: 'websocket', cookie } })
  expect(res.status).toBe(101)
  const ws = res.webSocket!
  const frames: Frame[] = []
  ws.addEventListener('message', (e) => frames.push(JSON.parse(String(e.data)) as Frame))
  ws.accept()
  const events = () => frames.flatMap((f) => (f.type === 'events' ? f.events! : []))
  return { ws, frames, events }
}

/** Wait (bounded) until a condition holds; live delivery is batched every ~50 ms. */
async function until(condition: () => boolean, what: string) {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setTimeout(r, 20))
  expect(condition(), what).toBe(true)
}

describe('activity events', () => {
  it('records an action in its account’s log and, once forwarded, in the reseller’s — never in a sibling’s or the platform’s', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const name = await createService(await login('owner@bluebird.test'), bluebird)
    const own = await activity(await login('owner@bluebird.test'), bluebird, `?q=${name}`)
    expect(own.items.map((e) => [e.type, e.actor?.email, e.target?.label])).toEqual([['service_created', 'owner@bluebird.test', name]])
    await drain(bluebird)
    const acmeOwner = await login('owner@acme.test')
    const acme = await activity(acmeOwner, await accountId('Acme Hosting'), `?q=${name}`)
    expect(acme.items.map((e) => e.id)).toEqual(own.items.map((e) => e.id))
    expect(acme.items[0]!.accountId).toBe(bluebird)
    const nimbus = await login('admin@nimbus.test')
    expect((await activity(nimbus, await accountId('Nimbus Cloud'), `?q=${name}`)).items).toEqual([])
    // The platform sees the reseller's tree by reading the reseller's log.
    expect((await activity(nimbus, await accountId('Acme Hosting'), `?q=${name}`)).items).toHaveLength(1)
    expect((await activity(await login('owner@globex.test'), await accountId('Globex Partners'), `?q=${name}`)).items).toEqual([])
  })

  it('records sign-ins, failed sign-ins and sign-outs in the accounts of the login', async () => {
    const evergreen = await accountId('Evergreen Legal')
    await api('/auth/login', { method: 'POST', json: { email: 'owner@evergreen.test', password: 'wrong-password' }, ip: '10.60.0.1' })
    const cookie = await login('owner@evergreen.test')
    const types = (await activity(cookie, evergreen, '?actor=owner@evergreen.test&type=login,login_failed,logout')).items.map((e) => e.type)
    expect(types.slice(0, 2)).toEqual(['login', 'login_failed'])
    await api('/auth/logout', { method: 'POST', cookie })
    const after = await activity(await login('owner@evergreen.test'), evergreen, '?type=logout')
    expect(after.items[0]).toMatchObject({ type: 'logout', actor: { email: 'owner@evergreen.test' } })
  })

  it('filters by actor, type, target, text and time, and hides page views unless asked', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const sarah = await login('sarah@acme.test')
    const start = Date.now()
    const marker = unique()
    const a = await createService(owner, acme, `alpha-${marker}`, ['managed'])
    await createService(sarah, acme, `beta-${marker}`, ['managed'])
    const sid = await serviceId(a)
    await api(`/accounts/${acme}/services/${sid}/actions/restart`, { method: 'POST', cookie: owner })
    await api(`/accounts/${acme}/activity/page-views`, { method: 'POST', cookie: owner, json: { path: `/a/${acme}/services`, title: `Services ${marker}` } })

    const byActor = await activity(owner, acme, `?actor=SARAH@acme.test&q=${marker}`)
    expect(byActor.items.map((e) => e.target?.label)).toEqual([`beta-${marker}`])
    const byType = await activity(owner, acme, `?type=server_action&q=${marker}`)
    expect(byType.items.map((e) => e.type)).toEqual(['server_action'])
    const byTarget = await activity(owner, acme, `?target=${sid}`)
    expect(byTarget.items.map((e) => e.type).filter((t) => t !== 'update_server')).toEqual(['server_action', 'service_created'])
    const text = await activity(owner, acme, `?q=alpha ${marker}`)
    expect(text.items.every((e) => e.description.includes(`alpha-${marker}`))).toBe(true)
    expect(text.items).toHaveLength(2)
    const window = await activity(owner, acme, `?from=${start}&to=${new Date(Date.now() + 1000).toISOString()}&q=${marker}`)
    expect(window.items).toHaveLength(3)
    expect((await activity(owner, acme, `?to=${start}&q=${marker}`)).items).toEqual([])
    const withViews = await activity(owner, acme, `?kind=all&q=${marker}`)
    expect(withViews.items.map((e) => e.kind)).toContain('page_view')
  })

  it('pages newest first with no gaps or repeats while events keep arriving', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    for (let i = 0; i < 8; i++) await api(`/accounts/${acme}/activity/page-views`, { method: 'POST', cookie: owner, json: { path: '/x', title: `before ${i}` } })
    const existing = (await activity(owner, acme, '?kind=all&limit=200')).items.map((e) => e.seq)
    const seen: number[] = []
    let cursor: string | null = null
    let first = true
    do {
      const page: Page = await activity(owner, acme, `?kind=all&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      if (first) {
        // New events arrive while we page: they are newer than the first page and never shift it.
        await Promise.all([0, 1, 2].map((i) => api(`/accounts/${acme}/activity/page-views`, { method: 'POST', cookie: owner, json: { path: '/y', title: `during ${i}` } })))
        first = false
      }
      seen.push(...page.items.map((e) => e.seq))
      cursor = page.nextCursor
    } while (cursor)
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen).toEqual([...seen].sort((x, y) => y - x))
    expect(seen).toEqual(existing)
  })

  it('exports the filter as CSV with a header row, and as NDJSON; export needs activity.export', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const name = await createService(owner, acme, `=export-${unique()}`, ['managed'])
    const csv = await api(`/accounts/${acme}/activity/export?format=csv&q=${encodeURIComponent(name)}`, { cookie: owner })
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="activity.csv"/)
    const lines = (await csv.text()).trim().split('\n')
    expect(lines[0]).toBe('id,time,account_id,type,kind,actor_email,impersonator_email,subject_email,target_kind,target_id,target_label,description,ip,user_agent')
    expect(lines).toHaveLength(2)
    expect(lines[1]).toContain(`"'${name}"`) // a leading = is neutralised for spreadsheets
    const nd = await api(`/accounts/${acme}/activity/export?format=ndjson&q=${encodeURIComponent(name)}`, { cookie: owner })
    const events = (await nd.text()).trim().split('\n').map((l) => JSON.parse(l) as ActivityEvent)
    expect(events.map((e) => e.type)).toEqual(['service_created'])
    expect((await api(`/accounts/${acme}/activity/export`, { cookie: await login('sarah@acme.test') })).status).toBe(403)
  })

  it('answers 403 without activity.view and 404 to another tenant', async () => {
    const acme = await accountId('Acme Hosting')
    expect((await api(`/accounts/${acme}/activity`, { cookie: await login('tom@acme.test') })).status).toBe(403)
    expect((await api(`/accounts/${acme}/activity`, { cookie: await login('owner@globex.test') })).status).toBe(404)
    expect((await api(`/accounts/${acme}/activity/verify`, { cookie: await login('owner@globex.test') })).status).toBe(404)
  })

  it('names the field of bad filters, cursors, dates and page views', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    for (const [query, field] of [['type=login,teleport', 'type'], ['cursor=abc', 'cursor'], ['from=yesterday-ish', 'from'], ['kind=everything', 'kind'], ['limit=0', 'limit'], [`from=${Date.now()}&to=1`, 'to']]) {
      const res = await api(`/accounts/${acme}/activity?${query}`, { cookie: owner })
      expect(res.status, query).toBe(400)
      expect((await problem(res)).errors?.[0]?.field, query).toBe(field)
    }
    const long = await api(`/accounts/${acme}/activity/page-views`, { method: 'POST', cookie: owner, json: { path: '/x', title: 'x'.repeat(500) } })
    expect(long.status).toBe(400)
    expect((await problem(long)).errors?.[0]?.field).toBe('title')
    const huge = await api(`/accounts/${acme}/activity/page-views`, { method: 'POST', cookie: owner, json: { path: '/x', title: 'x'.repeat(70_000) } })
    expect(huge.status).toBe(413)
  })
})

describe('page views', () => {
  it('are accepted only from members of that account itself; a support person acting as one counts as that member', async () => {
    // Protects against: staff of an ancestor (or the platform) writing page views into another account's log.
    const bluebird = await accountId('Bluebird Bakery')
    const acme = await accountId('Acme Hosting')
    const customer = await login('owner@bluebird.test')
    expect((await api(`/accounts/${bluebird}`, { method: 'PATCH', cookie: customer, json: { pageViewLogging: true } })).status).toBe(200)
    const view = (cookie: string, account: string, title: string) => api(`/accounts/${account}/activity/page-views`, { method: 'POST', cookie, json: { path: '/x', title } })

    const partner = await login('owner@acme.test')
    const fromPartner = await view(partner, bluebird, 'Partner peeking')
    expect(fromPartner.status).toBe(403)
    expect((await problem(fromPartner)).code).toBe('forbidden')
    expect((await view(await login('admin@nimbus.test'), acme, 'Platform peeking')).status).toBe(403)
    // Outside the tree the account does not exist at all.
    expect((await view(await login('owner@globex.test'), bluebird, 'Stranger')).status).toBe(404)
    expect(await (await view(customer, bluebird, 'Own dashboard')).json()).toEqual({ logged: true })

    const target = (await env.DB.prepare("SELECT id FROM users WHERE email = 'owner@bluebird.test'").first<{ id: string }>())!.id
    expect((await api('/impersonation', { method: 'POST', cookie: partner, json: { userId: target, accountId: bluebird, reason: 'Ticket 88: menu looks wrong' } })).status).toBe(201)
    expect(await (await view(partner, bluebird, 'Acting as the owner')).json()).toEqual({ logged: true })

    const logged = await activity(customer, bluebird, '?kind=all&type=page_view')
    expect(logged.items.map((e) => [e.target?.label, e.actor?.email, e.subject?.email ?? null])).toEqual([
      ['Acting as the owner', 'owner@acme.test', 'owner@bluebird.test'],
      ['Own dashboard', 'owner@bluebird.test', null],
    ])
  })

  it('are logged where the account logs page views (resellers by default, customers when they turn it on)', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const owner = await login('owner@bluebird.test')
    const off = await api(`/accounts/${bluebird}/activity/page-views`, { method: 'POST', cookie: owner, json: { path: '/a', title: 'Dashboard' } })
    expect(await off.json()).toEqual({ logged: false })
    expect((await api(`/accounts/${bluebird}`, { method: 'PATCH', cookie: owner, json: { pageViewLogging: true } })).status).toBe(200)
    const on = await api(`/accounts/${bluebird}/activity/page-views`, { method: 'POST', cookie: owner, json: { path: '/a', title: 'Dashboard' } })
    expect(await on.json()).toEqual({ logged: true })
    const page = await activity(owner, bluebird, '?kind=all&type=page_view')
    expect(page.items[0]).toMatchObject({ kind: 'page_view', description: 'owner@bluebird.test viewed Dashboard' })
  })
})

describe('tamper evidence', () => {
  it('verifies the hash chain, and reports a row altered in storage at its position', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    for (let i = 0; i < 3; i++) await createService(owner, acme, `chain-${unique()}`, ['managed'])
    const ok = await jsonOf(await api(`/accounts/${acme}/activity/verify`, { cookie: owner }), 'verifyActivityChain')
    expect(ok.ok).toBe(true)
    expect(ok.checked).toBeGreaterThanOrEqual(3)
    const victim = await runInDurableObject(stub(acme), (_instance: ActivityLog, state) => {
      const rows = state.storage.sql.exec('SELECT seq FROM events ORDER BY seq').toArray()
      const target = Number(rows[1]!.seq)
      state.storage.sql.exec("UPDATE events SET description = 'nothing happened here' WHERE seq = ?", target)
      return { seq: target }
    })
    const broken = await jsonOf(await api(`/accounts/${acme}/activity/verify`, { cookie: owner }), 'verifyActivityChain')
    expect(broken.ok).toBe(false)
    expect(broken.firstBroken).toMatchObject({ seq: victim.seq, position: 2 })
  })

  it('offers no way to edit or delete events', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      expect((await api(`/accounts/${acme}/activity`, { method, cookie: owner, json: {} })).status, method).toBe(404)
    }
  })

  it('keeps the chain verifiable after retention deletes old events', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    for (let i = 0; i < 4; i++) await createService(owner, acme, `old-${unique()}`, ['managed'])
    await runInDurableObject(stub(acme), (instance: ActivityLog, state) => {
      const rows = state.storage.sql.exec('SELECT seq FROM events ORDER BY seq').toArray()
      // Age the first two events beyond the retention window, then apply retention.
      state.storage.sql.exec('UPDATE events SET time = 0 WHERE seq <= ?', Number(rows[1]!.seq))
      instance.applyRetention()
    })
    const result = await jsonOf(await api(`/accounts/${acme}/activity/verify`, { cookie: owner }), 'verifyActivityChain')
    // The aged rows were edited (their time), but they are gone now; what remains verifies from the anchor.
    expect(result.ok).toBe(true)
  })
})

describe('forwarding to the reseller', () => {
  it('retries a forward that fails once, and delivers it exactly once', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const acme = await accountId('Acme Hosting')
    // The reseller's log refuses to store anything (as a failing disk would): its receive throws.
    await runInDurableObject(stub(acme), (_i: ActivityLog, state) => {
      state.storage.sql.exec("CREATE TRIGGER refuse_forwards BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'storage refused'); END")
    })
    const name = await createService(await login('owner@bluebird.test'), bluebird)
    await runDurableObjectAlarm(stub(bluebird)) // fails
    await runInDurableObject(stub(acme), (_i: ActivityLog, state) => {
      state.storage.sql.exec('DROP TRIGGER refuse_forwards')
    })
    const owner = await login('owner@acme.test')
    expect((await activity(owner, acme, `?q=${name}`)).items).toEqual([])
    const waiting = await runInDurableObject(stub(bluebird), (_i: ActivityLog, state) => state.storage.sql.exec('SELECT count(*) AS n FROM outbox').one().n)
    expect(Number(waiting)).toBeGreaterThan(0)
    await new Promise((r) => setTimeout(r, 600)) // past the first backoff
    await drain(bluebird)
    await drain(bluebird)
    expect((await activity(owner, acme, `?q=${name}`)).items).toHaveLength(1)
  })

  it('ignores a forwarded event it already holds (idempotent on id)', async () => {
    const acme = await accountId('Acme Hosting')
    const bluebird = await accountId('Bluebird Bakery')
    const name = await createService(await login('owner@bluebird.test'), bluebird)
    const [event] = (await activity(await login('owner@bluebird.test'), bluebird, `?q=${name}`)).items
    const { seq: _seq, ...forward } = event!
    const acmePath = (await env.DB.prepare('SELECT path FROM accounts WHERE id = ?').bind(acme).first<{ path: string }>())!.path
    expect(await stub(acme).receive(acmePath, [forward])).toBe(1)
    expect(await stub(acme).receive(acmePath, [forward])).toBe(0)
    await drain(bluebird)
    expect((await activity(await login('owner@acme.test'), acme, `?q=${name}`)).items).toHaveLength(1)
  })
})

describe('GET /api/v1/accounts/:id/activity/live', () => {
  it('gives two subscribers with different filters exactly their events', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const restarts = await connect(owner, acme, '?events=1&type=server_action')
    const sarahs = await connect(owner, acme, '?events=1&actor=sarah@acme.test')
    await until(() => restarts.frames.some((f) => f.caughtUp) && sarahs.frames.some((f) => f.caughtUp), 'both caught up')
    const mine = await createService(owner, acme, `live-${unique()}`, ['managed'])
    const hers = await createService(await login('sarah@acme.test'), acme, `live-${unique()}`, ['managed'])
    await api(`/accounts/${acme}/services/${await serviceId(mine)}/actions/restart`, { method: 'POST', cookie: owner })
    await until(() => restarts.events().length === 1 && sarahs.events().length >= 2, 'deliveries')
    await new Promise((r) => setTimeout(r, 150)) // nothing more arrives
    expect(restarts.events().map((e) => e.type)).toEqual(['server_action'])
    // Sarah's login and her service.
    expect(sarahs.events().map((e) => e.type)).toEqual(['login', 'service_created'])
    expect(sarahs.events()[1]!.target?.label).toBe(hers)
    restarts.ws.close()
    sarahs.ws.close()
  })

  it('replays exactly the missed events when a subscriber reconnects with after', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const first = await connect(owner, acme, '?events=1&type=service_created')
    await until(() => first.frames.some((f) => f.caughtUp), 'caught up')
    await createService(owner, acme, `seen-${unique()}`, ['managed'])
    await until(() => first.events().length === 1, 'first delivery')
    const lastSeen = first.events().at(-1)!.seq
    first.ws.close()
    const missed = [await createService(owner, acme, `missed-${unique()}`, ['managed']), await createService(owner, acme, `missed-${unique()}`, ['managed'])]
    const again = await connect(owner, acme, `?events=1&type=service_created&after=${lastSeen}`)
    await until(() => again.frames.some((f) => f.caughtUp), 'replayed')
    const live = await createService(owner, acme, `after-${unique()}`, ['managed'])
    await until(() => again.events().length === 3, 'replay plus live')
    expect(again.events().map((e) => e.target?.label)).toEqual([...missed, live])
    again.ws.close()
  })

  it("never gives a customer member's socket the reseller's events", async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const acme = await accountId('Acme Hosting')
    const customer = await connect(await login('owner@bluebird.test'), bluebird, '?events=1&kind=all')
    await until(() => customer.frames.some((f) => f.caughtUp), 'caught up')
    await createService(await login('owner@acme.test'), acme, `reseller-only-${unique()}`, ['managed'])
    const own = await createService(await login('owner@bluebird.test'), bluebird)
    await until(() => customer.events().some((e) => e.target?.label === own), 'own event')
    expect(customer.events().every((e) => e.accountId === bluebird)).toBe(true)
    // And it cannot subscribe to the reseller's log at all.
    const res = await SELF.fetch(`http://localhost/api/v1/accounts/${acme}/activity/live`, { headers: { upgrade: 'websocket', cookie: await login('owner@bluebird.test') } })
    expect(res.status).toBe(404)
    customer.ws.close()
  })

  it('refuses events without activity.view, a cross-site handshake, and a plain GET', async () => {
    const acme = await accountId('Acme Hosting')
    const tom = await login('tom@acme.test')
    expect((await SELF.fetch(`http://localhost/api/v1/accounts/${acme}/activity/live?events=1`, { headers: { upgrade: 'websocket', cookie: tom } })).status).toBe(403)
    const owner = await login('owner@acme.test')
    expect((await SELF.fetch(`http://localhost/api/v1/accounts/${acme}/activity/live`, { headers: { upgrade: 'websocket', cookie: owner, origin: 'https://evil.example' } })).status).toBe(403)
    expect((await api(`/accounts/${acme}/activity/live`, { cookie: owner })).status).toBe(426)
  })

  it('shows presence within the tree: staff see each other, a customer never sees the reseller’s staff', async () => {
    const acme = await accountId('Acme Hosting')
    const bluebird = await accountId('Bluebird Bakery')
    const sarah = await connect(await login('sarah@acme.test'), acme, '?page=Services')
    const owner = await connect(await login('owner@acme.test'), acme, '?page=Dashboard')
    const latest = (c: { frames: Frame[] }) => c.frames.filter((f) => f.type === 'presence').at(-1)?.people ?? []
    // A socket of an earlier story may still be closing: wait for the settled picture.
    await until(() => latest(sarah).length === 2 && latest(sarah).some((p) => p.page === 'Dashboard'), 'sarah sees both')
    expect(latest(sarah).map((p) => [p.email, p.page]).sort()).toEqual([['owner@acme.test', 'Dashboard'], ['sarah@acme.test', 'Services']])
    owner.ws.send(JSON.stringify({ type: 'page', page: 'Services › acme-control-01' }))
    await until(() => latest(sarah).some((p) => p.page === 'Services › acme-control-01'), 'page update')

    const partnerInCustomer = await connect(await login('owner@acme.test'), bluebird, '?page=Bluebird')
    const customer = await connect(await login('owner@bluebird.test'), bluebird, '?page=Home')
    await until(() => latest(partnerInCustomer).length === 2, 'partner sees the customer')
    await new Promise((r) => setTimeout(r, 100))
    expect(latest(customer).map((p) => p.email)).toEqual(['owner@bluebird.test'])
    sarah.ws.close()
    await until(() => latest(owner).length === 1, 'sarah left')
    for (const c of [owner, partnerInCustomer, customer]) c.ws.close()
  })

  it('tells every open page about changes so it can refresh; labels and actors only to those who may read the log', async () => {
    // Protects against: members without activity.view learning from change notices what was changed and by whom.
    const acme = await accountId('Acme Hosting')
    const tom = await connect(await login('tom@acme.test'), acme, '?page=Services')
    const owner = await connect(await login('owner@acme.test'), acme, '?page=Services')
    const name = await createService(await login('owner@acme.test'), acme, `notice-${unique()}`, ['managed'])
    const sid = await serviceId(name)
    const changes = (c: { frames: Frame[] }) => c.frames.flatMap((f) => (f.type === 'changes' ? (f.changes as unknown[]) : []))
    await until(() => changes(tom).length > 0 && changes(owner).length > 0, 'change notices')
    expect(changes(tom)).toEqual([{ type: 'service_created', target: { kind: 'service', id: sid }, accountId: acme, time: expect.any(Number) }])
    expect(JSON.stringify(tom.frames.filter((f) => f.type === 'changes'))).not.toContain(name)
    expect(tom.frames.some((f) => f.type === 'events')).toBe(false)
    // The owner may read the log: the notice names the service and who did it, and that it was him.
    expect(changes(owner)).toEqual([
      { type: 'service_created', target: { kind: 'service', id: sid, label: name }, actor: 'owner@acme.test', accountId: acme, time: expect.any(Number), mine: true },
    ])

    // Tom's own change is marked as his (so his page says nothing about it); the owner's notice is not.
    const his = await createService(await login('tom@acme.test'), acme, `notice-${unique()}`, ['managed'])
    await until(() => changes(tom).length === 2 && changes(owner).length === 2, 'second notices')
    expect(changes(tom)[1]).toEqual({ type: 'service_created', target: { kind: 'service', id: await serviceId(his) }, accountId: acme, time: expect.any(Number), mine: true })
    expect(changes(owner)[1]).toMatchObject({ actor: 'tom@acme.test', target: { label: his } })
    expect(changes(owner)[1]).not.toHaveProperty('mine')
    tom.ws.close()
    owner.ws.close()
  })
})

describe('GET /api/v1/accounts/:id/activity/histogram', () => {
  it('counts events per hour by kind for the filter', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const from = Date.now() - 1000
    const marker = unique()
    await createService(owner, acme, `hist-${marker}`, ['managed'])
    await createService(owner, acme, `hist-${marker}-2`, ['managed'])
    await api(`/accounts/${acme}/activity/page-views`, { method: 'POST', cookie: owner, json: { path: '/h', title: `hist-${marker}` } })
    const res = await api(`/accounts/${acme}/activity/histogram?kind=all&from=${from}&q=hist-${marker}`, { cookie: owner })
    expect(res.status).toBe(200)
    const body = await jsonOf(res, 'getActivityHistogram')
    const total = (kind: string) => body.buckets.filter((b) => b.kind === kind).reduce((n, b) => n + b.count, 0)
    expect(total('action')).toBe(2)
    expect(total('page_view')).toBe(1)
    for (const b of body.buckets) expect(b.hour % 3_600_000).toBe(0)
    const tooLong = await api(`/accounts/${acme}/activity/histogram?from=0`, { cookie: owner })
    expect(tooLong.status).toBe(400)
  })
})

describe('retention', () => {
  it('keeps an alarm set on every log so old events are deleted even where nothing is forwarded', async () => {
    const acme = await accountId('Acme Hosting')
    await createService(await login('owner@acme.test'), acme, `alarm-${unique()}`, ['managed'])
    const alarm = await runInDurableObject(stub(acme), (_i: ActivityLog, state) => state.storage.getAlarm())
    expect(alarm).not.toBeNull()
    expect(alarm!).toBeLessThanOrEqual(Date.now() + 24 * 3600_000 + 1000)
    await runDurableObjectAlarm(stub(acme))
    expect(await runInDurableObject(stub(acme), (_i: ActivityLog, state) => state.storage.getAlarm())).not.toBeNull()
  })
})
