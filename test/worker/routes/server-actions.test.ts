import { env, SELF } from 'cloudflare:test'
import { beforeEach, describe, expect, it } from 'vitest'
import { httpProvisioning } from '../../../worker/src/adapters/provisioning.ts'
import { accountId, api, jsonOf, login, membershipId, problem, serviceId, userIdOf } from '../../helpers/client.ts'

// The real provisioning adapter talks to test/helpers/provisioning-api.ts over HTTP; tests steer it here.
const control = (path: string, body?: unknown) =>
  fetch(`${env.PROVISIONING_CONTROL}/_control${path}`, { method: body === undefined ? 'GET' : 'POST', body: body === undefined ? undefined : JSON.stringify(body) })
const next = (sid: string, ...outcomes: string[]) => control('/next', { serviceId: sid, outcomes })
const received = async () => (await (await control('/received')).json()) as { headers: Record<string, string>; body: string; signatureOk: boolean }[]
const sentFor = async (sid: string) => (await received()).filter((r) => r.body.includes(`"${sid}"`))

const run = (cookie: string, account: string, sid: string, action: string, json?: unknown) =>
  api(`/accounts/${account}/services/${sid}/actions/${action}`, { method: 'POST', cookie, json })

// Demo ids repeat in every test: the stand-in forgets what earlier tests sent.
beforeEach(async () => {
  await fetch(`${env.PROVISIONING_CONTROL}/_control`, { method: 'DELETE' })
})

type Action = { id: string; action: string; status: string; reason: string | null; newName: string | null }

/** Wait until the service's newest action is no longer pending; returns it. */
async function settled(cookie: string, account: string, sid: string, timeoutMs = 15_000): Promise<Action> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const res = await api(`/accounts/${account}/services/${sid}/actions`, { cookie })
    const { items } = await jsonOf(res, 'listServiceActions')
    if (items[0] && items[0].status !== 'pending') return items[0]
    if (Date.now() > until) throw new Error(`still pending: ${JSON.stringify(items[0])}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const eventsOf = async (cookie: string, account: string, sid: string) => {
  const res = await api(`/accounts/${account}/activity?target=${sid}`, { cookie })
  return (await jsonOf(res, 'listActivity')).items
}

describe('server actions: who may send them', () => {
  const every = ['restart', 'stop', 'start', 'reinstall', 'rename']

  // Protects against cross-tenant operations: another reseller's owner reaches nothing, and the backend hears nothing.
  it('answers 404 to a sibling tenant for every action and the action list, and sends nothing', async () => {
    const acme = await accountId('Acme Hosting')
    const globex = await accountId('Globex Partners')
    const sid = await serviceId('acme-control-01')
    const cookie = await login('owner@globex.test')
    for (const account of [acme, globex]) {
      for (const action of every) expect((await run(cookie, account, sid, action, { name: 'x', confirm: 'acme-control-01' })).status, action).toBe(404)
      expect((await api(`/accounts/${account}/services/${sid}/actions`, { cookie })).status).toBe(404)
    }
    expect(await sentFor(sid)).toEqual([])
  })

  it('answers 401 without a session', async () => {
    const res = await run('', await accountId('Acme Hosting'), await serviceId('acme-control-01'), 'restart')
    expect(res.status).toBe(401)
  })

  // Protects against scope escape: a tagged-scope user cannot reach a service outside the tag.
  it('answers 404 to a scoped user for a service outside their scope', async () => {
    const acme = await accountId('Acme Hosting')
    const created = await api(`/accounts/${acme}/services`, { method: 'POST', cookie: await login('owner@acme.test'), json: { type: 'server', name: 'lab-07', tags: ['lab'] } })
    const sid = (await jsonOf(created, 'createService')).service.id
    expect((await run(await login('tom@acme.test'), acme, sid, 'restart')).status).toBe(404)
    expect(await sentFor(sid)).toEqual([])
  })

  it('refuses a member without services.operate (Billing role)', async () => {
    const res = await run(await login('billie@acme.test'), await accountId('Acme Hosting'), await serviceId('acme-control-01'), 'restart')
    expect(res.status).toBe(403)
  })

  // Protects against an impersonation doing more than the impersonator may: the customer's consent binds the partner.
  it('refuses an impersonating partner on a service without consent', async () => {
    const owner = await login('owner@acme.test')
    const started = await api('/impersonation', { method: 'POST', cookie: owner, json: { userId: await userIdOf('sam@freelance.test'), accountId: await accountId('Bluebird Bakery'), reason: 'Help with the backup server' } })
    expect(started.status).toBe(201)
    const sid = await serviceId('bluebird-backup-01')
    const res = await run(owner, await accountId('Bluebird Bakery'), sid, 'reinstall', { confirm: 'bluebird-backup-01' })
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('consent_required')
    expect(await sentFor(sid)).toEqual([])
  })

  // Protects against a removed member keeping power.
  it('refuses a removed member', async () => {
    const acme = await accountId('Acme Hosting')
    const tom = await login('tom@acme.test')
    const removed = await api(`/accounts/${acme}/members/${await membershipId('tom@acme.test', 'Acme Hosting')}`, { method: 'DELETE', cookie: await login('owner@acme.test') })
    expect(removed.status).toBe(204)
    expect([401, 404]).toContain((await run(tom, acme, await serviceId('acme-control-01'), 'restart')).status)
  })
})

describe('server actions: the provisioning backend', () => {
  it('sends a signed request and records the backend’s done in the service and the log', async () => {
    const acme = await accountId('Acme Hosting')
    const sid = await serviceId('acme-control-01')
    const cookie = await login('sarah@acme.test')
    const res = await run(cookie, acme, sid, 'restart')
    expect(res.status).toBe(202)
    const { action } = await jsonOf(res, 'runServiceAction')
    expect(action).toMatchObject({ action: 'restart', status: 'pending', requestedBy: 'sarah@acme.test' })
    expect(await settled(cookie, acme, sid)).toMatchObject({ id: action.id, status: 'done', reason: null })
    const [sent] = await sentFor(sid)
    expect(sent!.signatureOk).toBe(true)
    expect(sent!.headers['idempotency-key']).toBe(action.id)
    expect(sent!.headers['trellis-signature']).toMatch(/^v1=[0-9a-f]{64}$/)
    expect(JSON.parse(sent!.body)).toMatchObject({ id: action.id, action: 'restart', service: { id: sid, name: 'acme-control-01', type: 'server' } })
    const detail = await jsonOf(await api(`/accounts/${acme}/services/${sid}`, { cookie }), 'getService')
    expect(detail.service.lastAction?.action).toBe('restart')
    expect(detail.actions[0]).toMatchObject({ status: 'done' })
    const types = (await eventsOf(await login('owner@acme.test'), acme, sid)).map((e) => e.type)
    expect(types.slice(0, 2)).toEqual(['update_server', 'server_action'])
  })

  it('announces the outcome on the account’s live socket as an update_server change of the service', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const sid = await serviceId('bluebird-pos-01')
    const cookie = await login('owner@bluebird.test')
    const res = await SELF.fetch(`http://localhost/api/v1/accounts/${bluebird}/activity/live?events=0`, { headers: { upgrade: 'websocket', cookie } })
    expect(res.status).toBe(101)
    const ws = res.webSocket!
    const changes: { type: string; target?: { id: string } }[] = []
    ws.addEventListener('message', (e) => {
      const frame = JSON.parse(String(e.data)) as { type: string; changes?: typeof changes }
      if (frame.type === 'changes') changes.push(...frame.changes!)
    })
    ws.accept()
    await next(sid, 'hold')
    expect((await run(cookie, bluebird, sid, 'restart')).status).toBe(202)
    await control('/release', { serviceId: sid })
    for (let i = 0; i < 200 && !changes.some((c) => c.type === 'update_server'); i++) await new Promise((r) => setTimeout(r, 50))
    expect(changes.map((c) => [c.type, c.target?.id])).toEqual([
      ['server_action', sid],
      ['update_server', sid],
    ])
    ws.close()
  })

  it('records a failure with the backend’s reason, and a backend error with its reason', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const sid = await serviceId('bluebird-pos-01')
    const cookie = await login('owner@bluebird.test')
    await next(sid, 'fail', 'error')
    expect((await run(cookie, bluebird, sid, 'stop')).status).toBe(202)
    expect(await settled(cookie, bluebird, sid)).toMatchObject({ action: 'stop', status: 'failed', reason: 'The host refused: disk quota exceeded.' })
    expect((await run(cookie, bluebird, sid, 'start')).status).toBe(202)
    expect(await settled(cookie, bluebird, sid)).toMatchObject({ action: 'start', status: 'failed', reason: 'Maintenance window: try again later.' })
    const events = await eventsOf(cookie, bluebird, sid)
    expect(events[0]!.description).toContain('failed: Maintenance window')
    // A failed action changes nothing about the service.
    expect((await jsonOf(await api(`/accounts/${bluebird}/services/${sid}`, { cookie }), 'getService')).service.lastAction).toBeNull()
  })

  it('fails an action whose backend does not answer in time', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const sid = await serviceId('bluebird-pos-01')
    const cookie = await login('owner@bluebird.test')
    await next(sid, 'hang')
    expect((await run(cookie, bluebird, sid, 'restart')).status).toBe(202)
    const outcome = await settled(cookie, bluebird, sid)
    expect(outcome.status).toBe('failed')
    expect(outcome.reason).toMatch(/did not answer within \d+ s/)
  })

  it('renames the service only once the backend has done it', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const sid = await serviceId('bluebird-pos-01')
    const cookie = await login('owner@bluebird.test')
    await next(sid, 'hold')
    expect((await run(cookie, bluebird, sid, 'rename', { name: 'bluebird-till-01' })).status).toBe(202)
    await new Promise((r) => setTimeout(r, 300))
    expect((await jsonOf(await api(`/accounts/${bluebird}/services/${sid}`, { cookie }), 'getService')).service.name).toBe('bluebird-pos-01')
    await control('/release', { serviceId: sid })
    expect(await settled(cookie, bluebird, sid)).toMatchObject({ status: 'done', newName: 'bluebird-till-01' })
    expect((await jsonOf(await api(`/accounts/${bluebird}/services/${sid}`, { cookie }), 'getService')).service.name).toBe('bluebird-till-01')
  })

  it('asks for the service’s name before a reinstall, and refuses actions a type does not have', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const sid = await serviceId('bluebird-pos-01')
    const cookie = await login('owner@bluebird.test')
    for (const confirm of [undefined, '', 'bluebird-pos-02', 'BLUEBIRD-POS-01']) {
      const res = await run(cookie, bluebird, sid, 'reinstall', confirm === undefined ? {} : { confirm })
      expect(res.status, String(confirm)).toBe(400)
      expect((await problem(res)).errors?.[0]?.field).toBe('confirm')
    }
    const hosting = await serviceId('www.bluebirdbakery.com')
    for (const action of ['stop', 'start', 'reinstall']) {
      const res = await run(cookie, bluebird, hosting, action, { confirm: 'www.bluebirdbakery.com' })
      expect(res.status, action).toBe(422)
      expect((await problem(res)).code).toBe('unsupported_action')
    }
    expect(await sentFor(sid)).toEqual([])
    expect((await run(cookie, bluebird, sid, 'reinstall', { confirm: 'bluebird-pos-01' })).status).toBe(202)
    expect(await settled(cookie, bluebird, sid)).toMatchObject({ action: 'reinstall', status: 'done' })
  })

  // Protects against two actions racing on one server: the database admits one pending action per service.
  it('admits exactly one of several racing actions; the others answer 409 until it finishes', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const sid = await serviceId('bluebird-pos-01')
    const cookie = await login('owner@bluebird.test')
    await next(sid, 'hold')
    const answers = await Promise.all(['restart', 'stop', 'restart', 'start', 'restart', 'restart'].map((a) => run(cookie, bluebird, sid, a)))
    const statuses = answers.map((r) => r.status).sort()
    expect(statuses).toEqual([202, 409, 409, 409, 409, 409])
    const refused = answers.find((r) => r.status === 409)!
    expect((await problem(refused)).code).toBe('action_pending')
    const pending = await env.DB.prepare("SELECT count(*) AS n FROM service_actions WHERE service_id = ? AND status = 'pending'").bind(sid).first<{ n: number }>()
    expect(pending!.n).toBe(1)
    await control('/release', { serviceId: sid })
    expect((await settled(cookie, bluebird, sid)).status).toBe('done')
    expect((await run(cookie, bluebird, sid, 'restart')).status).toBe(202)
    await settled(cookie, bluebird, sid)
  })

  it('does not let a pending action the backend never finished block the service forever', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const sid = await serviceId('bluebird-pos-01')
    const cookie = await login('owner@bluebird.test')
    const past = Date.now() - 60_000
    await env.DB.prepare("INSERT INTO service_actions (id, service_id, account_id, action, status, requested_by, created_at, deadline_at) VALUES ('act_lost', ?, ?, 'restart', 'pending', 'x@y.test', ?, ?)")
      .bind(sid, bluebird, past - 30_000, past)
      .run()
    const listed = await jsonOf(await api(`/accounts/${bluebird}/services/${sid}/actions`, { cookie }), 'listServiceActions')
    expect(listed.items[0]).toMatchObject({ id: 'act_lost', status: 'failed', reason: 'The provisioning backend did not answer in time.' })
    expect((await run(cookie, bluebird, sid, 'restart')).status).toBe(202)
    expect(await settled(cookie, bluebird, sid)).toMatchObject({ status: 'done' })
  })
})

describe('the provisioning adapter', () => {
  // Protects against forged requests reaching the operator's backend: only the shared secret signs.
  it('is refused by the backend when signed with another secret, and reports the refusal', async () => {
    const forged = httpProvisioning({ url: `${env.PROVISIONING_CONTROL}/actions`, secret: 'not-the-platform-secret-000000', timeoutMs: 5000 })
    const outcome = await forged.send({ id: 'act_forged', action: 'restart', service: { id: 'svc_forged', name: 'x', type: 'server', accountId: 'acc_x' } })
    expect(outcome).toEqual({ status: 'failed', reason: 'Signature refused.' })
    const [req] = await sentFor('svc_forged')
    expect(req!.signatureOk).toBe(false)
  })

  it('fails softly when the backend cannot be reached', async () => {
    const nowhere = httpProvisioning({ url: 'http://127.0.0.1:9/actions', secret: 'whatever-secret-0123456789', timeoutMs: 2000 })
    const outcome = await nowhere.send({ id: 'act_x', action: 'start', service: { id: 's', name: 'x', type: 'server', accountId: 'a' } })
    expect(outcome.status).toBe('failed')
  })
})
