import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { accountId, api, jsonOf, login, membershipId, problem, serviceId, userIdOf } from '../../helpers/client.ts'

const groups = (account: string, rest = '') => `/accounts/${account}/service-groups${rest}`
const groupId = async (account: string, name: string) =>
  (await env.DB.prepare('SELECT id FROM service_groups WHERE account_id = ? AND name = ?').bind(account, name).first<{ id: string }>())!.id
const groupOf = async (sid: string) => (await env.DB.prepare('SELECT group_id FROM services WHERE id = ?').bind(sid).first<{ group_id: string | null }>())!.group_id

describe('service groups: who may change them', () => {
  // Protects against cross-tenant changes: another reseller's owner reaches no group and moves no service.
  it('answers 404 to a sibling tenant on every group route, and changes nothing', async () => {
    const acme = await accountId('Acme Hosting')
    const gid = await groupId(acme, 'Infrastructure')
    const sid = await serviceId('acme-control-01')
    const cookie = await login('owner@globex.test')
    const globex = await accountId('Globex Partners')
    expect((await api(groups(acme), { cookie })).status).toBe(404)
    expect((await api(groups(acme), { method: 'POST', cookie, json: { name: 'Mine' } })).status).toBe(404)
    expect((await api(groups(acme, `/${gid}`), { method: 'PATCH', cookie, json: { name: 'Mine' } })).status).toBe(404)
    expect((await api(groups(acme, `/${gid}`), { method: 'DELETE', cookie })).status).toBe(404)
    expect((await api(groups(acme, `/${gid}/services`), { method: 'POST', cookie, json: { remove: [sid] } })).status).toBe(404)
    // Nor through its own account, naming Acme's group or service.
    expect((await api(groups(globex, `/${gid}`), { method: 'DELETE', cookie })).status).toBe(404)
    const own = (await jsonOf(await api(groups(globex), { method: 'POST', cookie, json: { name: 'Borrowed' } }), 'createServiceGroup')).group
    expect((await api(groups(globex, `/${own.id}/services`), { method: 'POST', cookie, json: { add: [sid] } })).status).toBe(404)
    expect(await groupOf(sid)).toBe(gid)
    expect((await env.DB.prepare('SELECT name FROM service_groups WHERE id = ?').bind(gid).first<{ name: string }>())!.name).toBe('Infrastructure')
  })

  it('answers 401 without a session', async () => {
    expect((await api(groups(await accountId('Acme Hosting')), { method: 'POST', json: { name: 'x' } })).status).toBe(401)
  })

  it('lets a scoped user put a service of their scope into a group, never shape groups or move a service out of their reach', async () => {
    const acme = await accountId('Acme Hosting')
    const tom = await login('tom@acme.test')
    const listed = await jsonOf(await api(groups(acme), { cookie: tom }), 'listServiceGroups')
    expect(listed.canShape).toBe(false)
    expect((await api(groups(acme), { method: 'POST', cookie: tom, json: { name: 'Toms' } })).status).toBe(403)
    const gid = await groupId(acme, 'Infrastructure')
    expect((await api(groups(acme, `/${gid}`), { method: 'PATCH', cookie: tom, json: { name: 'Toms' } })).status).toBe(403)
    expect((await api(groups(acme, `/${gid}`), { method: 'DELETE', cookie: tom })).status).toBe(403)
    // A service outside his scope (no `managed` tag) does not exist for him.
    const owner = await login('owner@acme.test')
    const lab = (await jsonOf(await api(`/accounts/${acme}/services`, { method: 'POST', cookie: owner, json: { type: 'server', name: 'lab-11', tags: ['lab'] } }), 'createService')).service.id
    const outside = await api(groups(acme, `/${gid}/services`), { method: 'POST', cookie: tom, json: { add: [lab] } })
    expect(outside.status).toBe(404)
    expect(await groupOf(lab)).toBeNull()
    // Inside his scope (tagged), taking a service out of a group keeps it his.
    const sid = await serviceId('acme-control-01')
    expect((await api(groups(acme, `/${gid}/services`), { method: 'POST', cookie: tom, json: { remove: [sid] } })).status).toBe(200)
    expect(await groupOf(sid)).toBeNull()
  })

  it('refuses a member without services.manage (Billing role)', async () => {
    const acme = await accountId('Acme Hosting')
    expect((await api(groups(acme), { method: 'POST', cookie: await login('billie@acme.test'), json: { name: 'Money' } })).status).toBe(403)
  })

  // Protects against a group-selected scope being widened by moving services into the group.
  it('refuses a selected-scope user moving a service out of the group that gives them their reach', async () => {
    const evergreen = await accountId('Evergreen Legal')
    const sam = await login('sam@freelance.test')
    const websites = await groupId(evergreen, 'Websites')
    const inside = (await env.DB.prepare("SELECT id FROM services WHERE account_id = ? AND group_id = ? LIMIT 1").bind(evergreen, websites).first<{ id: string }>())!.id
    const email = await groupId(evergreen, 'Email')
    // Moving a Websites service into Email would take it out of Sam's scope (he reaches the Websites group only).
    const res = await api(groups(evergreen, `/${email}/services`), { method: 'POST', cookie: sam, json: { add: [inside] } })
    expect([403, 404]).toContain(res.status)
    expect(await groupOf(inside)).toBe(websites)
  })

  // Protects against impersonation widening reach: the impersonator's own scope caps group shaping too.
  it('lets an impersonator shape groups only as far as both people may', async () => {
    const owner = await login('owner@acme.test')
    const bluebird = await accountId('Bluebird Bakery')
    expect((await api('/impersonation', { method: 'POST', cookie: owner, json: { userId: await userIdOf('sam@freelance.test'), accountId: bluebird, reason: 'Tidy the groups' } })).status).toBe(201)
    const created = await api(groups(bluebird), { method: 'POST', cookie: owner, json: { name: 'Kitchen' } })
    expect(created.status).toBe(201)
    // bluebird-backup-01 has no partner access: the impersonating partner cannot move it.
    const backup = await serviceId('bluebird-backup-01')
    const { group } = await jsonOf(created, 'createServiceGroup')
    const res = await api(groups(bluebird, `/${group.id}/services`), { method: 'POST', cookie: owner, json: { add: [backup] } })
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('consent_required')
    const events = (await jsonOf(await api(`/accounts/${bluebird}/activity?type=service_group_created`, { cookie: await login('owner@bluebird.test') }), 'listActivity')).items
    expect(events[0]).toMatchObject({ actor: { email: 'owner@acme.test' }, subject: { email: 'sam@freelance.test' } })
  })

  it('refuses a removed member', async () => {
    const acme = await accountId('Acme Hosting')
    const tom = await login('tom@acme.test')
    await api(`/accounts/${acme}/members/${await membershipId('tom@acme.test', 'Acme Hosting')}`, { method: 'DELETE', cookie: await login('owner@acme.test') })
    expect([401, 404]).toContain((await api(groups(acme), { cookie: tom })).status)
  })
})

describe('service groups: keeping them', () => {
  it('creates, renames, fills and deletes a group; its services stay, ungrouped; each change is logged', async () => {
    const start = Date.now()
    const bluebird = await accountId('Bluebird Bakery')
    const cookie = await login('owner@bluebird.test')
    const created = await api(groups(bluebird), { method: 'POST', cookie, json: { name: '  Shop floor ' } })
    expect(created.status).toBe(201)
    const { group } = await jsonOf(created, 'createServiceGroup')
    expect(group).toMatchObject({ name: 'Shop floor', services: 0 })
    const dup = await api(groups(bluebird), { method: 'POST', cookie, json: { name: 'Shop floor' } })
    expect(dup.status).toBe(409)
    expect((await problem(dup)).errors?.[0]?.field).toBe('name')
    const renamed = await api(groups(bluebird, `/${group.id}`), { method: 'PATCH', cookie, json: { name: 'Tills' } })
    expect((await jsonOf(renamed, 'renameServiceGroup')).group.name).toBe('Tills')
    expect((await api(groups(bluebird, `/${group.id}`), { method: 'PATCH', cookie, json: { name: 'Production' } })).status).toBe(409)

    const pos = await serviceId('bluebird-pos-01')
    const backup = await serviceId('bluebird-backup-01')
    const filled = await api(groups(bluebird, `/${group.id}/services`), { method: 'POST', cookie, json: { add: [pos, backup] } })
    expect((await jsonOf(filled, 'assignServiceGroup')).group.services).toBe(2)
    const emptied = await api(groups(bluebird, `/${group.id}/services`), { method: 'POST', cookie, json: { remove: [backup] } })
    expect((await jsonOf(emptied, 'assignServiceGroup')).group.services).toBe(1)

    const deleted = await api(groups(bluebird, `/${group.id}`), { method: 'DELETE', cookie })
    expect((await jsonOf(deleted, 'deleteServiceGroup')).ungrouped).toBe(1)
    expect(await groupOf(pos)).toBeNull()
    expect((await api(`/accounts/${bluebird}/services/${pos}`, { cookie })).status).toBe(200)
    expect((await api(groups(bluebird, `/${group.id}`), { method: 'DELETE', cookie })).status).toBe(404)

    const events = (await jsonOf(await api(`/accounts/${bluebird}/activity?from=${start}`, { cookie }), 'listActivity')).items
    expect(events.map((e) => e.type).filter((t) => t.startsWith('service_group'))).toEqual([
      'service_group_deleted',
      'service_group_updated',
      'service_group_updated',
      'service_group_updated',
      'service_group_created',
    ])
  })

  it('lists the account’s own groups with their counts', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const listed = await jsonOf(await api(groups(bluebird), { cookie: await login('owner@bluebird.test') }), 'listServiceGroups')
    expect(listed.canShape).toBe(true)
    expect(listed.items.map((g) => g.name)).toEqual([...listed.items.map((g) => g.name)].sort())
    const production = listed.items.find((g) => g.name === 'Production')!
    expect(production.services).toBe(2)
  })
})
