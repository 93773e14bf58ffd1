import { env } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { accountId, addMember, api, expectJson, login, membershipId, problem, serviceId } from '../../helpers/client.ts'

type Grant = { level: 'admin' | 'user'; roles: string[]; scope: unknown }

const preview = (cookie: string, account: string, grant: Grant | Record<string, unknown>) =>
  api(`/accounts/${account}/access-preview`, { method: 'POST', cookie, json: grant })

/** What a signed-in member really sees in an account: the menu and every service name, page by page. */
async function seenBy(cookie: string, account: string) {
  const menu = await expectJson(await api(`/accounts/${account}/menu`, { cookie }), 200, 'getAccountMenu')
  const names: string[] = []
  if (menu.items.some((m) => m.key === 'services')) {
    let cursor: string | null = null
    do {
      const res: Response = await api(`/accounts/${account}/services?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { cookie })
      const page = await expectJson(res, 200, 'listServices')
      names.push(...page.items.map((s) => s.name))
      cursor = page.nextCursor
    } while (cursor)
  }
  return { menu: menu.items.map((m) => `${m.key}:${m.actions.join(',')}`), services: names }
}

describe('POST /api/v1/accounts/{id}/access-preview (see as)', () => {
  it('shows exactly the menu and services of a member who holds the grant (Tom: user, Technical, tagged “managed”)', async () => {
    const acme = await accountId('Acme Hosting')
    const tom = await seenBy(await login('tom@acme.test'), acme)
    const body = await expectJson(await preview(await login('owner@acme.test'), acme, { level: 'user', roles: ['technical'], scope: { mode: 'tagged', tags: ['managed'] } }), 200, 'previewAccess')
    expect(body.menu.map((m) => `${m.key}:${m.actions.join(',')}`)).toEqual(tom.menu)
    expect(body.services.map((s) => s.name)).toEqual(tom.services.slice(0, 50))
    expect(body.more).toBe(tom.services.length > 50)
    expect(body.services.length).toBeGreaterThan(0)
    // Per service, what the person could do: the same answer the service page gives Tom.
    const server = body.services.find((s) => s.type === 'server')!
    const asTom = await expectJson(await api(`/accounts/${acme}/services/${server.id}`, { cookie: await login('tom@acme.test') }), 200, 'getService')
    expect(server.allowed).toEqual({ manage: asTom.allowed.manage, operate: asTom.allowed.operate })
    // Another scope, another list: none of Acme's own services carries “gpu”.
    const gpu = await expectJson(await preview(await login('owner@acme.test'), acme, { level: 'user', roles: ['technical'], scope: { mode: 'tagged', tags: ['gpu'] } }), 200, 'previewAccess')
    expect(gpu.menu).toEqual(body.menu)
    expect(gpu.services).toEqual([])
  })

  it('agrees with what a real member sees for any grant the owner could give, and refuses what granting refuses', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    // Room for the admins the grants add (the cap is not what a preview is about).
    expect((await api(`/accounts/${acme}`, { method: 'PATCH', cookie: await login('admin@nimbus.test'), json: { adminCap: 100 } })).status).toBe(200)
    const services = await Promise.all(['bluebird-pos-01', 'copperleaf-render-02', 'acme-control-01'].map((n) => serviceId(n)))
    const groups = await env.DB.prepare("SELECT id FROM service_groups WHERE name = 'Production'").all<{ id: string }>()
    const scope = fc.oneof(
      fc.constant({ mode: 'none' }),
      fc.constant({ mode: 'all' }),
      fc.record({ mode: fc.constant('tagged'), tags: fc.subarray(['managed', 'vip', 'gpu', 'eu'], { minLength: 1 }) }),
      fc.record({ mode: fc.constant('selected'), services: fc.subarray(services), groups: fc.subarray(groups.results.map((g) => g.id)) }),
    )
    const grant = fc.record({
      level: fc.constantFrom('admin' as const, 'user' as const),
      roles: fc.subarray(['system-administrator', 'manager', 'technical', 'billing', 'purchasing', 'visitation']),
      scope,
    })
    let n = 0
    await fc.assert(
      fc.asyncProperty(grant, async (g) => {
        const seen = await preview(owner, acme, g)
        const email = `see-as-${n++}-${crypto.randomUUID().slice(0, 8)}@example.com`
        const joined = await addMember(owner, acme, { email, ...g })
        // The preview refuses exactly what granting refuses, with the same code.
        if (seen.status !== 200) {
          expect(joined.status).toBe(seen.status)
          expect((await problem(joined)).code).toBe((await problem(seen)).code)
          return
        }
        expect(joined.status).toBe(201)
        const real = await seenBy(await login(email, 'amber-lighthouse-52-orchard'), acme)
        const body = await expectJson(seen, 200, 'previewAccess')
        expect(body.menu.map((m) => `${m.key}:${m.actions.join(',')}`)).toEqual(real.menu)
        expect(body.services.map((s) => s.name)).toEqual(real.services.slice(0, 50))
        // Leave the admin cap as it was for the next grant.
        expect((await api(`/accounts/${acme}/members/${await membershipId(email, 'Acme Hosting')}`, { method: 'DELETE', cookie: owner })).status).toBe(204)
      }),
      { numRuns: 8 },
    )
  }, 120_000)

  it('writes nothing', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const count = async () =>
      Promise.all(['memberships', 'membership_roles', 'invitations', 'users', 'roles'].map(async (t) => (await env.DB.prepare(`SELECT count(*) AS n FROM ${t}`).first<{ n: number }>())!.n))
    const before = await count()
    expect((await preview(owner, acme, { level: 'admin', roles: ['billing'], scope: { mode: 'all' } })).status).toBe(200)
    expect(await count()).toEqual(before)
    const events = await expectJson(await api(`/accounts/${acme}/activity?limit=5`, { cookie: owner }), 200, 'listActivity')
    expect(events.items.some((e) => /preview/i.test(e.type))).toBe(false)
  })

  it('never previews more than the caller could grant: Sarah may not see as Billing, nor as a wider scope than hers', async () => {
    // Protects against: an admin learning through a preview what their own rights hide from them.
    const acme = await accountId('Acme Hosting')
    const sarah = await login('sarah@acme.test')
    const billing = await preview(sarah, acme, { level: 'user', roles: ['billing'], scope: { mode: 'none' } })
    expect(billing.status).toBe(422)
    expect((await problem(billing)).errors?.[0]?.field).toBe('roles')
    const asAdmin = await preview(sarah, acme, { level: 'admin', roles: ['billing'], scope: { mode: 'none' } })
    expect(asAdmin.status).toBe(403)
    expect((await problem(asAdmin)).code).toBe('escalation')
    const owned = await preview(sarah, acme, { level: 'owner', roles: [], scope: { mode: 'all' } })
    expect(owned.status).toBe(400)
  })

  it('answers 404 for another tenant’s account, 403 without staff.manage, 401 without a session', async () => {
    const globex = await accountId('Globex Partners')
    const grant = { level: 'user', roles: ['technical'], scope: { mode: 'all' } }
    expect((await preview(await login('owner@acme.test'), globex, grant)).status).toBe(404)
    const acme = await accountId('Acme Hosting')
    const tom = await preview(await login('tom@acme.test'), acme, grant)
    expect(tom.status).toBe(403)
    expect((await preview('', acme, grant)).status).toBe(401)
  })

  it('names the field of bad input', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const unknown = await preview(owner, acme, { level: 'user', roles: ['no-such-role'], scope: { mode: 'all' } })
    expect(unknown.status).toBe(400)
    expect((await problem(unknown)).errors?.[0]?.field).toBe('roles')
    const scope = await preview(owner, acme, { level: 'user', roles: [], scope: { mode: 'everything' } })
    expect(scope.status).toBe(400)
    expect((await problem(scope)).errors?.[0]?.field).toMatch(/^scope/)
  })
})
