import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { accountId, api, jsonOf, login, problem, serviceId, userIdOf } from '../../helpers/client.ts'

type Frame = { type: string; unread?: number; latest?: { title: string; link: string } | null }

/** The shell's live socket of an account, collecting frames. */
async function connect(cookie: string, account: string) {
  const res = await SELF.fetch(`http://localhost/api/v1/accounts/${account}/activity/live`, { headers: { upgrade: 'websocket', cookie } })
  if (res.status !== 101) throw new Error(`live answered ${res.status}: ${await res.text()}`)
  const ws = res.webSocket!
  const frames: Frame[] = []
  ws.addEventListener('message', (e) => frames.push(JSON.parse(String(e.data)) as Frame))
  ws.accept()
  return { ws, frames }
}

async function until<T>(read: () => T | undefined, ms = 3000): Promise<T | undefined> {
  for (let waited = 0; waited < ms; waited += 25) {
    const value = read()
    if (value !== undefined) return value
    await new Promise((r) => setTimeout(r, 25))
  }
  return undefined
}

describe('the in-app inbox', () => {
  it('tells the person’s open pages at once, on whatever account they show, and only theirs', async () => {
    const bea = await login('owner@bluebird.test')
    const sarah = await login('sarah@acme.test')
    const bluebird = await accountId('Bluebird Bakery')
    const acme = await accountId('Acme Hosting')
    // Sarah looks at Acme; Alex (the owner) too, on the same log: only Sarah's own socket hears Sarah's notice.
    const sarahPage = await connect(sarah, acme)
    const ownerPage = await connect(await login('owner@acme.test'), acme)
    const res = await api(`/accounts/${bluebird}/tickets`, { method: 'POST', cookie: bea, json: { subject: 'Live inbox', body: 'Hello?' } })
    expect(res.status).toBe(201)
    const heard = await until(() => sarahPage.frames.find((f) => f.type === 'inbox'))
    expect(heard).toMatchObject({ type: 'inbox', latest: { title: 'New ticket from Bluebird Bakery: Live inbox' } })
    expect(heard!.unread).toBe((await jsonOf(await api('/me/notifications/unread', { cookie: sarah }), 'countMyUnreadNotices')).unread)
    // The owner may answer too, so got one of their own; never Sarah's frame with Sarah's count.
    const ownerFrames = ownerPage.frames.filter((f) => f.type === 'inbox')
    expect(ownerFrames.every((f) => f.latest?.title === 'New ticket from Bluebird Bakery: Live inbox')).toBe(true)
    // Marking all read tells the open pages the new count.
    const marked = await jsonOf(await api('/me/notifications/read', { method: 'POST', cookie: sarah, json: {} }), 'markMyNoticesRead')
    expect(marked.unread).toBe(0)
    expect(await until(() => sarahPage.frames.find((f) => f.type === 'inbox' && f.unread === 0 && f.latest === null))).toBeTruthy()
    sarahPage.ws.close()
    ownerPage.ws.close()
  })

  it('puts every subscribed event in the subscriber’s inbox too, linking to the log', async () => {
    const owner = await login('owner@acme.test')
    const acme = await accountId('Acme Hosting')
    // Alex chooses his own emails from the Notifications page: no member id needed.
    const mine = await jsonOf(await api(`/accounts/${acme}/notifications/subscriptions`, { cookie: owner }), 'getMyNotificationTypes')
    expect(mine.available).toContain('server_action')
    expect((await api(`/accounts/${acme}/notifications/subscriptions`, { method: 'PUT', cookie: owner, json: { types: ['server_action'] } })).status).toBe(200)
    const server = await serviceId('acme-control-01')
    expect((await api(`/accounts/${acme}/services/${server}/actions/restart`, { method: 'POST', cookie: await login('sarah@acme.test') })).status).toBe(202)
    const inbox = await jsonOf(await api(`/me/notifications?account=${acme}`, { cookie: owner }), 'listMyNotices')
    expect(inbox.items[0]).toMatchObject({ type: 'server_action', title: 'Server action in Acme Hosting', link: `/a/${acme}/activity`, readAt: null, account: { id: acme, name: 'Acme Hosting' } })
  })

  it('lets every member choose their own email subscriptions without staff.view, only among types they may view', async () => {
    // Billie holds only the Billing role: no staff.view, no activity.view — only the payment reminders of her Billing role.
    const billie = await login('billie@acme.test')
    const acme = await accountId('Acme Hosting')
    const menu = await jsonOf(await api(`/accounts/${acme}/menu`, { cookie: billie }), 'getAccountMenu')
    expect(menu.items.map((i) => i.key)).toContain('notifications')
    const mine = await jsonOf(await api(`/accounts/${acme}/notifications/subscriptions`, { cookie: billie }), 'getMyNotificationTypes')
    expect(mine.available).toEqual(['payment_reminder'])
    const refused = await api(`/accounts/${acme}/notifications/subscriptions`, { method: 'PUT', cookie: billie, json: { types: ['login'] } })
    expect(refused.status).toBe(403)
    expect((await problem(refused)).errors?.[0]?.field).toBe('types')
    expect((await api(`/accounts/${acme}/notifications/subscriptions`, { method: 'PUT', cookie: billie, json: { types: [] } })).status).toBe(200)
  })

  it('keeps subscriptions to members of the account: people from above and impersonators do not change them', async () => {
    const bluebird = await accountId('Bluebird Bakery')
    const owner = await login('owner@acme.test')
    const fromAbove = await api(`/accounts/${bluebird}/notifications/subscriptions`, { cookie: owner })
    expect(fromAbove.status).toBe(403)
    expect((await api(`/accounts/${bluebird}/notifications/subscriptions`, { cookie: await login('owner@globex.test') })).status).toBe(404)
    expect((await api('/impersonation', { method: 'POST', cookie: owner, json: { userId: await userIdOf('owner@bluebird.test'), accountId: bluebird, reason: 'settings' } })).status).toBe(201)
    expect((await api(`/accounts/${bluebird}/notifications/subscriptions`, { cookie: owner })).status).toBe(200)
    const res = await api(`/accounts/${bluebird}/notifications/subscriptions`, { method: 'PUT', cookie: owner, json: { types: [] } })
    expect(res.status).toBe(403)
    expect((await problem(res)).code).toBe('impersonation_restricted')
  })

  it('ignores ids that are not the caller’s when marking read', async () => {
    const bea = await login('owner@bluebird.test')
    const bluebird = await accountId('Bluebird Bakery')
    const acme = await accountId('Acme Hosting')
    const opened = await jsonOf(await api(`/accounts/${bluebird}/tickets`, { method: 'POST', cookie: bea, json: { subject: 'Read marks', body: 'x' } }), 'openTicket')
    expect(opened.ticket.id).toBeTruthy()
    const sarah = await login('sarah@acme.test')
    const sarahs = await jsonOf(await api('/me/notifications?unread=1', { cookie: sarah }), 'listMyNotices')
    const id = sarahs.items.find((n) => n.link.endsWith(opened.ticket.id))!.id
    const other = await jsonOf(await api('/me/notifications/read', { method: 'POST', cookie: await login('owner@globex.test'), json: { ids: [id] } }), 'markMyNoticesRead')
    expect(other.marked).toBe(0)
    const after = await jsonOf(await api('/me/notifications?unread=1', { cookie: sarah }), 'listMyNotices')
    expect(after.items.map((n) => n.id)).toContain(id)
    expect(acme).toBeTruthy()
  })
})
