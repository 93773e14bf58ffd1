import { z } from '@hono/zod-openapi'
import type { Principal } from '../domain/sessions.ts'
import { listNotices, markNoticesRead, pushInbox, unreadCount } from '../domain/inbox.ts'
import { notifiableTypes, setSubscriptions, subscriptionsOf, viewableTypesOf } from '../domain/notifications.ts'
import { AppError, fieldError } from '../errors.ts'
import { requirePermission, requireSignIn, type Access } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { body, createRouter, json, route } from '../openapi.ts'
import { AccountParam } from './schemas.ts'
import { decodeTimeCursor, encodeTimeCursor } from './cursor.ts'

const NoticeView = z
  .object({
    id: z.string(),
    type: z.string(),
    title: z.string(),
    body: z.string(),
    /** A portal path: what the notice is about. */
    link: z.string(),
    account: z.object({ id: z.string(), name: z.string() }),
    createdAt: z.number(),
    readAt: z.number().nullable(),
  })
  .openapi('Notice')

const ListQuery = z.object({
  unread: z.enum(['0', '1']).default('0'),
  account: z.string().max(64).optional().openapi({ description: 'Only the notices of this account.' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
})

const Types = z.object({ types: z.array(z.enum(notifiableTypes as [string, ...string[]])).max(notifiableTypes.length) }).openapi('MyNotificationTypes')

/** The memberships whose notices the caller reads: those they hold in an active account (while acting for someone, that person's in the impersonated account). */
const readableMemberships = (p: Principal) => p.memberships.filter((m) => m.status === 'active').map((m) => m.membershipId)

/** The caller's own membership of the route's account, or a refusal: subscriptions are a member's own. */
function ownMembership(ctx: Access) {
  if (ctx.via.accountId !== ctx.account.id) throw new AppError('forbidden', 'Email subscriptions belong to the account you are a member of; choose them there.')
  return ctx.via
}

const listMyNoticesRoute = route.get('/me/notifications', 'listMyNotices', requireSignIn(), {
  request: { query: ListQuery }, responses: { 200: json(z.object({ items: z.array(NoticeView), next: z.string().nullable(), unread: z.number().int() }), 'Notices') },
})
const countMyUnreadNoticesRoute = route.get('/me/notifications/unread', 'countMyUnreadNotices', requireSignIn(), {
  responses: { 200: json(z.object({ unread: z.number().int() }), 'The count') },
})
const markMyNoticesReadRoute = route.post('/me/notifications/read', 'markMyNoticesRead', requireSignIn(), {
  request: { body: body(z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(100).optional() })) }, responses: { 200: json(z.object({ marked: z.number().int(), unread: z.number().int() }), 'Marked') },
})
const getMyNotificationTypesRoute = route.get('/accounts/{id}/notifications/subscriptions', 'getMyNotificationTypes', requirePermission('notifications.view'), {
  request: { params: AccountParam }, responses: { 200: json(Types.extend({ available: z.array(z.string()), memberId: z.string() }), 'OK') },
})
const setMyNotificationTypesRoute = route.put('/accounts/{id}/notifications/subscriptions', 'setMyNotificationTypes', requirePermission('notifications.view'), {
  request: { params: AccountParam, body: body(Types) }, responses: { 200: json(Types, 'Saved') },
})

export const inboxRoutes = createRouter('Notifications')
  .openapi(listMyNoticesRoute, async (c) => {
    const principal = c.var.signedIn
    const q = c.req.valid('query')
    const mine = readableMemberships(principal)
    const [page, unread] = await Promise.all([
      listNotices(c.var.db, principal.user.id, mine, { unreadOnly: q.unread === '1', accountId: q.account, limit: q.limit, after: q.cursor ? decodeTimeCursor(q.cursor) : undefined }),
      unreadCount(c.var.db, principal.user.id, mine),
    ])
    return c.json(
      {
        items: page.items.map((n) => ({
          id: n.id,
          type: n.type,
          title: n.title,
          body: n.body,
          link: n.link,
          account: { id: n.accountId, name: n.accountName },
          createdAt: n.createdAt,
          readAt: n.readAt,
        })),
        next: page.next ? encodeTimeCursor(page.next) : null,
        unread,
      },
      200,
    )
  })
  .openapi(countMyUnreadNoticesRoute, async (c) => {
    const principal = c.var.signedIn
    return c.json({ unread: await unreadCount(c.var.db, principal.user.id, readableMemberships(principal)) }, 200)
  })
  .openapi(markMyNoticesReadRoute, async (c) => {
    const principal = c.var.signedIn
    if (principal.impersonation) throw new AppError('impersonation_restricted', 'You cannot mark someone’s notices read while acting as them.')
    const { ids } = c.req.valid('json')
    const mine = readableMemberships(principal)
    const marked = await markNoticesRead(c.var.db, principal.user.id, mine, ids ?? null)
    if (marked) {
      try {
        await pushInbox(c.env, c.var.db, [principal.user.id])
      } catch (error) {
        console.error('inbox: could not tell open pages', error)
      }
    }
    return c.json({ marked, unread: await unreadCount(c.var.db, principal.user.id, mine) }, 200)
  })
  .openapi(getMyNotificationTypesRoute, async (c) => {
    const ctx = c.var.access
    const via = ownMembership(ctx)
    const [types, available] = await Promise.all([subscriptionsOf(c.var.db, via.membershipId), viewableTypesOf(c.var.db, ctx.account, via.membershipId)])
    return c.json({ types, available: [...available], memberId: via.membershipId }, 200)
  })
  .openapi(setMyNotificationTypesRoute, async (c) => {
    const ctx = c.var.access
    const via = ownMembership(ctx)
    if (ctx.principal.impersonation) throw new AppError('impersonation_restricted', 'Acting as someone else never changes their own notification choices.')
    const types = [...new Set(c.req.valid('json').types)] as (typeof notifiableTypes)[number][]
    const viewable = new Set(await viewableTypesOf(c.var.db, ctx.account, via.membershipId))
    const hidden = types.filter((t) => !viewable.has(t))
    if (hidden.length) throw fieldError('forbidden', 'types', `You may not view these events, so cannot be emailed about them: ${hidden.join(', ')}.`)
    await setSubscriptions(c.var.db, ctx.account.id, via.membershipId, types)
    const me = ctx.principal.user
    await audit(c, ctx.account, {
      type: 'notifications_updated',
      subject: { id: me.id, email: me.email },
      target: { kind: 'member', id: via.membershipId, label: me.email },
      description: `${me.email} set their own notifications to ${types.length ? types.join(', ') : 'none'}`,
    })
    return c.json({ types: await subscriptionsOf(c.var.db, via.membershipId) }, 200)
  })
