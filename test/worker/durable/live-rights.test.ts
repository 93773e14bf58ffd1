import { env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ActivityLog } from '../../../worker/src/durable/activity-log.ts'
import { liveClose } from '../../../worker/src/durable/live-close.ts'
import { liveRelay } from '../../../worker/src/durable/live-relays.ts'
import { accountId, api, login, membershipId } from '../../helpers/client.ts'

// Rule 15: a live socket lives no longer than the right that opened it.

const stub = (id: string) => env.ACTIVITY.get(env.ACTIVITY.idFromName(id)) as DurableObjectStub<ActivityLog>

/** The objects holding an account's registered sockets: its relays (docs/decisions/029), or the log itself. */
async function holders(account: string) {
  const { results } = await env.DB.prepare('SELECT DISTINCT relay FROM live_connections WHERE account_id = ?').bind(account).all<{ relay: number | null }>()
  return results.map((r) => (r.relay === null ? stub(account) : (liveRelay(env.LIVE_RELAY, account, r.relay) as DurableObjectStub)))
}

/** Run the backstop of every object holding the account's sockets; true when one ran. */
async function runBackstops(account: string) {
  let ran = false
  for (const holder of await holders(account)) ran = (await runDurableObjectAlarm(holder)) || ran
  return ran
}

type Conn = { ws: WebSocket; closed: Promise<number>; frames: { type: string }[] }

/** Open the shell's live socket (or, with `events=1`, the Activity page's) through the API. */
async function connect(cookie: string, account: string, query = '') {
  const res = await SELF.fetch(`http://localhost/api/v1/accounts/${account}/activity/live${query}`, { headers: { upgrade: 'websocket', cookie } })
  if (res.status !== 101) throw new Error(`live answered ${res.status}: ${await res.text()}`)
  const ws = res.webSocket!
  const frames: { type: string }[] = []
  const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)))
  ws.addEventListener('message', (e) => frames.push(JSON.parse(String(e.data)) as { type: string }))
  ws.accept()
  return { ws, closed, frames } satisfies Conn
}

/** The code the server closed the socket with, or null when it is still open after `ms`. */
async function closeCode(conn: Conn, ms = 1500) {
  return Promise.race([conn.closed, new Promise<null>((r) => setTimeout(() => r(null), ms))])
}

/** Still open and served: a ping comes back as a pong. */
async function alive(conn: Conn) {
  const before = conn.frames.filter((f) => f.type === 'pong').length
  try {
    conn.ws.send(JSON.stringify({ type: 'ping' }))
  } catch {
    return false
  }
  for (let i = 0; i < 50; i++) {
    if (conn.frames.filter((f) => f.type === 'pong').length > before) return true
    await new Promise((r) => setTimeout(r, 20))
  }
  return false
}

async function userId(email: string) {
  return (await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first<{ id: string }>())!.id
}

async function impersonate(cookie: string, target: string, account: string) {
  const res = await api('/impersonation', { method: 'POST', cookie, json: { userId: await userId(target), accountId: await accountId(account), reason: 'Ticket 4711: checking the live log' } })
  expect(res.status).toBe(201)
}

afterEach(() => {
  vi.useRealTimers()
})

describe('live sockets end with the session', () => {
  it('closes every socket of a session when it signs out, and no other', async () => {
    // Protects against: a signed-out browser (or a shared computer) still streaming the account's activity.
    const acme = await accountId('Acme Hosting')
    const tom = await login('tom@acme.test')
    const elsewhere = await login('tom@acme.test')
    const shell = await connect(tom, acme)
    const other = await connect(elsewhere, acme)
    expect((await api('/auth/logout', { method: 'POST', cookie: tom })).status).toBe(204)
    expect(await closeCode(shell)).toBe(liveClose.signedOut.code)
    expect(await alive(other)).toBe(true)
    other.ws.close()
  })

  it('closes the sockets of a login’s other sessions when its password changes; the session that changed it keeps its own', async () => {
    // Protects against: a stolen session's socket outliving the password change that ended the session.
    const acme = await accountId('Acme Hosting')
    const current = await login('tom@acme.test')
    const stolen = await login('tom@acme.test')
    const mine = await connect(current, acme)
    const theirs = await connect(stolen, acme)
    const res = await api('/me/password', { method: 'POST', cookie: current, json: { currentPassword: 'trellis-demo', newPassword: 'brand-new-orchid-52' } })
    expect(res.status).toBe(204)
    expect(await closeCode(theirs)).toBe(liveClose.signedOut.code)
    expect(await alive(mine)).toBe(true)
    mine.ws.close()
  })

  it('backstop: the log closes, on its next check, a socket whose session was deleted without telling it', async () => {
    // Protects against: a revocation path that forgets the hook leaving a socket streaming forever.
    const acme = await accountId('Acme Hosting')
    const tom = await connect(await login('tom@acme.test'), acme)
    const owner = await connect(await login('owner@acme.test'), acme)
    await env.DB.prepare("DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = 'tom@acme.test')").run()
    // Nothing told the log: the socket is still there until its check, at most 60 s later.
    expect(await alive(tom)).toBe(true)
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 61_000)
    expect(await runBackstops(acme)).toBe(true)
    expect(await closeCode(tom)).toBe(liveClose.signedOut.code)
    expect(await alive(owner)).toBe(true)
    owner.ws.close()
  })

  it('keeps an alarm at most 60 s ahead while the log (or the relay holding them) holds sockets', async () => {
    const acme = await accountId('Acme Hosting')
    const tom = await connect(await login('tom@acme.test'), acme)
    const [holder] = await holders(acme)
    const alarm = await runInDurableObject(holder!, (_i: unknown, state) => state.storage.getAlarm())
    expect(alarm).not.toBeNull()
    expect(alarm!).toBeLessThanOrEqual(Date.now() + 60_000)
    // After a check that finds the socket valid, the next one is again at most 60 s away.
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 61_000)
    await runDurableObjectAlarm(holder!)
    expect(await alive(tom)).toBe(true)
    const next = await runInDurableObject(holder!, (_i: unknown, state) => state.storage.getAlarm())
    expect(next!).toBeLessThanOrEqual(Date.now() + 60_000)
    tom.ws.close()
  })
})

describe('the register of live connections', () => {
  it('forgets the row of a socket when it closes, and sweeps rows whose socket vanished without a word', async () => {
    const acme = await accountId('Acme Hosting')
    const rows = async () => (await env.DB.prepare('SELECT id FROM live_connections WHERE account_id = ?').bind(acme).all<{ id: string }>()).results.map((r) => r.id)
    const tom = await connect(await login('tom@acme.test'), acme)
    expect(await rows()).toHaveLength(1)
    tom.ws.close(1000)
    await vi.waitFor(async () => expect(await rows()).toEqual([]), { timeout: 2000, interval: 50 })

    // A row left behind (its socket went with a deploy) on the object holding a live socket.
    const sarah = await connect(await login('sarah@acme.test'), acme)
    const session = (await env.DB.prepare('SELECT id, user_id FROM sessions LIMIT 1').first<{ id: string; user_id: string }>())!
    await env.DB.prepare(
      "INSERT INTO live_connections (id, session_id, user_id, impersonation_id, membership_id, member_path, account_id, account_path, opened_at, relay) SELECT 'live_orphan', ?, ?, NULL, 'mem_gone', path, id, path, ?, (SELECT relay FROM live_connections WHERE account_id = ?) FROM accounts WHERE id = ?",
    )
      .bind(session.id, session.user_id, Date.now() - 120_000, acme, acme)
      .run()
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 61_000)
    await runBackstops(acme)
    expect(await rows()).toHaveLength(1)
    expect(await rows()).not.toContain('live_orphan')
    expect(await alive(sarah)).toBe(true)
    sarah.ws.close()
  })

  it('ends a socket that reaches its log after the worker already closed its connection', async () => {
    // Protects against: a sign-out racing the handshake leaving a socket nobody will close.
    const log = stub(`race-${crypto.randomUUID()}`)
    expect(await log.closeConnections(['live_racing'], 'signedOut')).toBe(0)
    const subscriber = {
      connectionId: 'live_racing', accountId: 'r', sessionId: 's', impersonationId: null, sessionExpiresAt: Date.now() + 3600_000, impersonationExpiresAt: null,
      personId: 'u', userId: 'u', name: 'U', email: 'u@example.test', memberPath: '/p/r/', events: false, details: false, filter: { kind: 'action' }, after: null, page: '',
    }
    const res = await log.fetch('https://activity/live', { headers: { upgrade: 'websocket', 'x-trellis-subscriber': JSON.stringify(subscriber) } })
    const ws = res.webSocket!
    const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)))
    ws.accept()
    expect(await closed).toBe(liveClose.signedOut.code)
  })
})

describe('live sockets end with the impersonation', () => {
  it('closes the sockets opened while acting as someone when the impersonation is exited; the person’s own stay', async () => {
    // Protects against: the support person still watching the customer's log after leaving the impersonation.
    const owner = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const own = await connect(owner, acme)
    await impersonate(owner, 'owner@bluebird.test', 'Bluebird Bakery')
    const acting = await connect(owner, await accountId('Bluebird Bakery'))
    expect((await api('/impersonation', { method: 'DELETE', cookie: owner })).status).toBe(204)
    expect(await closeCode(acting)).toBe(liveClose.impersonationEnded.code)
    expect(await alive(own)).toBe(true)
    own.ws.close()
  })

  it('closes them when the impersonation runs out, at the next request of the session (fake clock)', async () => {
    // Protects against: an impersonation socket outliving the 60 minutes.
    const owner = await login('owner@acme.test')
    await impersonate(owner, 'tom@acme.test', 'Acme Hosting')
    const acting = await connect(owner, await accountId('Acme Hosting'))
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 61 * 60_000)
    expect((await api('/me', { cookie: owner })).status).toBe(200)
    expect(await closeCode(acting)).toBe(liveClose.impersonationEnded.code)
  })

  it('closes them when the impersonation runs out with no request at all: the log wakes at its expiry (fake clock)', async () => {
    // Protects against: an impersonation socket outliving the 60 minutes when its tab just sits there.
    const owner = await login('owner@acme.test')
    const bluebird = await accountId('Bluebird Bakery')
    await impersonate(owner, 'owner@bluebird.test', 'Bluebird Bakery')
    const acting = await connect(owner, bluebird)
    const [holder] = await holders(bluebird)
    const alarm = await runInDurableObject(holder!, (_i: unknown, state) => state.storage.getAlarm())
    expect(alarm!).toBeLessThanOrEqual(Date.now() + 60 * 60_000)
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 60 * 60_000 + 1000)
    expect(await runDurableObjectAlarm(holder!)).toBe(true)
    expect(await closeCode(acting)).toBe(liveClose.impersonationEnded.code)
  })
})

describe('live sockets end with the membership', () => {
  it('closes a removed member’s sockets in the account', async () => {
    // Protects against: a removed member still watching who does what in the account they left.
    const acme = await accountId('Acme Hosting')
    const tom = await connect(await login('tom@acme.test'), acme)
    const sarah = await connect(await login('sarah@acme.test'), acme, '?events=1')
    const res = await api(`/accounts/${acme}/members/${await membershipId('tom@acme.test', 'Acme Hosting')}`, { method: 'DELETE', cookie: await login('owner@acme.test') })
    expect(res.status).toBe(204)
    expect(await closeCode(tom)).toBe(liveClose.accessEnded.code)
    expect(await alive(sarah)).toBe(true)
    sarah.ws.close()
  })

  it('asks a member’s sockets to reconnect when their roles change, and a custom role’s holders when it changes', async () => {
    // Protects against: a socket keeping the events a member was just denied (its rights were checked only at connect).
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const sarah = await connect(await login('sarah@acme.test'), acme, '?events=1')
    const patch = await api(`/accounts/${acme}/members/${await membershipId('sarah@acme.test', 'Acme Hosting')}`, { method: 'PATCH', cookie: owner, json: { roles: ['manager', 'technical'] } })
    expect(patch.status).toBe(200)
    expect(await closeCode(sarah)).toBe(liveClose.rightsChanged.code)
    // Reconnecting re-authorizes: without customer care she holds no activity.view any more.
    const again = await SELF.fetch(`http://localhost/api/v1/accounts/${acme}/activity/live?events=1`, { headers: { upgrade: 'websocket', cookie: await login('sarah@acme.test') } })
    expect(again.status).toBe(403)

    const role = (await env.DB.prepare("SELECT id FROM roles WHERE name = 'Customer care'").first<{ id: string }>())!.id
    await api(`/accounts/${acme}/members/${await membershipId('sarah@acme.test', 'Acme Hosting')}`, { method: 'PATCH', cookie: owner, json: { roles: ['manager', 'technical', role] } })
    const holder = await connect(await login('sarah@acme.test'), acme, '?events=1')
    const bystander = await connect(await login('tom@acme.test'), acme)
    const edit = await api(`/accounts/${acme}/roles/${role}`, { method: 'PATCH', cookie: owner, json: { permissions: ['customers.view', 'services.view'] } })
    expect(edit.status).toBe(200)
    expect(await closeCode(holder)).toBe(liveClose.rightsChanged.code)
    expect(await alive(bystander)).toBe(true)
    bystander.ws.close()
  })

  it('asks the holders of a deleted custom role to reconnect', async () => {
    const acme = await accountId('Acme Hosting')
    const role = (await env.DB.prepare("SELECT id FROM roles WHERE name = 'Customer care'").first<{ id: string }>())!.id
    const sarah = await connect(await login('sarah@acme.test'), acme, '?events=1')
    expect((await api(`/accounts/${acme}/roles/${role}`, { method: 'DELETE', cookie: await login('owner@acme.test') })).status).toBe(204)
    expect(await closeCode(sarah)).toBe(liveClose.rightsChanged.code)
  })
})

describe('live sockets end with the account (rule 8)', () => {
  it('closes the sockets of a disabled reseller’s people, in its own log and its customers’; platform staff above it stay', async () => {
    // Protects against: people of a suspended tree still streaming its activity.
    const nimbus = await accountId('Nimbus Cloud')
    const acme = await accountId('Acme Hosting')
    const bluebird = await accountId('Bluebird Bakery')
    const tom = await connect(await login('tom@acme.test'), acme)
    const partnerInCustomer = await connect(await login('owner@acme.test'), bluebird)
    const customer = await connect(await login('owner@bluebird.test'), bluebird)
    const platform = await login('admin@nimbus.test')
    const platformOnAcme = await connect(platform, acme, '?events=1')
    const platformOnCustomer = await connect(platform, bluebird)
    const res = await api(`/accounts/${nimbus}/resellers/${acme}/disable`, { method: 'POST', cookie: platform, json: { reason: 'Unpaid invoice' } })
    expect(res.status).toBe(200)
    for (const conn of [tom, partnerInCustomer, customer]) expect(await closeCode(conn)).toBe(liveClose.accessEnded.code)
    expect(await alive(platformOnAcme)).toBe(true)
    expect(await alive(platformOnCustomer)).toBe(true)
    platformOnAcme.ws.close()
    platformOnCustomer.ws.close()
  })

  it('closes the sockets of a disabled customer’s people; its partner’s staff watching it stay', async () => {
    const acme = await accountId('Acme Hosting')
    const bluebird = await accountId('Bluebird Bakery')
    const owner = await login('owner@acme.test')
    const customer = await connect(await login('owner@bluebird.test'), bluebird)
    const sam = await connect(await login('sam@freelance.test'), bluebird)
    const samElsewhere = await connect(await login('sam@freelance.test'), await accountId('Evergreen Legal'))
    const partner = await connect(owner, bluebird)
    expect((await api(`/accounts/${acme}/customers/${bluebird}/disable`, { method: 'POST', cookie: owner, json: { reason: 'Paused' } })).status).toBe(200)
    expect(await closeCode(customer)).toBe(liveClose.accessEnded.code)
    expect(await closeCode(sam)).toBe(liveClose.accessEnded.code)
    expect(await alive(samElsewhere)).toBe(true)
    expect(await alive(partner)).toBe(true)
    samElsewhere.ws.close()
    partner.ws.close()
  })

  it('closes every socket on a deleted customer’s log, its people’s and its partner’s; the partner’s own log stays', async () => {
    // Protects against: a deleted (hidden) account's log still streaming to anyone.
    const acme = await accountId('Acme Hosting')
    const bluebird = await accountId('Bluebird Bakery')
    const owner = await login('owner@acme.test')
    const customer = await connect(await login('owner@bluebird.test'), bluebird)
    const partner = await connect(owner, bluebird, '?events=1')
    const partnerHome = await connect(owner, acme)
    expect((await api(`/accounts/${acme}/customers/${bluebird}`, { method: 'DELETE', cookie: owner })).status).toBe(200)
    expect(await closeCode(customer)).toBe(liveClose.accessEnded.code)
    expect(await closeCode(partner)).toBe(liveClose.accessEnded.code)
    expect(await alive(partnerHome)).toBe(true)
    partnerHome.ws.close()
  })

  it('closes the sockets under a deleted reseller, the platform’s included; the platform’s own log stays', async () => {
    const nimbus = await accountId('Nimbus Cloud')
    const acme = await accountId('Acme Hosting')
    const bluebird = await accountId('Bluebird Bakery')
    const platform = await login('admin@nimbus.test')
    const customer = await connect(await login('owner@bluebird.test'), bluebird)
    const platformOnCustomer = await connect(platform, bluebird)
    const platformHome = await connect(platform, nimbus)
    expect((await api(`/accounts/${nimbus}/resellers/${acme}`, { method: 'DELETE', cookie: platform })).status).toBe(200)
    expect(await closeCode(customer)).toBe(liveClose.accessEnded.code)
    expect(await closeCode(platformOnCustomer)).toBe(liveClose.accessEnded.code)
    expect(await alive(platformHome)).toBe(true)
    platformHome.ws.close()
  })
})
