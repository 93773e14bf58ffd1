import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from 'cloudflare:test'
import { beforeEach, describe, expect, it } from 'vitest'
import { invalidateBrandCache } from '../../../worker/src/domain/host-brand.ts'
import worker from '../../../worker/src/index.ts'
import { accountId, api, breakDns, cloudflareControl, jsonOf, login, problem, publishTxt, unpublishTxt } from '../../helpers/client.ts'

type HostnameView = {
  id: string
  hostname: string
  status: 'pending' | 'verified'
  record: { type: 'TXT'; name: string; value: string }
  createdAt: number
  verifiedAt: number | null
  expiresAt: number | null
}

const DAY = 24 * 60 * 60 * 1000

beforeEach(() => {
  invalidateBrandCache()
})

/** Run the daily Cron Trigger through the worker's own `scheduled` handler. */
async function runCron(at = Date.now()) {
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: '30 3 * * *' }), env, ctx)
  await waitOnExecutionContext(ctx)
}

async function tenant(email: string, name: string) {
  return { cookie: await login(email), id: await accountId(name) }
}
const acme = () => tenant('owner@acme.test', 'Acme Hosting')
const globex = () => tenant('owner@globex.test', 'Globex Partners')

async function claim(t: { cookie: string; id: string }, hostname: string) {
  return api(`/accounts/${t.id}/hostnames`, { method: 'POST', cookie: t.cookie, json: { hostname } })
}
async function claimed(t: { cookie: string; id: string }, hostname: string) {
  const res = await claim(t, hostname)
  expect(res.status, await res.clone().text()).toBe(201)
  return (await jsonOf(res, 'createHostname')).hostname
}
const verify = (t: { cookie: string; id: string }, id: string) => api(`/accounts/${t.id}/hostnames/${id}/verify`, { method: 'POST', cookie: t.cookie })
const publish = (h: HostnameView, ...values: string[]) => publishTxt(h.record.name, ...values)
async function list(t: { cookie: string; id: string }) {
  return (await jsonOf(await api(`/accounts/${t.id}/hostnames`, { cookie: t.cookie }), 'listHostnames')).items
}
async function brandOwner(host: string) {
  const res = await SELF.fetch(`http://${host}/api/v1/brand`)
  return (await jsonOf(res, 'getPortalBrand')).brand.resellerId
}
async function events(t: { cookie: string; id: string }, type: string) {
  const res = await api(`/accounts/${t.id}/activity?type=${type}&limit=50`, { cookie: t.cookie })
  expect(res.status).toBe(200)
  return (await jsonOf(res, 'listActivity')).items
}

describe('pending hostname claims', () => {
  it('let two tenants each hold a pending claim on the same name, each with its own token, shown with its expiry', async () => {
    // Protects against one tenant squatting a name by claiming it first, without ever proving control of its DNS.
    const [a, g] = [await acme(), await globex()]
    const before = Date.now()
    const mine = await claimed(a, 'portal.shared.example')
    const theirs = await claimed(g, 'PORTAL.shared.example.')
    expect(theirs.hostname).toBe('portal.shared.example')
    expect(theirs.record.value).not.toBe(mine.record.value)
    for (const h of [mine, theirs]) {
      expect(h.status).toBe('pending')
      expect(h.expiresAt! - before).toBeGreaterThanOrEqual(7 * DAY - 5000)
      expect(h.expiresAt! - Date.now()).toBeLessThanOrEqual(7 * DAY)
    }
    // One claim per tenant and name.
    const again = await claim(a, 'portal.shared.example')
    expect(again.status).toBe(409)
    expect((await problem(again)).errors?.[0]?.field).toBe('hostname')
  })

  it('go to the first to verify: the others are dropped, told so in their own log, and cannot come back while it is verified', async () => {
    const [a, g] = [await acme(), await globex()]
    const mine = await claimed(a, 'portal.contested.example')
    const theirs = await claimed(g, 'portal.contested.example')
    // Globex controls the DNS: its token is the one published.
    await publish(theirs, theirs.record.value)
    const won = await verify(g, theirs.id)
    expect(won.status).toBe(200)
    expect((await jsonOf(won, 'verifyHostname')).hostname).toMatchObject({ status: 'verified', expiresAt: null })
    expect(await brandOwner('portal.contested.example')).toBe(g.id)

    expect((await list(a)).map((h) => h.hostname)).not.toContain('portal.contested.example')
    expect((await verify(a, mine.id)).status).toBe(404)
    const dropped = await events(a, 'hostname_expired')
    expect(dropped).toHaveLength(1)
    expect(dropped[0]!.description).toContain('portal.contested.example')
    // The loser's log names no one from the winning tenant.
    expect(dropped[0]!.actor).toBeNull()
    expect(dropped[0]!.description).not.toContain('globex')

    const reclaim = await claim(a, 'portal.contested.example')
    expect(reclaim.status).toBe(409)
  })

  it('make a verified hostname unique even when two verifications race', async () => {
    const [a, g] = [await acme(), await globex()]
    const mine = await claimed(a, 'portal.race.example')
    const theirs = await claimed(g, 'portal.race.example')
    await publish(mine, mine.record.value, theirs.record.value)
    const results = await Promise.all([verify(a, mine.id), verify(g, theirs.id), verify(a, mine.id), verify(g, theirs.id)])
    const winners = new Set<string>()
    for (const [i, r] of results.entries()) {
      expect([200, 404, 409], `verification ${i}`).toContain(r.status)
      if (r.status === 200) winners.add(i % 2 ? 'globex' : 'acme')
    }
    expect(winners.size).toBe(1)
    const { results: rows } = await env.DB.prepare("SELECT status FROM hostnames WHERE hostname = 'portal.race.example'").all<{ status: string }>()
    expect(rows).toEqual([{ status: 'verified' }])
  })

  it('cannot be verified once expired, and the daily cron deletes them after 7 days', async () => {
    const a = await acme()
    const stale = await claimed(a, 'portal.stale.example')
    const fresh = await claimed(a, 'portal.fresh.example')
    await publish(stale, stale.record.value)
    await env.DB.prepare('UPDATE hostnames SET expires_at = ? WHERE id = ?').bind(Date.now() - 1, stale.id).run()
    const late = await verify(a, stale.id)
    expect(late.status).toBe(410)
    expect((await problem(late)).code).toBe('claim_expired')
    expect(await brandOwner('portal.stale.example')).toBeNull()

    await runCron(Date.now() + 7 * DAY + 60_000)
    // A week later the cron has also pruned the old session: sign in again.
    const later = await acme()
    const names = (await list(later)).map((h) => h.hostname)
    expect(names).not.toContain('portal.stale.example')
    expect(names).not.toContain('portal.fresh.example')
    expect((await events(later, 'hostname_expired')).map((e) => e.description).join('\n')).toMatch(/portal\.fresh\.example/)
    expect(fresh.expiresAt).not.toBeNull()
  })

  it('of another tenant never block a claim, even an expired one the cron has not deleted yet', async () => {
    const [a, g] = [await acme(), await globex()]
    const old = await claimed(a, 'portal.lapsed.example')
    await env.DB.prepare('UPDATE hostnames SET expires_at = ? WHERE id = ?').bind(Date.now() - 1, old.id).run()
    const theirs = await claimed(g, 'portal.lapsed.example')
    // And the tenant whose claim lapsed may claim it afresh, with a new token.
    const renewed = await claimed(a, 'portal.lapsed.example')
    expect(renewed.record.value).not.toBe(old.record.value)
    await publish(theirs, theirs.record.value)
    expect((await verify(g, theirs.id)).status).toBe(200)
  })
})

describe('refusals from the domain', () => {
  it('name the field and say what to do: a name claimed twice, a name verified elsewhere, a DNS lookup that failed', async () => {
    const [a, g] = [await acme(), await globex()]
    const mine = await claimed(a, 'portal.refusals.example')
    expect(await problem(await claim(a, 'portal.refusals.example'))).toMatchObject({
      status: 409,
      code: 'conflict',
      detail: 'hostname: You have already claimed this hostname; verify it below.',
      errors: [{ field: 'hostname', message: 'You have already claimed this hostname; verify it below.' }],
    })
    await publish(mine, mine.record.value)
    expect((await verify(a, mine.id)).status).toBe(200)
    expect(await problem(await claim(g, 'portal.refusals.example'))).toMatchObject({
      status: 409,
      code: 'conflict',
      errors: [{ field: 'hostname', message: 'That hostname is already verified for a portal.' }],
    })
    const flaky = await claimed(a, 'portal.refusals-flaky.example')
    await breakDns(flaky.record.name, 'SERVFAIL')
    expect(await problem(await verify(a, flaky.id))).toMatchObject({
      status: 422,
      code: 'verification_failed',
      detail: 'The DNS lookup of _trellis.portal.refusals-flaky.example failed. Try again in a few minutes.',
    })
  })
})

describe('a brand domain claimed when a reseller is created', () => {
  it("is not blocked by another tenant's pending claim, and each gets its own token", async () => {
    // Protects against squatting a future reseller's domain with an unverified claim.
    const a = await acme()
    const squat = await claimed(a, 'portal.newco.example')
    const res = await api(`/accounts/${await accountId('Nimbus Cloud')}/resellers`, {
      method: 'POST',
      cookie: await login('admin@nimbus.test'),
      json: { name: 'Newco Hosting', ownerEmail: 'owner@newco.example', ownerName: 'Nia Newco', hostname: 'portal.newco.example' },
    })
    expect(res.status, await res.clone().text()).toBe(201)
    const { account } = await jsonOf(res, 'createReseller')
    const row = await env.DB.prepare('SELECT status, verification_token AS token, expires_at AS expiresAt FROM hostnames WHERE reseller_account_id = ? AND hostname = ?')
      .bind(account.id, 'portal.newco.example')
      .first<{ status: string; token: string; expiresAt: number }>()
    expect(row).toMatchObject({ status: 'pending' })
    expect(row!.token).not.toBe(squat.record.value)
    expect(row!.expiresAt).toBeGreaterThan(Date.now() + 6 * DAY)
  })
})

describe('the daily re-check of verified hostnames', () => {
  it('demotes a verified hostname whose TXT record is gone, and its brand stops at once', async () => {
    // Protects against a domain that changed hands (or was released) keeping the old tenant's brand and sign-in page.
    const a = await acme()
    const h = await claimed(a, 'portal.lost.example')
    await publish(h, h.record.value)
    expect((await verify(a, h.id)).status).toBe(200)
    expect(await brandOwner('portal.lost.example')).toBe(a.id)

    await unpublishTxt(h.record.name)
    const now = Date.now()
    await runCron(now)
    const after = (await list(a)).find((x) => x.id === h.id)!
    expect(after).toMatchObject({ status: 'pending', verifiedAt: null })
    expect(after.expiresAt).toBe(now + 7 * DAY)
    expect(await brandOwner('portal.lost.example')).toBeNull()
    const demoted = await events(a, 'hostname_demoted')
    expect(demoted).toHaveLength(1)
    expect(demoted[0]!.description).toContain('portal.lost.example')
    // Acme's owner and admins are told by email, with a link that does not go through the demoted hostname.
    const { results: mail } = await env.DB.prepare(`SELECT "to", subject, text FROM email_outbox WHERE subject = 'portal.lost.example is no longer verified'`).all<{ to: string; subject: string; text: string }>()
    expect(mail.map((m) => m.to)).toContain('owner@acme.test')
    const members = await env.DB.prepare(
      `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.account_id = ? AND m.level IN ('owner', 'admin')`,
    ).bind(a.id).all<{ email: string }>()
    expect(mail.map((m) => m.to).sort()).toEqual(members.results.map((r) => r.email).sort())
    expect(mail[0]!.text).toMatch(new RegExp(`Open Domains: https?://[^/\\s]+/a/${a.id}/branding/domains`))
    expect(mail[0]!.text).not.toContain('//portal.lost.example')
  })

  it('keeps hostnames whose record is still there, and never demotes on a DNS failure', async () => {
    // Rule 17: an outage of the resolver is not proof that the record is gone.
    const a = await acme()
    const kept = await claimed(a, 'portal.kept.example')
    const flaky = await claimed(a, 'portal.flaky.example')
    await publish(kept, 'v=spf1 -all', kept.record.value)
    await publish(flaky, flaky.record.value)
    expect((await verify(a, kept.id)).status).toBe(200)
    expect((await verify(a, flaky.id)).status).toBe(200)
    await breakDns(flaky.record.name, 'SERVFAIL')

    await runCron()
    const statuses = Object.fromEntries((await list(a)).map((x) => [x.hostname, x.status]))
    expect(statuses['portal.kept.example']).toBe('verified')
    expect(statuses['portal.flaky.example']).toBe('verified')
    expect(await brandOwner('portal.kept.example')).toBe(a.id)
  })

  it('lets another tenant claim and verify a demoted hostname; the first to verify again wins', async () => {
    const [a, g] = [await acme(), await globex()]
    const h = await claimed(a, 'portal.moved.example')
    await publish(h, h.record.value)
    expect((await verify(a, h.id)).status).toBe(200)
    // While verified by Acme, nobody else may claim it.
    expect((await claim(g, 'portal.moved.example')).status).toBe(409)

    // The domain changes hands: the new owner publishes its own token.
    await unpublishTxt(h.record.name)
    await runCron()
    const theirs = await claimed(g, 'portal.moved.example')
    await publish(theirs, theirs.record.value)
    expect((await verify(g, theirs.id)).status).toBe(200)
    expect(await brandOwner('portal.moved.example')).toBe(g.id)
    expect((await list(a)).map((x) => x.hostname)).not.toContain('portal.moved.example')
  })
})

describe('the daily check of pending claims', () => {
  it('verifies a pending claim whose TXT record appeared, as the Verify button would, and tells the reseller', async () => {
    // A reseller who published the record and never came back to press Verify still gets its portal.
    const [a, g] = [await acme(), await globex()]
    const mine = await claimed(a, 'portal.later.example')
    const theirs = await claimed(g, 'portal.later.example')
    const waiting = await claimed(a, 'portal.waiting.example')
    await publishTxt(mine.record.name, 'v=spf1 -all', mine.record.value)

    await runCron()
    const statuses = Object.fromEntries((await list(a)).map((x) => [x.hostname, x.status]))
    expect(statuses['portal.later.example']).toBe('verified')
    expect(statuses['portal.waiting.example']).toBe('pending')
    expect(await brandOwner('portal.later.example')).toBe(a.id)
    const verified = (await events(a, 'hostname_verified')).filter((e) => e.description.includes('portal.later.example'))
    expect(verified).toHaveLength(1)
    expect(verified[0]).toMatchObject({ actor: null })
    expect(verified[0]!.description).toContain('portal.later.example')
    // Globex's competing claim ended, and Globex is told without learning who verified.
    expect((await list(g)).map((x) => x.id)).not.toContain(theirs.id)
    const ended = (await events(g, 'hostname_expired')).filter((e) => e.description.includes('portal.later.example'))
    expect(ended).toHaveLength(1)
    expect(ended[0]!.description).not.toContain('Acme')
    expect(waiting.status).toBe('pending')
  })

  it('leaves claims alone when DNS fails or the claim has expired', async () => {
    const a = await acme()
    const flaky = await claimed(a, 'portal.flaky-pending.example')
    await breakDns(flaky.record.name, 'HTTP')
    const old = await claimed(a, 'portal.old-pending.example')
    await publishTxt(old.record.name, old.record.value)
    await env.DB.prepare('UPDATE hostnames SET expires_at = ? WHERE id = ?').bind(Date.now() - 1, old.id).run()

    await runCron()
    const after = await list(a)
    expect(after.find((x) => x.id === flaky.id)).toMatchObject({ status: 'pending' })
    // The expired claim ended (expireClaims) instead of being verified.
    expect(after.map((x) => x.id)).not.toContain(old.id)
    expect(await brandOwner('portal.old-pending.example')).toBeNull()
    expect((await events(a, 'hostname_verified')).filter((e) => /portal\.(flaky|old)-pending/.test(e.description))).toEqual([])
  })
})

describe('certificates through Cloudflare for SaaS', () => {
  type Edge = { id: string; hostname: string; ssl: { status: string } }
  const atCloudflare = async (hostname: string) => (await cloudflareControl<Edge[]>('hostnames')).filter((h) => h.hostname === hostname)
  const tlsCheck = (t: { cookie: string; id: string }, id: string) => api(`/accounts/${t.id}/hostnames/${id}/tls-check`, { method: 'POST', cookie: t.cookie })
  async function verified(t: { cookie: string; id: string }, hostname: string) {
    const h = await claimed(t, hostname)
    await publish(h, h.record.value)
    const res = await verify(t, h.id)
    expect(res.status, await res.clone().text()).toBe(200)
    return (await jsonOf(res, 'verifyHostname')).hostname
  }

  it('adds a hostname to the zone when it is verified, shows the CNAME target, and follows the certificate to active', async () => {
    const a = await acme()
    const pendingOne = await claimed(a, 'portal.tls-life.example')
    // Nothing reaches Cloudflare before the hostname is verified.
    expect(await atCloudflare('portal.tls-life.example')).toEqual([])
    expect((await tlsCheck(a, pendingOne.id)).status).toBe(409)

    await publish(pendingOne, pendingOne.record.value)
    const h = (await jsonOf(await verify(a, pendingOne.id), 'verifyHostname')).hostname
    expect(h.tls).toMatchObject({ status: 'pending', detail: 'The certificate is pending validation.' })
    expect(await atCloudflare('portal.tls-life.example')).toHaveLength(1)
    const listed = await jsonOf(await api(`/accounts/${a.id}/hostnames`, { cookie: a.cookie }), 'listHostnames')
    expect(listed.edge).toEqual({ managed: true, cnameTarget: 'portals.trellis.test' })

    await cloudflareControl('ssl', { hostname: 'portal.tls-life.example', status: 'active' })
    const res = await tlsCheck(a, pendingOne.id)
    expect(res.status).toBe(200)
    expect((await jsonOf(res, 'checkHostnameTls')).hostname.tls.status).toBe('active')
  })

  it("shows a failed certificate with Cloudflare's reason, and the daily cron follows pending ones", async () => {
    const a = await acme()
    const h = await verified(a, 'portal.tls-fails.example')
    await cloudflareControl('ssl', { hostname: 'portal.tls-fails.example', status: 'validation_timed_out', errors: ['The CNAME does not point to portals.trellis.test'] })
    await runCron()
    const after = (await list(a)).find((x) => x.id === h.id)!
    expect(after.tls).toMatchObject({ status: 'failed', detail: 'The CNAME does not point to portals.trellis.test' })
  })

  it('never fails a verification because Cloudflare is down: the hostname is queued and added later', async () => {
    const a = await acme()
    await cloudflareControl('fail', { hostname: 'portal.tls-outage.example', status: 503, times: 1 })
    const h = await verified(a, 'portal.tls-outage.example')
    expect(h.status).toBe('verified')
    expect(h.tls.status).toBe('queued')
    expect(h.tls.detail).toContain('tries again')
    expect(await atCloudflare('portal.tls-outage.example')).toEqual([])
    // The brand is served meanwhile (the DNS proof is what counts).
    expect(await brandOwner('portal.tls-outage.example')).toBe(a.id)

    await runCron()
    expect(await atCloudflare('portal.tls-outage.example')).toHaveLength(1)
    expect((await list(a)).find((x) => x.id === h.id)!.tls.status).toBe('pending')
  })

  it('keeps what Cloudflare said last when a check is rate limited', async () => {
    const a = await acme()
    const h = await verified(a, 'portal.tls-limited.example')
    await cloudflareControl('ssl', { hostname: 'portal.tls-limited.example', status: 'active' })
    expect((await tlsCheck(a, h.id)).status).toBe(200)
    await cloudflareControl('fail', { hostname: 'portal.tls-limited.example', status: 429, times: 1, retryAfter: 60 })
    const res = await tlsCheck(a, h.id)
    expect(res.status).toBe(200)
    expect((await jsonOf(res, 'checkHostnameTls')).hostname.tls.status).toBe('active')
  })

  it('removes the custom hostname when the hostname is removed, even if Cloudflare only answers later', async () => {
    const a = await acme()
    const h = await verified(a, 'portal.tls-removed.example')
    expect((await api(`/accounts/${a.id}/hostnames/${h.id}`, { method: 'DELETE', cookie: a.cookie })).status).toBe(204)
    expect(await atCloudflare('portal.tls-removed.example')).toEqual([])

    const later = await verified(a, 'portal.tls-removed-later.example')
    await cloudflareControl('fail', { hostname: 'portal.tls-removed-later.example', status: 500, times: 1 })
    expect((await api(`/accounts/${a.id}/hostnames/${later.id}`, { method: 'DELETE', cookie: a.cookie })).status).toBe(204)
    expect(await atCloudflare('portal.tls-removed-later.example')).toHaveLength(1)
    const queued = await env.DB.prepare('SELECT hostname, attempts FROM edge_cleanup WHERE hostname = ?').bind('portal.tls-removed-later.example').first()
    expect(queued).toEqual({ hostname: 'portal.tls-removed-later.example', attempts: 1 })
    await runCron()
    expect(await atCloudflare('portal.tls-removed-later.example')).toEqual([])
    expect(await env.DB.prepare('SELECT count(*) AS n FROM edge_cleanup WHERE hostname = ?').bind('portal.tls-removed-later.example').first('n')).toBe(0)
  })

  it('takes a demoted hostname off Cloudflare: it no longer proves control of the name', async () => {
    const a = await acme()
    const h = await verified(a, 'portal.tls-demoted.example')
    expect(await atCloudflare('portal.tls-demoted.example')).toHaveLength(1)
    await unpublishTxt(h.record.name)
    await runCron()
    expect(await atCloudflare('portal.tls-demoted.example')).toEqual([])
    expect((await list(a)).find((x) => x.id === h.id)).toMatchObject({ status: 'pending', tls: { status: 'none' } })
  })

  it('lets only those who manage the branding of that reseller check a certificate', async () => {
    const [a, g] = [await acme(), await globex()]
    const h = await verified(a, 'portal.tls-guarded.example')
    expect((await api(`/accounts/${a.id}/hostnames/${h.id}/tls-check`, { method: 'POST' })).status).toBe(401)
    // Another tenant: the id does not exist for it.
    expect((await api(`/accounts/${g.id}/hostnames/${h.id}/tls-check`, { method: 'POST', cookie: g.cookie })).status).toBe(404)
    expect((await api(`/accounts/${a.id}/hostnames/${h.id}/tls-check`, { method: 'POST', cookie: g.cookie })).status).toBe(404)
  })

  it('answers 422 where the deployment does not manage certificates, and lists hostnames as unmanaged', async () => {
    const a = await acme()
    const h = await verified(a, 'portal.tls-unmanaged.example')
    const unmanaged = { ...env, SAAS_API_TOKEN: '', SAAS_ZONE_ID: '' }
    const call = async (path: string, method = 'GET') => {
      const ctx = createExecutionContext()
      const res = await worker.fetch(new Request(`http://localhost/api/v1${path}`, { method, headers: { cookie: a.cookie, origin: 'http://localhost' } }), unmanaged, ctx)
      await waitOnExecutionContext(ctx)
      return res
    }
    const res = await call(`/accounts/${a.id}/hostnames/${h.id}/tls-check`, 'POST')
    expect(res.status).toBe(422)
    expect((await problem(res)).code).toBe('tls_unmanaged')
    expect((await jsonOf(await call(`/accounts/${a.id}/hostnames`), 'listHostnames')).edge.managed).toBe(false)
  })
})
