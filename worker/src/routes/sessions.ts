import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { canEndSessionsOf } from '../authz/grants.ts'
import { getMember } from '../domain/members.ts'
import { listSessions, revokeOtherSessions, revokeSession, type Principal } from '../domain/sessions.ts'
import { describeDevice } from '../domain/user-agent.ts'
import type { AppEnv } from '../env.ts'
import { AppError, fieldError } from '../errors.ts'
import { requirePermission, requireSignIn } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { recordSessionsEnded } from '../middleware/session-ends.ts'
import { clearSessionCookie } from '../middleware/session.ts'
import { createRouter, json, problems, route } from '../openapi.ts'
import { accountParams, pathParam } from './schemas.ts'

const SessionView = z
  .object({
    id: z.string(),
    /** The session this request came with. */
    current: z.boolean(),
    device: z.object({ label: z.string(), browser: z.string().nullable(), os: z.string().nullable(), mobile: z.boolean() }),
    ip: z.string().nullable(),
    /** Where the edge placed the sign-in, when it knew (country code, city). */
    place: z.object({ country: z.string().nullable(), city: z.string().nullable() }).nullable(),
    createdAt: z.number(),
    lastSeenAt: z.number().nullable(),
    expiresAt: z.number(),
    /** The session is acting on someone's behalf right now. */
    impersonating: z.boolean(),
  })
  .openapi('Session')

const SessionParam = z.object({ sessionId: pathParam('sessionId') })
const MemberParams = accountParams('memberId')

/** Sessions belong to the person: nobody lists or ends them on their behalf. */
function refuseWhileImpersonating(principal: Principal) {
  if (principal.impersonation) throw new AppError('impersonation_restricted', 'The sessions of someone you act as are theirs alone.')
}

/** Log an ended session in every account of the person. */
async function recordEnded<E extends AppEnv>(c: Context<E>, principal: Principal, description: string) {
  await Promise.all(
    principal.memberships.map((m) =>
      audit(c, { id: m.accountId, path: m.path }, {
        type: 'session_ended',
        target: { kind: 'user', id: principal.user.id, label: principal.user.email },
        description,
      }),
    ),
  )
}

const listMySessionsRoute = route.get('/me/sessions', 'listMySessions', requireSignIn(), { responses: { 200: json(z.object({ items: z.array(SessionView) }), 'Sessions') } })
const endMySessionRoute = route.delete('/me/sessions/{sessionId}', 'endMySession', requireSignIn(), {
  request: { params: SessionParam }, responses: { 204: { description: 'Ended' }, ...problems(404) },
})
const endMyOtherSessionsRoute = route.post('/me/sessions/end-others', 'endMyOtherSessions', requireSignIn(), { responses: { 200: json(z.object({ ended: z.number().int() }), 'Ended') } })
const endMemberSessionsRoute = route.post('/accounts/{id}/members/{memberId}/sessions/end', 'endMemberSessions', requirePermission('security.manage'), {
  request: { params: MemberParams }, responses: { 200: json(z.object({ ended: z.number().int() }), 'Ended') },
})

export const sessionRoutes = createRouter('Sessions')
  .openapi(listMySessionsRoute, async (c) => {
    const principal = c.var.signedIn
    refuseWhileImpersonating(principal)
    const rows = await listSessions(c.var.db, principal.user.id)
    const items = rows.map((r) => ({
      id: r.id,
      current: r.id === principal.session.id,
      device: describeDevice(r.userAgent),
      ip: r.ip,
      place: r.country || r.city ? { country: r.country, city: r.city } : null,
      createdAt: r.createdAt,
      lastSeenAt: r.lastSeenAt,
      expiresAt: r.expiresAt,
      impersonating: Boolean(r.impersonating),
    }))
    return c.json({ items }, 200)
  })
  .openapi(endMySessionRoute, async (c) => {
    const principal = c.var.signedIn
    refuseWhileImpersonating(principal)
    const { sessionId } = c.req.valid('param')
    const ended = await revokeSession(c.var.db, principal.user.id, sessionId)
    if (!ended) throw new AppError('not_found', 'No session of yours with that id.')
    await recordSessionsEnded(c, principal.user, principal.memberships, ended, 'signed out from their sessions list', { sessionIds: [sessionId] })
    if (sessionId === principal.session.id) clearSessionCookie(c)
    await recordEnded(c, principal, `${principal.user.email} signed out one of their sessions`)
    return c.body(null, 204)
  })
  .openapi(endMyOtherSessionsRoute, async (c) => {
    const principal = c.var.signedIn
    refuseWhileImpersonating(principal)
    const revoked = await revokeOtherSessions(c.var.db, principal.user.id, principal.session.id)
    await recordSessionsEnded(c, principal.user, principal.memberships, revoked.impersonations, 'signed out everywhere else', { keepSessionId: principal.session.id })
    const n = revoked.sessions.length
    if (n) await recordEnded(c, principal, `${principal.user.email} signed out everywhere else (${n === 1 ? '1 session' : `${n} sessions`})`)
    return c.json({ ended: n }, 200)
  })
  .openapi(endMemberSessionsRoute, async (c) => {
    const ctx = c.var.access
    const { memberId } = c.req.valid('param')
    const member = await getMember(c.var.db, ctx.account.id, memberId)
    if (!member) throw new AppError('not_found', 'No member with that id in this account.')
    const self = member.user.id === (ctx.principal.impersonation?.impersonator.id ?? ctx.principal.user.id) || member.user.id === ctx.principal.user.id
    const decision = canEndSessionsOf(ctx, ctx.account, { level: member.level, self })
    if (!decision.ok) throw fieldError(decision.code, decision.field, decision.detail)
    const revoked = await revokeOtherSessions(c.var.db, member.user.id, null)
    await recordSessionsEnded(c, member.user, [], revoked.impersonations, 'signed out by an administrator', { keepSessionId: null })
    const n = revoked.sessions.length
    await audit(c, ctx.account, {
      type: 'session_ended',
      target: { kind: 'member', id: member.id, label: member.user.email },
      description: `${ctx.principal.user.email} signed ${member.user.email} out everywhere (${n === 1 ? '1 session' : `${n} sessions`})`,
    })
    return c.json({ ended: n }, 200)
  })
