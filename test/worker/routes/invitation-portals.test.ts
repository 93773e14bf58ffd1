import { env, SELF } from 'cloudflare:test'
import { beforeEach, describe, expect, it } from 'vitest'
import { invalidateBrandCache } from '../../../worker/src/domain/host-brand.ts'
import { accountId, api, login, problem } from '../../helpers/client.ts'

let ipCounter = 0

/** A request to the API as a browser on `host` sends it. */
function onHost(host: string, path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init
  const headers = new Headers(rest.headers)
  if (json !== undefined) headers.set('content-type', 'application/json')
  headers.set('x-trellis-client-ip', `10.78.${ipCounter++ % 250}.1`)
  if (rest.method && rest.method !== 'GET') headers.set('origin', `http://${host}`)
  return SELF.fetch(`http://${host}/api/v1${path}`, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body })
}

/** Invite `email` to an account as its owner would; returns the link's token (from the outbox). */
async function inviteTo(ownerEmail: string, account: string, email: string) {
  const res = await api(`/accounts/${await accountId(account)}/invitations`, { method: 'POST', cookie: await login(ownerEmail), json: { kind: 'member', email, level: 'user' } })
  expect(res.status, await res.clone().text()).toBe(201)
  const mail = await env.DB.prepare('SELECT text FROM email_outbox WHERE "to" = ? ORDER BY created_at DESC, rowid DESC LIMIT 1').bind(email).first<{ text: string }>()
  return /\/invite\/([a-z2-7]+)/.exec(mail!.text)![1]!
}

beforeEach(() => {
  invalidateBrandCache()
})

describe('an invitation opened on another reseller’s portal', () => {
  it("is refused with the address of the inviting reseller's portal, showing nothing of the invitation", async () => {
    // Protects against a person being signed up into Acme's tree under Globex's brand (a foreign portal collecting their password).
    const token = await inviteTo('owner@acme.test', 'Acme Hosting', 'newhire@example.test')
    const res = await onHost('globex.localhost', `/invitations/${token}`)
    expect(res.status).toBe(403)
    const body = await problem(res)
    expect(body.code).toBe('wrong_portal')
    expect(body.portal).toBe('http://acme.localhost')
    expect(JSON.stringify(body)).not.toContain('newhire@example.test')
    expect(JSON.stringify(body)).not.toContain('Acme Hosting')
  })

  it('points to the platform host when the inviting reseller has no verified hostname', async () => {
    const token = await inviteTo('owner@acme.test', 'Acme Hosting', 'plain@example.test')
    await env.DB.prepare("UPDATE hostnames SET status = 'pending', verified_at = NULL, expires_at = ? WHERE hostname = 'acme.localhost'").bind(Date.now() + 86_400_000).run()
    invalidateBrandCache()
    const res = await onHost('globex.localhost:8787', `/invitations/${token}`)
    expect(res.status).toBe(403)
    expect((await problem(res)).portal).toBe('http://localhost:8787')
  })

  it('cannot be accepted there: nothing is created and the link keeps working at home', async () => {
    const token = await inviteTo('owner@acme.test', 'Acme Hosting', 'acceptor@example.test')
    const res = await onHost('globex.localhost', `/invitations/${token}/accept`, { method: 'POST', json: { name: 'Acceptor', password: 'copper-kettle-48-meadow' } })
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('wrong_portal')
    expect(res.headers.get('set-cookie') ?? '').not.toContain('trellis_session=')
    expect(await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = 'acceptor@example.test'").first()).toEqual({ n: 0 })
    expect((await onHost('acme.localhost', `/invitations/${token}`)).status).toBe(200)
  })

  it("opens on the inviting reseller's own portal, on the platform host, and for its customers' invitations", async () => {
    const acmeToken = await inviteTo('owner@acme.test', 'Acme Hosting', 'home@example.test')
    expect((await onHost('acme.localhost', `/invitations/${acmeToken}`)).status).toBe(200)
    expect((await onHost('localhost', `/invitations/${acmeToken}`)).status).toBe(200)
    const customerToken = await inviteTo('owner@bluebird.test', 'Bluebird Bakery', 'baker@example.test')
    expect((await onHost('acme.localhost', `/invitations/${customerToken}`)).status).toBe(200)
    const refused = await onHost('globex.localhost', `/invitations/${customerToken}`)
    expect((await problem(refused)).portal).toBe('http://acme.localhost')
    // Unknown tokens answer 404 everywhere, as before.
    expect((await onHost('globex.localhost', '/invitations/abcdefghijklmnopqrstuvwxyz234567')).status).toBe(404)
  })
})
