import { env, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DEMO_API_KEY } from '../../../db/seed/demo.ts'
import { accountId, api, login, ORIGIN, problem, jsonOf } from '../../helpers/client.ts'


/** Call the API with a key, the way an integration does: no cookie, no Origin. */
function withKey(key: string, path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, headers, ...rest } = init
  const h = new Headers(headers)
  h.set('authorization', `Bearer ${key}`)
  if (json !== undefined) h.set('content-type', 'application/json')
  return SELF.fetch(`${ORIGIN}/api/v1${path}`, { ...rest, headers: h, body: json !== undefined ? JSON.stringify(json) : rest.body })
}

async function createKey(cookie: string, account: string, body: Record<string, unknown>) {
  return api(`/accounts/${account}/api-keys`, { method: 'POST', cookie, json: { name: 'CI deploys', level: 'admin', roles: ['technical'], scope: { mode: 'all' }, ...body } })
}

async function newKey(body: Record<string, unknown> = {}) {
  const acme = await accountId('Acme Hosting')
  const res = await createKey(await login('owner@acme.test'), acme, body)
  expect(res.status).toBe(201)
  return { acme, ...(await jsonOf(res, 'createApiKey')) }
}

describe('POST /api/v1/accounts/{id}/api-keys', () => {
  it('creates a key within the creator\'s grants, shows it once with its prefix, stores only a hash', async () => {
    const { acme, apiKey, secret } = await newKey()
    expect(secret).toMatch(/^trl_[a-z2-7]{16}_[a-z2-7]{32}$/)
    expect(secret.startsWith(apiKey.prefix)).toBe(true)
    const row = await env.DB.prepare('SELECT secret_hash FROM api_keys WHERE id = ?').bind(apiKey.id).first<{ secret_hash: string }>()
    expect(row!.secret_hash).toHaveLength(64)
    expect(JSON.stringify(row)).not.toContain(secret.slice(-32))
    const list = await jsonOf(await api(`/accounts/${acme}/api-keys`, { cookie: await login('owner@acme.test') }), 'listApiKeys')
    expect(JSON.stringify(list)).not.toContain(secret.slice(-32))
    expect(list.items.some((k) => k.id === apiKey.id)).toBe(true)
  })

  it('refuses a key beyond the creator\'s grants and names the field', async () => {
    // Protects against: a member minting a key with more rights than they hold (rule 6).
    // Sarah (admin: manager, technical, customer care) is given security.manage through a custom role she may not widen.
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const role = await api(`/accounts/${acme}/roles`, { method: 'POST', cookie: owner, json: { name: 'Key keeper', permissions: ['security.view', 'security.manage'] } })
    expect(role.status).toBe(201)
    const roleId = (await jsonOf(role, 'createRole')).role.id
    const sarahMember = await env.DB.prepare("SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'sarah@acme.test'").first<{ id: string }>()
    const current = await env.DB.prepare('SELECT role_id FROM membership_roles WHERE membership_id = ?').bind(sarahMember!.id).all<{ role_id: string }>()
    const grant = await api(`/accounts/${acme}/members/${sarahMember!.id}`, { method: 'PATCH', cookie: owner, json: { roles: [...current.results.map((r) => r.role_id), roleId] } })
    expect(grant.status).toBe(200)
    const sarah = await login('sarah@acme.test')
    const billing = await createKey(sarah, acme, { roles: ['billing'] })
    expect(billing.status).toBe(403)
    const body = await problem(billing)
    expect(body.code).toBe('escalation')
    expect(body.errors?.[0]?.field).toBe('roles')
    const owned = await createKey(sarah, acme, { level: 'owner' })
    expect(owned.status).toBe(400)
    // Within her grants it works.
    expect((await createKey(sarah, acme, { roles: ['technical'] })).status).toBe(201)
  })

  it('refuses members without security.manage, and a sibling tenant with 404', async () => {
    const acme = await accountId('Acme Hosting')
    expect((await createKey(await login('tom@acme.test'), acme, {})).status).toBe(403)
    expect((await createKey(await login('owner@globex.test'), acme, {})).status).toBe(404)
  })

  it('refuses an expiry in the past, naming the field', async () => {
    const acme = await accountId('Acme Hosting')
    const res = await createKey(await login('owner@acme.test'), acme, { expiresAt: Date.now() - 1000 })
    expect(res.status).toBe(400)
    expect((await problem(res)).errors?.[0]?.field).toBe('expiresAt')
  })
})

describe('a request with an API key', () => {
  it('acts through the same checks as a member, in its account and below', async () => {
    const { acme, secret } = await newKey({ roles: ['technical'] })
    expect((await withKey(secret, `/accounts/${acme}`)).status).toBe(200)
    expect((await withKey(secret, `/accounts/${acme}/services`)).status).toBe(200)
    // Technical holds no staff.view.
    const staff = await withKey(secret, `/accounts/${acme}/members`)
    expect(staff.status).toBe(403)
    expect((await problem(staff)).code).toBe('forbidden')
    // Another tenant's account is absent.
    expect((await withKey(secret, `/accounts/${await accountId('Globex Partners')}`)).status).toBe(404)
  })

  it('is recorded as the actor of its events (name and id)', async () => {
    const { acme, apiKey, secret } = await newKey({ roles: ['technical'] })
    const created = await withKey(secret, `/accounts/${acme}/services`, { method: 'POST', json: { name: 'key-made.example', type: 'domain' } })
    expect(created.status).toBe(201)
    const events = await jsonOf(await api(`/accounts/${acme}/activity?type=service_created`, { cookie: await login('owner@acme.test') }), 'listActivity')
    expect(events.items[0]!.actor!.id).toBe(apiKey.id)
    expect(events.items[0]!.actor!.email).toBe('CI deploys (API key)')
  })

  it('needs no Origin and ignores cookies', async () => {
    // Protects against: a key request being upgraded by an ambient session cookie, or refused by the browser-only CSRF rule.
    const { acme, secret } = await newKey({ roles: ['technical'] })
    const ownerCookie = await login('owner@acme.test')
    // The owner's cookie would allow staff.view; with the key it is not used.
    const res = await withKey(secret, `/accounts/${acme}/members`, { headers: { cookie: ownerCookie } })
    expect(res.status).toBe(403)
    const cross = await withKey(secret, `/accounts/${acme}/services`, { method: 'POST', json: { name: 'no-origin.example', type: 'domain' }, headers: { origin: 'https://elsewhere.example' } })
    expect(cross.status).toBe(201)
    // Without a key, the same cross-site request is refused.
    const cookieOnly = await api(`/accounts/${acme}/services`, { method: 'POST', cookie: ownerCookie, json: { name: 'x.example', type: 'domain' }, headers: { origin: 'https://elsewhere.example' } })
    expect(cookieOnly.status).toBe(403)
  })

  it('cannot create keys, impersonate, or use a person\'s own routes', async () => {
    // Protects against: a leaked key minting a longer-lived key or becoming a person.
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const res = await createKey(owner, acme, { level: 'admin', roles: [], scope: { mode: 'all' } })
    const { secret } = await jsonOf(res, 'createApiKey')
    // Even an admin key on the owner's account is refused where only a person may act.
    for (const [method, path, json] of [
      ['POST', `/accounts/${acme}/api-keys`, { name: 'child', level: 'user', roles: [] }],
      ['POST', '/impersonation', { userId: 'x', accountId: acme, reason: 'because' }],
      ['GET', '/me', undefined],
      ['PATCH', '/me', { name: 'Key' }],
      ['GET', '/me/sessions', undefined],
      ['POST', '/auth/logout', undefined],
    ] as const) {
      const answer = await withKey(secret, path, { method, ...(json ? { json } : {}) })
      expect(answer.status, `${method} ${path}`).toBe(403)
      expect((await problem(answer)).code).toBe('api_key_forbidden')
    }
  })

  it('answers 401 for a revoked key, an expired key and a forged one', async () => {
    const { acme, apiKey, secret } = await newKey()
    const owner = await login('owner@acme.test')
    expect((await api(`/accounts/${acme}/api-keys/${apiKey.id}`, { method: 'DELETE', cookie: owner })).status).toBe(204)
    const revoked = await withKey(secret, `/accounts/${acme}`)
    expect(revoked.status).toBe(401)
    expect((await problem(revoked)).code).toBe('api_key_invalid')
    const events = await jsonOf(await api(`/accounts/${acme}/activity?type=api_key_revoked`, { cookie: owner }), 'listActivity')
    expect(events.items).toHaveLength(1)

    const second = await newKey({ expiresAt: Date.now() + 60_000 })
    expect((await withKey(second.secret, `/accounts/${acme}`)).status).toBe(200)
    await env.DB.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?').bind(Date.now() - 1, second.apiKey.id).run()
    expect((await withKey(second.secret, `/accounts/${acme}`)).status).toBe(401)

    const forged = `${second.secret.slice(0, -4)}aaaa`
    expect((await withKey(forged, `/accounts/${acme}`)).status).toBe(401)
    expect((await withKey('not-a-key', `/accounts/${acme}`)).status).toBe(401)
  })

  it('stops at once when its account is disabled, and when it is deleted', async () => {
    // Rule 8: a disabled tree's keys stop with it.
    const acme = await accountId('Acme Hosting')
    const customer = await env.DB.prepare("SELECT id FROM accounts WHERE kind = 'customer' AND parent_id = ? LIMIT 1").bind(acme).first<{ id: string }>()
    const owner = await login('owner@acme.test')
    const res = await createKey(owner, customer!.id, { level: 'admin', roles: ['technical'] })
    expect(res.status).toBe(201)
    const { secret } = await jsonOf(res, 'createApiKey')
    expect((await withKey(secret, `/accounts/${customer!.id}`)).status).toBe(200)
    await env.DB.prepare("UPDATE accounts SET status = 'disabled' WHERE id = ?").bind(acme).run()
    const disabled = await withKey(secret, `/accounts/${customer!.id}`)
    expect(disabled.status).toBe(403)
    expect((await problem(disabled)).code).toBe('account_suspended')
    await env.DB.prepare("UPDATE accounts SET status = 'deleted', purge_after = ? WHERE id = ?").bind(Date.now() + 1000000, acme).run()
    expect((await withKey(secret, `/accounts/${customer!.id}`)).status).toBe(401)
  })

  it('keeps its last use (time and address), written at most once a minute', async () => {
    const { acme, apiKey, secret } = await newKey()
    await withKey(secret, `/accounts/${acme}`, { headers: { 'x-trellis-client-ip': '203.0.113.7' } })
    const first = await env.DB.prepare('SELECT last_used_at, last_used_ip FROM api_keys WHERE id = ?').bind(apiKey.id).first<{ last_used_at: number; last_used_ip: string }>()
    expect(first!.last_used_ip).toBe('203.0.113.7')
    await withKey(secret, `/accounts/${acme}`, { headers: { 'x-trellis-client-ip': '203.0.113.8' } })
    const second = await env.DB.prepare('SELECT last_used_at, last_used_ip FROM api_keys WHERE id = ?').bind(apiKey.id).first<{ last_used_at: number; last_used_ip: string }>()
    expect(second).toEqual(first)
  })

  it('answers 404 for another tenant\'s key id on revoke', async () => {
    const { apiKey } = await newKey()
    const globex = await accountId('Globex Partners')
    const res = await api(`/accounts/${globex}/api-keys/${apiKey.id}`, { method: 'DELETE', cookie: await login('owner@globex.test') })
    expect(res.status).toBe(404)
    const acme = await accountId('Acme Hosting')
    expect((await api(`/accounts/${acme}/api-keys/${apiKey.id}`, { method: 'DELETE', cookie: await login('owner@globex.test') })).status).toBe(404)
  })

  it('works for the seeded demo key', async () => {
    const acme = await accountId('Acme Hosting')
    expect((await withKey(DEMO_API_KEY.key, `/accounts/${acme}/services`)).status).toBe(200)
  })

  it('lets an impersonator create no key beyond their own reach', async () => {
    // Protects against: acting as a customer's owner to mint a key with rights the impersonator lacks there (rule 7).
    const acme = await accountId('Acme Hosting')
    const customer = await env.DB.prepare("SELECT a.id, m.user_id FROM accounts a JOIN memberships m ON m.account_id = a.id WHERE a.kind = 'customer' AND a.parent_id = ? AND m.level = 'owner' LIMIT 1").bind(acme).first<{ id: string; user_id: string }>()
    // Sarah (Acme admin, no security.manage) is given customers.impersonate and acts as the customer's owner, who could.
    const owner = await login('owner@acme.test')
    const role = await api(`/accounts/${acme}/roles`, { method: 'POST', cookie: owner, json: { name: 'Support desk', permissions: ['customers.view', 'customers.impersonate'] } })
    const roleId = (await jsonOf(role, 'createRole')).role.id
    const member = await env.DB.prepare("SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'sarah@acme.test'").first<{ id: string }>()
    const held = await env.DB.prepare('SELECT role_id FROM membership_roles WHERE membership_id = ?').bind(member!.id).all<{ role_id: string }>()
    expect((await api(`/accounts/${acme}/members/${member!.id}`, { method: 'PATCH', cookie: owner, json: { roles: [...held.results.map((r) => r.role_id), roleId] } })).status).toBe(200)
    const sarah = await login('sarah@acme.test')
    const started = await api('/impersonation', { method: 'POST', cookie: sarah, json: { userId: customer!.user_id, accountId: customer!.id, reason: 'Setting up their integration' } })
    expect(started.status).toBe(201)
    const res = await createKey(sarah, customer!.id, { level: 'admin', roles: ['technical'] })
    expect(res.status).toBe(403)
    expect(await env.DB.prepare('SELECT count(*) AS n FROM api_keys WHERE account_id = ?').bind(customer!.id).first<{ n: number }>()).toEqual({ n: 0 })
  })
})
