import { env, SELF } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEMO_API_KEY } from '../../../db/seed/demo.ts'
import type { components } from '../../../web/src/lib/api/openapi.ts'
import { applyRemovals, isChangedWhileApplying, type ReviewLine } from '../../../worker/src/domain/access-review.ts'
import { createDb } from '../../../worker/src/db.ts'
import { accountId, api, expectJson, login, membershipId, ORIGIN, problem, userIdOf } from '../../helpers/client.ts'

type Line = components['schemas']['AccessReviewLine']

/** Call the API with a key, as an integration does. */
function withKey(key: string, path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, headers, ...rest } = init
  const h = new Headers(headers)
  h.set('authorization', `Bearer ${key}`)
  if (json !== undefined) h.set('content-type', 'application/json')
  return SELF.fetch(`${ORIGIN}/api/v1${path}`, { ...rest, headers: h, body: json !== undefined ? JSON.stringify(json) : rest.body })
}

const review = (cookie: string, account: string) => api(`/accounts/${account}/access-review?limit=50`, { cookie })
const readReview = async (cookie: string, account: string) => expectJson(await review(cookie, account), 200, 'getAccessReview')
const apply = (cookie: string, account: string, decisions: { line: string; accountId: string; version: string; keep: boolean }[]) =>
  api(`/accounts/${account}/access-review`, { method: 'POST', cookie, json: { decisions } })
const decision = (l: Line, keep: boolean) => ({ line: l.id, accountId: l.accountId, version: l.version, keep })

/** The permissions a principal's menu shows in an account (what every guard answers it there), or null when it cannot reach it. */
async function menuOf(res: Response) {
  if (res.status === 404) return null
  const body = await expectJson(res, 200, 'getAccountMenu')
  return body.items.flatMap((i) => i.actions.map((a) => `${i.key}.${a}`)).sort()
}

const personLine = (lines: Line[], email: string, kind: Line['kind'] = 'member') => lines.find((l) => l.kind === kind && l.principal.email === email)

describe('GET /api/v1/accounts/{id}/access-review — who may run it', () => {
  it('answers 401 without a session, 404 to another tenant, 403 to lower levels and to an API key', async () => {
    const acme = await accountId('Acme Hosting')
    expect((await api(`/accounts/${acme}/access-review`)).status).toBe(401)
    // Protects against: a sibling reseller learning who works at Acme.
    expect((await review(await login('owner@globex.test'), acme)).status).toBe(404)
    // A customer's owner never looks upwards.
    expect((await review(await login('owner@bluebird.test'), acme)).status).toBe(404)
    // A user-level member holds no user-rights permission; an admin with only Billing lacks staff.manage.
    expect((await review(await login('tom@acme.test'), acme)).status).toBe(403)
    expect((await review(await login('billie@acme.test'), acme)).status).toBe(403)
    const key = await withKey(DEMO_API_KEY.key, `/accounts/${acme}/access-review`)
    expect(key.status).toBe(403)
    expect((await problem(key)).code).toBe('api_key_forbidden')
    const keyApply = await withKey(DEMO_API_KEY.key, `/accounts/${acme}/access-review`, { method: 'POST', json: { decisions: [] } })
    expect(keyApply.status).toBe(403)
    expect((await withKey(DEMO_API_KEY.key, `/accounts/${acme}/access-review/export`)).status).toBe(403)
  })

  it('shuts out a removed member at once', async () => {
    const acme = await accountId('Acme Hosting')
    const sarah = await login('sarah@acme.test')
    expect((await review(sarah, acme)).status).toBe(200)
    expect((await api(`/accounts/${acme}/members/${await membershipId('sarah@acme.test', 'Acme Hosting')}`, { method: 'DELETE', cookie: await login('owner@acme.test') })).status).toBe(204)
    expect((await review(sarah, acme)).status).toBe(404)
    expect((await apply(sarah, acme, [{ line: 'member:x', accountId: acme, version: 'x', keep: false }])).status).toBe(404)
  })

  it('lets an impersonator read but never apply; nothing is removable while acting as someone', async () => {
    // Protects against: a reseller using someone's identity to attest and remove access in their name.
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const started = await api('/impersonation', { method: 'POST', cookie: owner, json: { userId: await userIdOf('sarah@acme.test'), accountId: acme, reason: 'Checking the access review with Sarah' } })
    expect(started.status).toBe(201)
    const body = await readReview(owner, acme)
    expect(body.lines.length).toBeGreaterThan(0)
    expect(body.lines.every((l) => !l.removable)).toBe(true)
    const tess = personLine(body.lines, 'tess@acme.test')!
    const refused = await apply(owner, acme, [decision(tess, false)])
    expect(refused.status).toBe(403)
    expect((await problem(refused)).code).toBe('impersonation_restricted')
    expect(await membershipId('tess@acme.test', 'Acme Hosting')).toBeTruthy()
  })
})

describe('GET /api/v1/accounts/{id}/access-review — the lines', () => {
  it('lists the tree by account: members and their roles, keys, inherited access and partner access per service', async () => {
    const acme = await accountId('Acme Hosting')
    const bluebird = await accountId('Bluebird Bakery')
    const body = await readReview(await login('owner@acme.test'), acme)
    expect(body.accounts[0]!.id).toBe(acme)
    expect(body.accounts.map((a) => a.name)).toEqual(expect.arrayContaining(['Bluebird Bakery', 'Copperleaf Studio', 'Driftwood Dental']))
    expect(body.accounts.some((a) => a.name === 'Globex Partners' || a.name === 'Evergreen Legal')).toBe(false)
    const mine = body.lines.filter((l) => l.accountId === acme)
    // The owner line is shown, never removable.
    const owner = personLine(mine, 'owner@acme.test')!
    expect(owner).toMatchObject({ level: 'owner', removable: false })
    expect(owner.reason).toMatch(/owner/i)
    // Sarah: her membership and one line per role she holds.
    const sarah = personLine(mine, 'sarah@acme.test')!
    expect(sarah).toMatchObject({ level: 'admin', removable: true })
    expect(sarah.permissions).toContain('staff.manage')
    const roles = mine.filter((l) => l.kind === 'role' && l.principal.email === 'sarah@acme.test').map((l) => l.roles[0]!.name)
    expect(roles.sort()).toEqual(sarah.roles.map((r) => r.name).sort())
    expect(roles).toContain('Manager')
    // The account's key, with what it may do.
    const key = mine.find((l) => l.kind === 'api_key' && l.principal.id === DEMO_API_KEY.id)!
    expect(key).toMatchObject({ removable: true, principal: { type: 'api_key' } })
    // The platform's owner reaches Acme from above: shown, changed only where it is granted.
    const nora = personLine(mine, 'admin@nimbus.test', 'inherited')!
    expect(nora.through?.name).toBe('Nimbus Cloud')
    expect(nora).toMatchObject({ removable: false })
    // Inside Bluebird: its owner, Acme's people who reach it, and each service Acme may operate.
    const bb = body.lines.filter((l) => l.accountId === bluebird)
    expect(personLine(bb, 'owner@bluebird.test')).toBeTruthy()
    expect(personLine(bb, 'owner@acme.test', 'inherited')?.through?.name).toBe('Acme Hosting')
    const partner = bb.filter((l) => l.kind === 'partner_access').map((l) => l.service!.name)
    expect(partner).toContain('bluebird-pos-01')
    expect(partner).not.toContain('bluebird-backup-01')
    // Consent is the customer's decision: Acme sees it, cannot turn it off.
    expect(bb.filter((l) => l.kind === 'partner_access').every((l) => !l.removable)).toBe(true)
    // Bluebird's own owner may turn it off.
    const own = await readReview(await login('owner@bluebird.test'), bluebird)
    expect(own.lines.filter((l) => l.kind === 'partner_access').every((l) => l.removable)).toBe(true)
    expect(own.accounts.map((a) => a.id)).toEqual([bluebird])
  })

  it('shows what an admin may not remove as not removable: the owner, themselves', async () => {
    const acme = await accountId('Acme Hosting')
    const { lines } = await readReview(await login('sarah@acme.test'), acme)
    expect(personLine(lines, 'owner@acme.test')!.removable).toBe(false)
    const self = personLine(lines, 'sarah@acme.test')!
    expect(self.removable).toBe(false)
    expect(self.reason).toMatch(/yourself/)
    expect(lines.filter((l) => l.kind === 'role' && l.principal.email === 'sarah@acme.test').every((l) => !l.removable)).toBe(true)
    expect(personLine(lines, 'tess@acme.test')!.removable).toBe(true)
    // Sarah holds no security.view: she is not shown the keys.
    expect(lines.some((l) => l.kind === 'api_key')).toBe(false)
  })

  it('pages large trees by account', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const all = await readReview(owner, acme)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res: Response = await api(`/accounts/${acme}/access-review?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { cookie: owner })
      const page = await expectJson(res, 200, 'getAccessReview')
      expect(page.accounts.length).toBeLessThanOrEqual(1)
      seen.push(...page.accounts.map((a) => a.id))
      cursor = page.nextCursor
    } while (cursor)
    expect(seen).toEqual(all.accounts.map((a) => a.id))
    const bad = await api(`/accounts/${acme}/access-review?cursor=${encodeURIComponent(btoa('/elsewhere/'))}`, { cookie: owner })
    expect(bad.status).toBe(400)
    expect((await problem(bad)).errors?.[0]?.field).toBe('cursor')
  })
})

describe('POST /api/v1/accounts/{id}/access-review', () => {
  it('applies every removal in one step and keeps the review as an event with its result', async () => {
    const acme = await accountId('Acme Hosting')
    const bluebird = await accountId('Bluebird Bakery')
    const owner = await login('owner@acme.test')
    const { lines } = await readReview(owner, acme)
    const tess = personLine(lines, 'tess@acme.test')!
    const key = lines.find((l) => l.kind === 'api_key' && l.principal.id === DEMO_API_KEY.id)!
    const managerOfSarah = lines.find((l) => l.kind === 'role' && l.principal.email === 'sarah@acme.test' && l.roles[0]!.id === 'manager')!
    const kept = lines.filter((l) => l.removable && ![tess.id, key.id, managerOfSarah.id].includes(l.id)).slice(0, 3)
    const res = await apply(owner, acme, [decision(tess, false), decision(key, false), decision(managerOfSarah, false), ...kept.map((l) => decision(l, true))])
    const result = await expectJson(res, 200, 'applyAccessReview')
    expect(result).toMatchObject({ kept: kept.length, removed: 3 })
    expect(result.removedLines.map((l) => l.id).sort()).toEqual([tess.id, key.id, managerOfSarah.id].sort())
    // Gone: the membership, the key, the role.
    expect(await env.DB.prepare("SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'tess@acme.test'").first()).toBeNull()
    expect((await withKey(DEMO_API_KEY.key, `/accounts/${acme}`)).status).toBe(401)
    const sarah = await expectJson(await api(`/accounts/${acme}/members`, { cookie: owner }), 200, 'listMembers')
    expect(sarah.items.find((m) => m.user.email === 'sarah@acme.test')!.roles.map((r) => r.id)).not.toContain('manager')
    // Sarah lost staff.manage with the role: the review is closed to her now.
    expect((await review(await login('sarah@acme.test'), acme)).status).toBe(403)
    // The review's own event, with its counts and the lines removed, and each removal's usual event.
    const events = await expectJson(await api(`/accounts/${acme}/activity?limit=20`, { cookie: owner }), 200, 'listActivity')
    const reviewed = events.items.find((e) => e.type === 'access_reviewed')!
    expect(reviewed.description).toContain(`${kept.length} kept, 3 removed`)
    expect(reviewed.description).toContain('tess@acme.test')
    expect(reviewed.description).toContain(key.principal.name)
    expect(reviewed.actor?.email).toBe('owner@acme.test')
    expect(events.items.some((e) => e.type === 'member_deleted' && e.subject?.email === 'tess@acme.test')).toBe(true)
    expect(events.items.some((e) => e.type === 'api_key_revoked')).toBe(true)
    // Nothing in Bluebird was touched.
    expect((await readReview(owner, bluebird)).lines.length).toBeGreaterThan(0)
  })

  it('refuses the whole review when a line changed since it was listed (409 naming it), and applies nothing', async () => {
    // Protects against: removing a grant the reviewer never saw (someone widened it meanwhile).
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const reviews = async () => (await expectJson(await api(`/accounts/${acme}/activity?limit=100`, { cookie: owner }), 200, 'listActivity')).items.filter((e) => e.type === 'access_reviewed').length
    const before = await reviews()
    const { lines } = await readReview(owner, acme)
    const tess = personLine(lines, 'tess@acme.test')!
    const key = lines.find((l) => l.kind === 'api_key' && l.principal.id === DEMO_API_KEY.id)!
    // Meanwhile Tess gets another role.
    const tessId = await membershipId('tess@acme.test', 'Acme Hosting')
    expect((await api(`/accounts/${acme}/members/${tessId}`, { method: 'PATCH', cookie: owner, json: { roles: ['technical', 'visitation'] } })).status).toBe(200)
    const res = await apply(owner, acme, [decision(key, false), decision(tess, false)])
    expect(res.status).toBe(409)
    const body = await problem(res)
    expect(body.code).toBe('review_stale')
    expect(body.lines).toEqual([tess.id])
    // Nothing applied: the key still works, Tess is still a member, no review event.
    expect((await withKey(DEMO_API_KEY.key, `/accounts/${acme}`)).status).toBe(200)
    expect(await membershipId('tess@acme.test', 'Acme Hosting')).toBe(tessId)
    expect(await reviews()).toBe(before)
    // A line that no longer exists is stale too.
    const gone = await apply(owner, acme, [{ ...decision(key, false), line: 'key:key_doesnotexist' }])
    expect(gone.status).toBe(409)
  })

  it('fails the whole batch when a member’s level changes between the check and the write', async () => {
    // Protects against: a race in which someone is promoted after the review was checked and then removed anyway.
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    const { lines } = await readReview(owner, acme)
    const tess = personLine(lines, 'tess@acme.test')!
    const key = lines.find((l) => l.kind === 'api_key' && l.principal.id === DEMO_API_KEY.id)!
    await env.DB.prepare("UPDATE memberships SET level = 'admin' WHERE id = ?").bind(tess.id.split(':')[1]).run()
    const error = await applyRemovals(createDb(env.DB), [key, tess] as ReviewLine[]).then(() => null, (e: unknown) => e)
    expect(isChangedWhileApplying(error)).toBe(true)
    // All or nothing: the key stayed live, Tess stayed.
    expect((await withKey(DEMO_API_KEY.key, `/accounts/${acme}`)).status).toBe(200)
    expect(await membershipId('tess@acme.test', 'Acme Hosting')).toBeTruthy()
  })

  it('refuses a removal beyond the reviewer’s reach (403 naming the lines) and an account outside the tree (404)', async () => {
    const acme = await accountId('Acme Hosting')
    const sarah = await login('sarah@acme.test')
    const { lines } = await readReview(sarah, acme)
    const owner = personLine(lines, 'owner@acme.test')!
    const tess = personLine(lines, 'tess@acme.test')!
    const res = await apply(sarah, acme, [decision(tess, false), decision(owner, false)])
    expect(res.status).toBe(403)
    expect((await problem(res)).lines).toEqual([owner.id])
    expect(await membershipId('tess@acme.test', 'Acme Hosting')).toBeTruthy()
    // Partner access is the customer's: Acme's owner cannot turn it off through a review.
    const acmeOwner = await login('owner@acme.test')
    const partner = (await readReview(acmeOwner, acme)).lines.find((l) => l.kind === 'partner_access')!
    expect((await apply(acmeOwner, acme, [decision(partner, false)])).status).toBe(403)
    const globex = await accountId('Globex Partners')
    expect((await apply(acmeOwner, acme, [{ ...decision(tess, true), accountId: globex }])).status).toBe(404)
  })

  it('lets a customer turn partner access off per service in its own review', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const owner = await login('owner@bluebird.test')
    const line = (await readReview(owner, bluebird)).lines.find((l) => l.kind === 'partner_access' && l.service?.name === 'bluebird-pos-01')!
    await expectJson(await apply(owner, bluebird, [decision(line, false)]), 200, 'applyAccessReview')
    const row = await env.DB.prepare("SELECT partner_access AS on_ FROM services WHERE name = 'bluebird-pos-01'").first<{ on_: number }>()
    expect(row?.on_).toBe(0)
    expect((await readReview(owner, bluebird)).lines.some((l) => l.id === line.id)).toBe(false)
  })
})

describe('GET /api/v1/accounts/{id}/access-review/export', () => {
  it('streams the review as CSV with a filename, formulas neutralised', async () => {
    const acme = await accountId('Acme Hosting')
    const owner = await login('owner@acme.test')
    expect((await api(`/accounts/${acme}/api-keys`, { method: 'POST', cookie: owner, json: { name: '=HYPERLINK("x")', level: 'user', roles: ['technical'], scope: { mode: 'none' } } })).status).toBe(201)
    const res = await api(`/accounts/${acme}/access-review/export`, { cookie: owner })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/csv')
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="access-review-acme-hosting-\d{4}-\d{2}-\d{2}\.csv"$/)
    const text = await res.text()
    const rows = text.trim().split('\n')
    expect(rows[0]).toBe('account,account_id,kind,who,principal_type,email,level,roles,scope,permissions,through,service,removable,reason,line_id,version')
    const { lines } = await readReview(owner, acme)
    // Every line of the review, once (the tree fits one page here).
    expect(rows.length - 1).toBe(lines.length)
    expect(rows.some((r) => r.startsWith('"Acme Hosting"') && r.includes('"sarah@acme.test"') && r.includes('"member"'))).toBe(true)
    expect(text).toContain(`"'=HYPERLINK(""x"")"`)
    expect(text).not.toMatch(/(^|,)"=HYPERLINK/m)
  })
})

describe('the review lists exactly who can act on an account', () => {
  it('people: every person whose requests reach Bluebird appears, with the permissions its menu shows, and nobody else', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const { lines } = await readReview(await login('owner@bluebird.test'), bluebird)
    const listed = new Map(lines.filter((l) => (l.kind === 'member' || l.kind === 'inherited') && l.principal.type === 'person').map((l) => [l.principal.email!, [...l.permissions].sort()]))
    const people = await env.DB.prepare("SELECT email FROM users WHERE email LIKE '%.test'").all<{ email: string }>()
    for (const { email } of people.results) {
      let cookie: string
      try {
        cookie = await login(email)
      } catch {
        continue // a login that signs in with more than a password (2FA) is not what this compares
      }
      const menu = await menuOf(await api(`/accounts/${bluebird}/menu`, { cookie }))
      expect([email, listed.get(email) ?? null]).toEqual([email, menu && menu.length ? menu : null])
    }
  }, 120_000)

  it('keys: for random grants, a key is listed in an account exactly when its requests may act there, with the same permissions', async () => {
    const acme = await accountId('Acme Hosting')
    const bluebird = await accountId('Bluebird Bakery')
    const owner = await login('owner@acme.test')
    const grant = fc.record({
      level: fc.constantFrom('admin' as const, 'user' as const),
      roles: fc.subarray(['system-administrator', 'manager', 'technical', 'billing', 'purchasing', 'visitation', 'custom:customer-care']),
      scope: fc.oneof(fc.constant({ mode: 'none' }), fc.constant({ mode: 'all' }), fc.record({ mode: fc.constant('tagged'), tags: fc.subarray(['managed', 'vip'], { minLength: 1 }) })),
    })
    const customCare = await env.DB.prepare("SELECT id FROM roles WHERE name = 'Customer care'").first<{ id: string }>()
    let n = 0
    await fc.assert(
      fc.asyncProperty(grant, async (g) => {
        const roles = g.roles.flatMap((r) => (r === 'custom:customer-care' ? (customCare ? [customCare.id] : []) : [r]))
        const created = await api(`/accounts/${acme}/api-keys`, { method: 'POST', cookie: owner, json: { name: `review-${n++}`, ...g, roles } })
        if (created.status !== 201) return // a grant the rules refuse (a user-level key with Billing) is not a key
        const { apiKey, secret } = (await created.json()) as { apiKey: { id: string }; secret: string }
        const { lines } = await readReview(owner, acme)
        for (const account of [acme, bluebird]) {
          const line = lines.find((l) => l.accountId === account && l.principal.id === apiKey.id)
          const menu = await menuOf(await withKey(secret, `/accounts/${account}/menu`))
          expect(line ? [...line.permissions].sort() : null).toEqual(menu && menu.length ? menu : account === acme ? menu : null)
        }
        expect((await api(`/accounts/${acme}/api-keys/${apiKey.id}`, { method: 'DELETE', cookie: owner })).status).toBe(204)
      }),
      { numRuns: 12 },
    )
  }, 120_000)
})
