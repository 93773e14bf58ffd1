import { env, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { linkOrigin } from '../../../worker/src/domain/emails.ts'
import { accountId, login, serviceId } from '../../helpers/client.ts'

// Rule 13: links in emails come from configuration (PUBLIC_ORIGIN) or a reseller's
// verified hostname, never from the Host header of the request that caused them.
// wrangler.toml sets PUBLIC_ORIGIN = http://localhost:8787, which the tests read.

/** An API call that arrives with another Host (and a matching Origin, so CSRF lets it through). */
function viaHost(host: string, path: string, init: { method?: string; cookie: string; json?: unknown }) {
  const headers = new Headers({ cookie: init.cookie, 'x-trellis-client-ip': '10.77.0.1' })
  if (init.json !== undefined) headers.set('content-type', 'application/json')
  if (init.method && init.method !== 'GET') headers.set('origin', `http://${host}`)
  return SELF.fetch(`http://${host}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  })
}

async function lastEmail(to: string) {
  const row = await env.DB.prepare('SELECT * FROM email_outbox WHERE "to" = ? ORDER BY created_at DESC, rowid DESC LIMIT 1')
    .bind(to)
    .first<{ subject: string; text: string; html: string }>()
  if (!row) throw new Error(`no email to ${to}`)
  return row
}

/** Every absolute URL in a message (text and HTML). */
function urlsIn(mail: { text: string; html: string }) {
  return [...`${mail.text}\n${mail.html}`.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((m) => m[0])
}

async function inviteNewcomer(host: string) {
  const acme = await accountId('Acme Hosting')
  const res = await viaHost(host, `/accounts/${acme}/invitations`, {
    method: 'POST',
    cookie: await login('owner@acme.test'),
    json: { kind: 'member', email: 'newcomer@example.test', level: 'user', roleIds: [], scope: { mode: 'none' } },
  })
  expect(res.status).toBe(201)
  return lastEmail('newcomer@example.test')
}

describe('links in emails (rule 13)', () => {
  it("points an invitation's link and logo at the reseller's verified hostname, on the configured scheme and port, whatever the Host header said", async () => {
    // Protects against: a forged Host turning a genuine invitation email into a link to the attacker's site.
    const mail = await inviteNewcomer('evil.example:4444')
    const acme = await accountId('Acme Hosting')
    expect(mail.text).toMatch(/http:\/\/acme\.localhost:8787\/invite\/[a-z2-7]+/)
    expect(mail.html).toContain(`src="http://acme.localhost:8787/api/v1/brand/logo/${acme}/1"`)
    expect(`${mail.text}${mail.html}`).not.toContain('evil.example')
    expect(`${mail.text}${mail.html}`).not.toContain('4444')
  })

  it('sends a reseller without a verified hostname to the platform origin, never to a pending hostname the request came in on', async () => {
    // Protects against: a reseller (or anyone) claiming a hostname it does not control and getting links minted for it.
    const acme = await accountId('Acme Hosting')
    await env.DB.batch([
      env.DB.prepare("UPDATE hostnames SET status = 'pending', verified_at = NULL WHERE hostname = 'acme.localhost'"),
      env.DB.prepare("INSERT INTO hostnames (id, hostname, reseller_account_id, status, verification_token) VALUES ('hst_attacker', 'portal.attacker.example', ?, 'pending', 'x')").bind(acme),
    ])
    const mail = await inviteNewcomer('portal.attacker.example')
    expect(mail.text).toMatch(/http:\/\/localhost:8787\/invite\/[a-z2-7]+/)
    expect(mail.html).toContain(`src="http://localhost:8787/api/v1/brand/logo/${acme}/1"`)
    for (const url of urlsIn(mail)) expect(new URL(url).hostname, url).not.toMatch(/attacker|acme\.localhost/)
  })

  it('links to https on a verified public hostname', async () => {
    await env.DB.prepare("UPDATE hostnames SET hostname = 'portal.acme-hosting.example' WHERE hostname = 'acme.localhost'").run()
    const mail = await inviteNewcomer('localhost:9999')
    expect(mail.text).toMatch(/https:\/\/portal\.acme-hosting\.example\/invite\/[a-z2-7]+/)
    expect(mail.html).toContain('src="https://portal.acme-hosting.example/api/v1/brand/logo/')
    expect(`${mail.text}${mail.html}`).not.toContain('9999')
  })

  it('uses the platform origin for an account outside any reseller', async () => {
    const nimbus = await accountId('Nimbus Cloud')
    const res = await viaHost('evil.example', `/accounts/${nimbus}/invitations`, {
      method: 'POST',
      cookie: await login('admin@nimbus.test'),
      json: { kind: 'member', email: 'ops@example.test', level: 'user', roleIds: [], scope: { mode: 'none' } },
    })
    expect(res.status).toBe(201)
    const mail = await lastEmail('ops@example.test')
    expect(mail.text).toMatch(/http:\/\/localhost:8787\/invite\/[a-z2-7]+/)
    expect(`${mail.text}${mail.html}`).not.toContain('evil.example')
  })

  it("links the impersonation notice to the target's verified portal, not to the Host header", async () => {
    // Protects against: a support session's notice sending its reader to a look-alike site.
    const tom = await env.DB.prepare("SELECT id FROM users WHERE email = 'tom@acme.test'").first<{ id: string }>()
    const res = await viaHost('evil.example', '/impersonation', {
      method: 'POST',
      cookie: await login('owner@acme.test'),
      json: { userId: tom!.id, accountId: await accountId('Acme Hosting'), reason: 'Checking the managed servers' },
    })
    expect(res.status).toBe(201)
    const mail = await lastEmail('tom@acme.test')
    expect(mail.text).toContain('http://acme.localhost:8787/profile')
    expect(`${mail.text}${mail.html}`).not.toContain('evil.example')
  })

  it('links member notifications to the verified portal, not to the Host header', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const member = await env.DB.prepare(
      "SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'owner@acme.test' AND m.account_id = ?",
    )
      .bind(acme)
      .first<{ id: string }>()
    expect((await viaHost('localhost', `/accounts/${acme}/members/${member!.id}/notifications`, { method: 'PUT', cookie: owner, json: { types: ['server_action'] } })).status).toBe(200)
    const restart = await viaHost('evil.example', `/accounts/${acme}/services/${await serviceId('acme-control-01')}/actions/restart`, {
      method: 'POST',
      cookie: await login('tom@acme.test'),
    })
    expect(restart.status).toBe(202)
    const mail = await lastEmail('owner@acme.test')
    expect(mail.text).toContain(`http://acme.localhost:8787/a/${acme}/activity`)
    expect(`${mail.text}${mail.html}`).not.toContain('evil.example')
  })
})

describe('linkOrigin', () => {
  it.each([
    ['http://localhost:8787', null, 'http://localhost:8787'],
    ['https://portal.example.com', null, 'https://portal.example.com'],
    ['https://portal.example.com/some/path', null, 'https://portal.example.com'],
    ['http://localhost:8787', 'acme.localhost', 'http://acme.localhost:8787'],
    ['http://localhost:8788', 'acme.localhost', 'http://acme.localhost:8788'],
    ['http://localhost:8787', 'portal.acme.example', 'https://portal.acme.example'],
    ['https://portal.example.com', 'portal.acme.example', 'https://portal.acme.example'],
    ['https://portal.example.com', 'acme.localhost', 'https://acme.localhost'],
  ])('PUBLIC_ORIGIN %s with verified hostname %s links to %s', (configured, hostname, expected) => {
    expect(linkOrigin(configured, hostname)).toBe(expected)
  })

  it('refuses a missing or malformed PUBLIC_ORIGIN instead of guessing one', () => {
    for (const bad of ['', 'localhost:8787', 'javascript:alert(1)', 'ftp://files.example']) expect(() => linkOrigin(bad, null)).toThrow(/PUBLIC_ORIGIN/)
  })
})
