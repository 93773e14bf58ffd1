import { z } from '@hono/zod-openapi'
import { createMiddleware } from 'hono/factory'
import { getMember, type Member } from '../domain/members.ts'
import { notifiableTypes, setSubscriptions, subscriptionsOf, viewableTypesOf } from '../domain/notifications.ts'
import { fieldError, found } from '../errors.ts'
import { authorize, requireAccount, type AccessEnv } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { answers, body, createRouter, json, route } from '../openapi.ts'
import { accountParams } from './schemas.ts'

const MemberParams = accountParams('memberId')
const Types = z.object({ types: z.array(z.enum(notifiableTypes as [string, ...string[]])).max(notifiableTypes.length) }).openapi('NotificationTypes')

/**
 * A member's notification settings: readable and writable by the member and
 * by whoever manages the account's staff (`staff.manage`). Checked before the
 * body is read; the handler finds the member on `c.var.member`.
 */
const memberSettings = () =>
  answers(
    createMiddleware<AccessEnv & { Variables: { member: Member } }>(async (c, next) => {
      const ctx = c.var.access
      const member = found(await getMember(c.var.db, ctx.account.id, c.req.param('memberId') ?? ''), 'No member with that id.')
      const self = member.user.id === ctx.principal.user.id && !ctx.principal.impersonation
      if (!self) authorize(ctx, 'staff.manage')
      c.set('member', member)
      await next()
    }),
    403,
    404,
  )

const getMemberNotificationsRoute = route.get('/accounts/{id}/members/{memberId}/notifications', 'getMemberNotifications', [requireAccount(), memberSettings()], {
  request: { params: MemberParams }, responses: { 200: json(Types.extend({ available: z.array(z.string()) }), 'OK') },
})
const setMemberNotificationsRoute = route.put('/accounts/{id}/members/{memberId}/notifications', 'setMemberNotifications', [requireAccount(), memberSettings()], {
  request: { params: MemberParams, body: body(Types) }, responses: { 200: json(Types, 'Saved') },
})

export const notificationRoutes = createRouter('Staff')
  .openapi(getMemberNotificationsRoute, async (c) => {
    const { access: ctx, member } = c.var
    const [types, available] = await Promise.all([subscriptionsOf(c.var.db, member.id), viewableTypesOf(c.var.db, ctx.account, member.id)])
    return c.json({ types, available: [...available] }, 200)
  })
  .openapi(setMemberNotificationsRoute, async (c) => {
    const { access: ctx, member } = c.var
    const types = [...new Set(c.req.valid('json').types)] as (typeof notifiableTypes)[number][]
    const viewable = new Set(await viewableTypesOf(c.var.db, ctx.account, member.id))
    const hidden = types.filter((t) => !viewable.has(t))
    if (hidden.length) throw fieldError('forbidden', 'types', `${member.user.email} may not view these events, so cannot be emailed about them: ${hidden.join(', ')}.`)
    await setSubscriptions(c.var.db, ctx.account.id, member.id, types)
    await audit(c, ctx.account, {
      type: 'notifications_updated',
      subject: { id: member.user.id, email: member.user.email },
      target: { kind: 'member', id: member.id, label: member.user.email },
      description: `${ctx.principal.user.email} set the notifications of ${member.user.email} to ${types.length ? types.join(', ') : 'none'}`,
    })
    return c.json({ types: await subscriptionsOf(c.var.db, member.id) }, 200)
  })
