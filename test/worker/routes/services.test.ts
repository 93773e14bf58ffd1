import { env } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { inScope, type Scope } from '../../../worker/src/authz/decide.ts'
import { createDb } from '../../../worker/src/db.ts'
import { listServices, serviceFacts } from '../../../worker/src/domain/services.ts'
import { accountId, api, jsonOf, login, problem, serviceId, snapshot } from '../../helpers/client.ts'

type Service = { id: string; name: string; type: string; tags: string[]; account: { name: string }; partnerAccess: boolean; expiresAt: number | null; group: { name: string } | null; status: string }
type Page = { items: Service[]; nextCursor: string | null }

const list = async (email: string, account: string, query = '') => {
  const res = await api(`/accounts/${await accountId(account)}/services${query}`, { cookie: await login(email) })
  expect(res.status, await res.clone().text()).toBe(200)
  return jsonOf(res, 'listServices')
}

describe('GET /api/v1/accounts/:id/services', () => {
  it("shows a reseller owner its own services and all its customers' services, by name", async () => {
    const page = await list('owner@acme.test', 'Acme Hosting', '?limit=200')
    const accounts = new Set(page.items.map((s) => s.account.name))
    expect([...accounts].sort()).toEqual(['Acme Hosting', 'Bluebird Bakery', 'Copperleaf Studio', 'Driftwood Dental'])
    const names = page.items.map((s) => s.name)
    expect(names).toEqual([...names].sort())
    expect(page.items.some((s) => s.account.name === 'Evergreen Legal')).toBe(false)
  })

  it('shows a customer only its own services', async () => {
    const page = await list('owner@bluebird.test', 'Bluebird Bakery', '?limit=200')
    expect(new Set(page.items.map((s) => s.account.name))).toEqual(new Set(['Bluebird Bakery']))
    expect(page.items).toHaveLength(7)
  })

  it('narrows a tagged-scope user to services carrying the tag, and never shows customers without customers.view', async () => {
    const page = await list('tom@acme.test', 'Acme Hosting', '?limit=200')
    expect(page.items.map((s) => s.name).sort()).toEqual(['acme-control-01', 'acmehosting.example'])
    for (const s of page.items) expect(s.tags).toContain('managed')
  })

  it('narrows a selected-scope user to the services of the chosen group', async () => {
    const page = await list('sam@freelance.test', 'Evergreen Legal', '?limit=200')
    expect(page.items.length).toBeGreaterThan(0)
    for (const s of page.items) expect(s.group?.name).toBe('Websites')
  })

  it('filters by type, status, tag, group, text and expiry window', async () => {
    const servers = await list('owner@acme.test', 'Acme Hosting', '?type=server&limit=200')
    expect(servers.items.length).toBeGreaterThan(0)
    for (const s of servers.items) expect(s.type).toBe('server')
    const suspended = await list('owner@acme.test', 'Acme Hosting', '?status=suspended')
    expect(suspended.items.map((s) => s.name)).toEqual(['Surgery broadband'])
    const vip = await list('owner@acme.test', 'Acme Hosting', '?tag=VIP&limit=200')
    for (const s of vip.items) expect(s.tags).toContain('vip')
    const text = await list('owner@acme.test', 'Acme Hosting', '?q=render')
    expect(text.items.map((s) => s.name)).toEqual(['copperleaf-render-01', 'copperleaf-render-02'])
    const literal = await list('owner@acme.test', 'Acme Hosting', '?q=%25')
    expect(literal.items).toEqual([])
    const soon = await list('owner@acme.test', 'Acme Hosting', '?expiring_within=30&limit=200')
    const now = Date.now()
    expect(soon.items.length).toBeGreaterThan(0)
    for (const s of soon.items) expect(s.expiresAt! - now).toBeLessThanOrEqual(30 * 24 * 3600 * 1000)
    expect(soon.items.some((s) => s.name === 'foxglove.farm')).toBe(false)
  })

  it('pages with a cursor through every service exactly once', async () => {
    const all = await list('owner@acme.test', 'Acme Hosting', '?limit=200')
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: Page = await list('owner@acme.test', 'Acme Hosting', `?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      seen.push(...page.items.map((s) => s.id))
      cursor = page.nextCursor
    } while (cursor)
    expect(seen).toEqual(all.items.map((s) => s.id))
  })

  it('names the field of a bad filter', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    for (const [query, field] of [['type=spaceship', 'type'], ['expiring_within=-1', 'expiring_within'], ['limit=0', 'limit'], ['cursor=zzz', 'cursor']]) {
      const res = await api(`/accounts/${acme}/services?${query}`, { cookie })
      expect(res.status, query).toBe(400)
      expect((await problem(res)).errors?.[0]?.field).toBe(field)
    }
  })

  it('answers 404 to a sibling tenant', async () => {
    expect((await api(`/accounts/${await accountId('Acme Hosting')}/services`, { cookie: await login('owner@globex.test') })).status).toBe(404)
  })
})

describe('every service route', () => {
  const routes = (acme: string, sid: string) => [
    { method: 'GET', path: `/accounts/${acme}/services/${sid}` },
    { method: 'PATCH', path: `/accounts/${acme}/services/${sid}`, json: { name: 'x' } },
    { method: 'DELETE', path: `/accounts/${acme}/services/${sid}` },
    { method: 'POST', path: `/accounts/${acme}/services/${sid}/actions/restart` },
    { method: 'POST', path: `/accounts/${acme}/services/${sid}/actions/rename`, json: { name: 'renamed' } },
    { method: 'PUT', path: `/accounts/${acme}/services/${sid}/partner-access`, json: { enabled: true } },
  ]

  // Protects against cross-tenant access: ids of another tree are indistinguishable from missing ones.
  it('answers 404 to a member of a sibling tenant, and changes nothing', async () => {
    const before = await snapshot('services')
    const cookie = await login('owner@globex.test')
    for (const r of routes(await accountId('Acme Hosting'), await serviceId('acme-control-01'))) {
      const res = await api(r.path, { method: r.method, cookie, json: r.json })
      expect(res.status, `${r.method} ${r.path}`).toBe(404)
    }
    // Nor through Globex's own account id.
    for (const r of routes(await accountId('Globex Partners'), await serviceId('acme-control-01'))) {
      expect((await api(r.path, { method: r.method, cookie, json: r.json })).status, `${r.method} ${r.path}`).toBe(404)
    }
    expect(await snapshot('services')).toBe(before)
  })

  it('answers 404 for a service outside the member’s scope, and changes nothing', async () => {
    const acme = await accountId('Acme Hosting')
    const created = await api(`/accounts/${acme}/services`, { method: 'POST', cookie: await login('owner@acme.test'), json: { type: 'server', name: 'unmanaged-01', tags: ['lab'] } })
    expect(created.status).toBe(201)
    const sid = (await jsonOf(created, 'createService')).service.id
    const before = await snapshot('services')
    const cookie = await login('tom@acme.test')
    for (const r of routes(acme, sid)) {
      expect((await api(r.path, { method: r.method, cookie, json: r.json })).status, `${r.method} ${r.path}`).toBe(404)
    }
    expect(await snapshot('services')).toBe(before)
  })

  it('answers 403 to a member without the permission (Billing may read, not change)', async () => {
    const acme = await accountId('Acme Hosting')
    const sid = await serviceId('acme-control-01')
    const cookie = await login('billie@acme.test')
    expect((await api(`/accounts/${acme}/services/${sid}`, { cookie })).status).toBe(200)
    for (const r of routes(acme, sid).slice(1)) {
      expect((await api(r.path, { method: r.method, cookie, json: r.json })).status, `${r.method} ${r.path}`).toBe(403)
    }
  })
})

describe('customer consent (partner access)', () => {
  it('lets a partner list a service without consent but refuses every operation with consent_required', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const sid = await serviceId('bluebird-backup-01')
    const sarah = await login('sarah@acme.test')
    const detail = await api(`/accounts/${bluebird}/services/${sid}`, { cookie: sarah })
    expect(detail.status).toBe(200)
    expect((await jsonOf(detail, 'getService')).allowed).toEqual({ manage: false, operate: false, partnerAccess: false, consentRequired: true, actions: [] })
    const restart = await api(`/accounts/${bluebird}/services/${sid}/actions/restart`, { method: 'POST', cookie: sarah })
    expect(restart.status).toBe(403)
    expect((await problem(restart)).code).toBe('consent_required')
    const patch = await api(`/accounts/${bluebird}/services/${sid}`, { method: 'PATCH', cookie: sarah, json: { name: 'mine' } })
    expect((await problem(patch)).code).toBe('consent_required')
  })

  it('once the customer grants access, the partner can operate; withdrawn, it cannot', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const sid = await serviceId('bluebird-backup-01')
    const customer = await login('owner@bluebird.test')
    const sarah = await login('sarah@acme.test')
    const grant = await api(`/accounts/${bluebird}/services/${sid}/partner-access`, { method: 'PUT', cookie: customer, json: { enabled: true } })
    expect(grant.status).toBe(200)
    expect((await jsonOf(grant, 'setServicePartnerAccess')).service.partnerAccess).toBe(true)
    const restart = await api(`/accounts/${bluebird}/services/${sid}/actions/restart`, { method: 'POST', cookie: sarah })
    expect(restart.status).toBe(202)
    expect((await jsonOf(restart, 'runServiceAction')).action).toMatchObject({ action: 'restart', status: 'pending' })
    await api(`/accounts/${bluebird}/services/${sid}/partner-access`, { method: 'PUT', cookie: customer, json: { enabled: false } })
    expect((await api(`/accounts/${bluebird}/services/${sid}/actions/restart`, { method: 'POST', cookie: sarah })).status).toBe(403)
  })

  it('never lets the partner change partner access itself, even its owner', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const sid = await serviceId('bluebird-backup-01')
    for (const email of ['owner@acme.test', 'sarah@acme.test', 'admin@nimbus.test']) {
      const res = await api(`/accounts/${bluebird}/services/${sid}/partner-access`, { method: 'PUT', cookie: await login(email), json: { enabled: true } })
      expect(res.status, email).toBe(403)
    }
    const row = await env.DB.prepare('SELECT partner_access FROM services WHERE id = ?').bind(sid).first<{ partner_access: number }>()
    expect(row!.partner_access).toBe(0)
  })

  it('refuses a partner creating a customer service with partner access already on', async () => {
    const res = await api(`/accounts/${await accountId('Bluebird Bakery')}/services`, { method: 'POST', cookie: await login('owner@acme.test'), json: { type: 'domain', name: 'x.example', partnerAccess: true } })
    expect(res.status).toBe(403)
    expect((await problem(res)).errors?.[0]?.field).toBe('partnerAccess')
  })
})

describe('writing services', () => {
  it('creates, updates and deletes a service as the customer', async () => {
    const cookie = await login('owner@bluebird.test')
    const bluebird = await accountId('Bluebird Bakery')
    const created = await api(`/accounts/${bluebird}/services`, { method: 'POST', cookie, json: { type: 'mailbox', name: 'orders@bluebirdbakery.com', tags: ['Shop', 'shop'] } })
    expect(created.status).toBe(201)
    const { service } = await jsonOf(created, 'createService')
    expect(service).toMatchObject({ type: 'mailbox', status: 'active', partnerAccess: false, tags: ['shop'] })
    const updated = await api(`/accounts/${bluebird}/services/${service.id}`, { method: 'PATCH', cookie, json: { status: 'suspended', tags: ['shop', 'eu'] } })
    expect((await jsonOf(updated, 'updateService')).service).toMatchObject({ status: 'suspended', tags: ['eu', 'shop'] })
    expect((await api(`/accounts/${bluebird}/services/${service.id}`, { method: 'DELETE', cookie })).status).toBe(204)
    expect((await api(`/accounts/${bluebird}/services/${service.id}`, { cookie })).status).toBe(404)
  })

  it('refuses a scoped member creating a service outside their scope', async () => {
    const acme = await accountId('Acme Hosting')
    const cookie = await login('tom@acme.test')
    const outside = await api(`/accounts/${acme}/services`, { method: 'POST', cookie, json: { type: 'server', name: 'lab-01', tags: ['lab'] } })
    expect(outside.status).toBe(403)
    const inside = await api(`/accounts/${acme}/services`, { method: 'POST', cookie, json: { type: 'server', name: 'lab-02', tags: ['managed'] } })
    expect(inside.status).toBe(201)
  })

  it('restarts only servers and hosting; renames need a name', async () => {
    const cookie = await login('owner@bluebird.test')
    const bluebird = await accountId('Bluebird Bakery')
    const domain = await serviceId('bluebirdbakery.com', 'domain')
    const restart = await api(`/accounts/${bluebird}/services/${domain}/actions/restart`, { method: 'POST', cookie })
    expect(restart.status).toBe(422)
    expect((await problem(restart)).code).toBe('unsupported_action')
    const server = await serviceId('bluebird-pos-01')
    const noName = await api(`/accounts/${bluebird}/services/${server}/actions/rename`, { method: 'POST', cookie, json: {} })
    expect(noName.status).toBe(400)
    expect((await problem(noName)).errors?.[0]?.field).toBe('name')
    const renamed = await api(`/accounts/${bluebird}/services/${server}/actions/rename`, { method: 'POST', cookie, json: { name: 'bluebird-till-01' } })
    // The backend renames it; the name changes once it says done (server-actions.test.ts).
    expect((await jsonOf(renamed, 'runServiceAction')).action).toMatchObject({ action: 'rename', newName: 'bluebird-till-01', status: 'pending' })
    expect((await api(`/accounts/${bluebird}/services/${server}/actions/explode`, { method: 'POST', cookie })).status).toBe(400)
  })

  it('names the fields of a bad service', async () => {
    const res = await api(`/accounts/${await accountId('Bluebird Bakery')}/services`, { method: 'POST', cookie: await login('owner@bluebird.test'), json: { type: 'boat', name: '', tags: ['<script>'] } })
    expect(res.status).toBe(400)
    expect((await problem(res)).errors!.map((e) => e.field).sort()).toEqual(['name', 'tags.0', 'type'])
  })
})

describe('scopeCondition (the SQL twin of inScope)', () => {
  it('lists exactly the services inScope() accepts, for random scopes', async () => {
    const db = createDb(env.DB)
    const acme = (await env.DB.prepare("SELECT id, path FROM accounts WHERE name = 'Acme Hosting'").first<{ id: string; path: string }>())!
    const everything = (await listServices(db, { account: acme, descendantKinds: ['customer'], scope: null, filters: {}, limit: 500 })).items
    const ids = everything.map((s) => s.id)
    const groups = [...new Set(everything.map((s) => s.groupId).filter((g): g is string => !!g))]
    const tags = [...new Set(everything.flatMap((s) => s.tags))]
    const scopeArb: fc.Arbitrary<Scope> = fc.oneof(
      fc.constant({ mode: 'none' as const }),
      fc.constant({ mode: 'all' as const }),
      fc.record({ mode: fc.constant('selected' as const), services: fc.subarray(ids, { maxLength: 5 }), groups: fc.subarray(groups) }),
      fc.record({ mode: fc.constant('tagged' as const), tags: fc.subarray([...tags, 'nothing'], { minLength: 1 }) }),
    )
    await fc.assert(
      fc.asyncProperty(scopeArb, async (scope) => {
        const listed = (await listServices(db, { account: acme, descendantKinds: ['customer'], scope, filters: {}, limit: 500 })).items.map((s) => s.id)
        expect(listed).toEqual(everything.filter((s) => inScope(scope, serviceFacts(s))).map((s) => s.id))
      }),
      { numRuns: 60 },
    )
  })
})

describe('GET /api/v1/accounts/:id/services/facets', () => {
  it("offers a reseller its customers' groups (with their names) and tags too", async () => {
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/services/facets`, { cookie: await login('owner@acme.test') })
    const body = await jsonOf(res, 'getServiceFacets')
    expect(body.groups).toContainEqual(expect.objectContaining({ name: 'Websites', accountName: 'Bluebird Bakery' }))
    expect(body.groups).toContainEqual(expect.objectContaining({ name: 'Infrastructure', accountName: 'Acme Hosting' }))
    expect(body.groups.some((g) => g.accountName === 'Evergreen Legal')).toBe(false)
    expect(body.tags).toEqual(expect.arrayContaining(['managed', 'vip', 'gpu']))
  })

  it('offers a tagged-scope user without customers.view only its own account’s facets', async () => {
    const res = await api(`/accounts/${await accountId('Acme Hosting')}/services/facets`, { cookie: await login('tom@acme.test') })
    const body = await jsonOf(res, 'getServiceFacets')
    expect(new Set(body.groups.map((g) => g.accountName))).toEqual(new Set(['Acme Hosting']))
  })
})

describe('service search (q)', () => {
  // Protects against a crafted search string turning into a server error (a LIKE pattern D1 refuses).
  it('answers 200 or 400 for any q, whatever its length or its %, _ and \\ characters, never 500', async () => {
    const cookie = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    const char = fc.constantFrom(...'%_\\%_\\ab-.Z9 é*[]^\'"')
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: char, minLength: 1, maxLength: 4000 }), async (q) => {
        const res = await api(`/accounts/${acme}/services?q=${encodeURIComponent(q)}`, { cookie })
        expect([200, 400], `q of ${q.length} characters answered ${res.status}`).toContain(res.status)
        await res.body?.cancel()
      }),
      { numRuns: 40, examples: [['%'.repeat(49)], ['_'.repeat(60)], ['\\'.repeat(100)], ['a%_\\'.repeat(25)], ['x'.repeat(4000)]] },
    )
  })

  it('finds exactly the names containing q (ASCII case folded), for random q of any length, % _ and \\ taken literally', async () => {
    const db = createDb(env.DB)
    const acme = (await env.DB.prepare("SELECT id, path FROM accounts WHERE name = 'Acme Hosting'").first<{ id: string; path: string }>())!
    const everything = (await listServices(db, { account: acme, descendantKinds: ['customer'], scope: null, filters: {}, limit: 500 })).items
    const fold = (s: string) => s.replace(/[A-Z]/g, (ch) => ch.toLowerCase())
    const names = everything.map((s) => s.name)
    const piece = fc.oneof(
      fc.constantFrom(...names).chain((n) => fc.tuple(fc.nat(n.length), fc.nat(n.length)).map(([a, b]) => n.slice(Math.min(a, b), Math.max(a, b) + 1))),
      fc.string({ unit: fc.constantFrom(...'%_\\-.aeo01'), maxLength: 8 }),
    )
    const query = fc.oneof(
      fc.array(piece, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('')),
      fc.string({ unit: fc.constantFrom(...'%_\\ab'), minLength: 40, maxLength: 3000 }),
    )
    await fc.assert(
      fc.asyncProperty(query, fc.boolean(), async (q, shout) => {
        if (!q) return
        const asked = shout ? q.toUpperCase() : q
        const listed = (await listServices(db, { account: acme, descendantKinds: ['customer'], scope: null, filters: { q: asked }, limit: 500 })).items.map((s) => s.id)
        expect(listed).toEqual(everything.filter((s) => fold(s.name).includes(fold(asked))).map((s) => s.id))
      }),
      { numRuns: 80, examples: [['%', false], ['_', false], ['\\', false], ['%'.repeat(60), false], ['render', true]] },
    )
  })
})
