import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { canRemoveMember, forUsers, grantablePermissions, memberActions } from '../authz/grants.ts'
import { adminCapacity, deleteMember, getMember, listMembers, updateMember, type Member } from '../domain/members.ts'
import { endTime } from '../domain/access-ends.ts'
import { liveMemberRemoved, liveRightsChanged } from '../domain/live.ts'
import { listRoles } from '../domain/roles.ts'
import { ScopeSchema } from '../domain/scope.ts'
import type { AppEnv } from '../env.ts'
import { AppError, fieldError, found } from '../errors.ts'
import { requirePermission, type Access } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { assertGrant } from '../middleware/grants.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam, accountParams, EndsAt } from './schemas.ts'

const Level = z.enum(['admin', 'user'])
const RoleIds = z.array(z.string().min(1).max(64)).max(50)

const MemberView = z
  .object({
    id: z.string(),
    user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
    level: z.enum(['owner', 'admin', 'user']),
    roles: z.array(z.object({ id: z.string(), name: z.string(), builtin: z.boolean(), endsAt: z.number().nullable() })),
    scope: ScopeSchema,
    createdAt: z.number(),
    /** When the membership ends by itself (ms); past it grants nothing (the daily run then removes it). */
    endsAt: z.number().nullable(),
    self: z.boolean(),
    /** What the caller may do to this member (the same rules the API enforces). */
    allowed: z.object({ edit: z.boolean(), remove: z.boolean(), impersonate: z.boolean(), notifications: z.boolean(), signOut: z.boolean() }),
  })
  .openapi('Member')

const UpdateMember = z
  .object({
    level: Level.optional(),
    roles: RoleIds.optional(),
    scope: ScopeSchema.optional(),
    /** When the membership ends (ms since the epoch, in the future); null: it lasts. Absent: unchanged. */
    endsAt: EndsAt.optional(),
    /** When single roles stop being held, by role id (each among the member's roles after the change); null: it lasts. */
    roleEnds: z.record(z.string().min(1).max(64), EndsAt).optional(),
  })
  .openapi('UpdateMember')

const MemberParams = accountParams('memberId')

/** Render members with role names and what the caller may do to each. */
async function present<E extends AppEnv>(c: Context<E>, access: Access, members: Member[]) {
  const roles = new Map((await listRoles(c.var.db, access.account.id)).map((r) => [r.id, r]))
  const me = access.principal.user.id
  return members.map((m) => ({
    id: m.id,
    user: m.user,
    level: m.level,
    roles: m.roleIds.flatMap((id) => {
      const r = roles.get(id)
      return r ? [{ id: r.id, name: r.name, builtin: r.builtin, endsAt: m.roleEnds[id] ?? null }] : []
    }),
    scope: m.scope,
    createdAt: m.createdAt,
    endsAt: m.endsAt,
    self: m.user.id === me,
    allowed: memberActions(access, access.account, access.principal.user, { userId: m.user.id, level: m.level }),
  }))
}

/** The people of an account, and what the caller holds there. */
const MembersAnswer = z.object({
  items: z.array(MemberView),
  admins: z.object({ count: z.number(), cap: z.number() }),
  me: z.object({
    level: z.enum(['owner', 'admin', 'user']),
    /** The widest scope the caller may give (an owner's is every service). */
    scope: ScopeSchema,
    inherited: z.boolean(),
    /** The permissions the caller may hand out here, to an admin. */
    permissions: z.array(z.string()),
    /** Those of them a user-level member may hold (technical ones only). */
    userPermissions: z.array(z.string()),
  }),
})

const listMembersRoute = route.get('/accounts/{id}/members', 'listMembers', requirePermission('staff.view'), {
  request: { params: AccountParam }, responses: { 200: json(MembersAnswer, 'Members, the admin cap, and what the caller holds here (to offer only what they may grant)') },
})
const updateMemberRoute = route.patch('/accounts/{id}/members/{memberId}', 'updateMember', requirePermission('staff.manage'), {
  request: { params: MemberParams, body: body(UpdateMember) }, responses: { 200: json(z.object({ member: MemberView }), 'Updated'), ...problems(422) },
})
const deleteMemberRoute = route.delete('/accounts/{id}/members/{memberId}', 'deleteMember', requirePermission('staff.manage'), {
  request: { params: MemberParams }, responses: { 204: { description: 'Removed' } },
})

export const members = createRouter('Staff')
  .openapi(listMembersRoute, async (c) => {
    const ctx = c.var.access
    const { via } = ctx
    const [items, admins] = await Promise.all([listMembers(c.var.db, ctx.account.id), adminCapacity(c.var.db, ctx.account.id)])
    // `permissions`: what the caller may hand out here (while impersonating, only what both people hold).
    const permissions = [...grantablePermissions(ctx, ctx.account)]
    const me = {
      level: via.level,
      scope: via.level === 'owner' ? { mode: 'all' as const } : via.scope,
      inherited: via.accountId !== ctx.account.id,
      permissions,
      userPermissions: forUsers(permissions),
    }
    return c.json({ items: await present(c, ctx, items), admins, me }, 200)
  })
  .openapi(updateMemberRoute, async (c) => {
    const { memberId } = c.req.valid('param')
    const ctx = c.var.access
    const current = found(await getMember(c.var.db, ctx.account.id, memberId), 'No member with that id.')
    const body = c.req.valid('json')
    if (current.level === 'owner' && body.level) {
      throw fieldError('escalation', 'level', 'The owner stays owner; ownership transfer is a separate step.')
    }
    const next = { level: body.level ?? current.level, roleIds: body.roles ? [...new Set(body.roles)] : current.roleIds, scope: body.scope ?? current.scope }
    const before = { level: current.level, scope: current.scope, roleIds: current.roleIds, endsAt: current.endsAt, roleEnds: current.roleEnds }
    const ends = await assertGrant(c, ctx, { self: current.user.id === ctx.principal.user.id, current: before }, { ...next, endsAt: body.endsAt, roleEnds: body.roleEnds })
    await updateMember(c.var.db, ctx.account, memberId, { ...next, ...ends }, before, ctx.principal.apiKey ? null : ctx.principal.user.id)
    await liveRightsChanged(c.env, c.var.db, [memberId])
    const member = (await getMember(c.var.db, ctx.account.id, memberId))!
    const endMoved = ends.endsAt !== current.endsAt
    const rolesEnds = Object.entries(ends.roleEnds).filter(([id, at]) => at !== (current.roleEnds[id] ?? null) && (at !== null || id in current.roleEnds))
    const changed = [body.level && 'level', body.roles && 'roles', body.scope && 'scope'].filter(Boolean).join(', ')
    const endings = [
      endMoved && (ends.endsAt === null ? 'their access no longer ends' : `their access ends on ${endTime(ends.endsAt)}`),
      ...rolesEnds.map(([id, at]) => `role ${id} ${at === null ? 'no longer ends' : `ends on ${endTime(at)}`}`),
    ].filter(Boolean)
    await audit(c, ctx.account, {
      type: body.roles || body.level ? 'update_user_permissions' : 'member_updated',
      target: { kind: 'member', id: memberId, label: member.user.email },
      subject: { id: member.user.id, email: member.user.email },
      description:
        changed || !endings.length
          ? `${ctx.principal.user.email} changed the ${changed || 'membership'} of ${member.user.email} in ${ctx.account.name}${endings.length ? `; ${endings.join('; ')}` : ''}`
          : `${ctx.principal.user.email} changed when the access of ${member.user.email} in ${ctx.account.name} ends: ${endings.join('; ')}`,
    })
    return c.json({ member: (await present(c, ctx, [member]))[0]! }, 200)
  })
  .openapi(deleteMemberRoute, async (c) => {
    const { memberId } = c.req.valid('param')
    const ctx = c.var.access
    const current = found(await getMember(c.var.db, ctx.account.id, memberId), 'No member with that id.')
    const removal = canRemoveMember(ctx, ctx.account, { level: current.level, self: current.user.id === ctx.principal.user.id })
    if (!removal.ok) throw new AppError(removal.code, removal.detail)
    await deleteMember(c.var.db, ctx.account.id, memberId)
    await liveMemberRemoved(c.env, c.var.db, { id: memberId, userId: current.user.id })
    await audit(c, ctx.account, {
      type: 'member_deleted',
      target: { kind: 'member', id: memberId, label: current.user.email },
      subject: { id: current.user.id, email: current.user.email },
      description: `${ctx.principal.user.email} removed ${current.user.email} from ${ctx.account.name}`,
    })
    return c.body(null, 204)
  })
