import { z } from '@hono/zod-openapi'
import { mailerFor } from '../adapters/email.ts'
import { emailBrandFor, renderEmail, emailDate, inRecipientLanguage } from '../domain/emails.ts'
import { m } from '../i18n/paraglide/messages.js'
import { canImpersonate } from '../authz/impersonation.ts'
import { startImpersonation } from '../domain/impersonation.ts'
import { closeLiveConnections } from '../domain/live.ts'
import { getMemberByUser } from '../domain/members.ts'
import { endImpersonation } from '../domain/sessions.ts'
import { AppError } from '../errors.ts'
import { loadAccess, requireSignIn } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { factsFor, recordImpersonation } from '../middleware/impersonation-events.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { ImpersonationView } from './schemas.ts'

const StartImpersonation = z
  .object({
    userId: z.string().min(1).max(64),
    accountId: z.string().min(1).max(64),
    reason: z.string().trim().min(3, 'Give a reason (it is recorded and shown to the person).').max(500),
  })
  .openapi('StartImpersonation')

const startImpersonationRoute = route.post('/impersonation', 'startImpersonation', requireSignIn(), {
  request: { body: body(StartImpersonation) }, responses: { 201: json(z.object({ impersonation: ImpersonationView }), 'Started'), ...problems(403, 404, 409) },
})
const stopImpersonationRoute = route.delete('/impersonation', 'stopImpersonation', requireSignIn(), { responses: { 204: { description: 'Back to your own session' } } })

export const impersonationRoutes = createRouter('Impersonation')
  .openapi(startImpersonationRoute, async (c) => {
    const principal = c.var.signedIn
    if (principal.impersonation) throw new AppError('conflict', 'You are already acting as someone; exit first.')
    const body = c.req.valid('json')
    const ctx = await loadAccess(c, body.accountId)
    const member = await getMemberByUser(c.var.db, ctx.account.id, body.userId)
    if (!member) throw new AppError('not_found', 'userId: No member with that id in this account.', { errors: [{ field: 'userId', message: 'No member with that id in this account.' }] })
    const decision = canImpersonate(ctx.grants, principal.user, ctx.account, { userId: member.user.id, level: member.level })
    if (!decision.ok) {
      if (decision.via) {
        await audit(c, { id: decision.via.accountId, path: decision.via.path }, {
          type: 'impersonation_refused',
          subject: { id: member.user.id, email: member.user.email },
          target: { kind: 'user', id: member.user.id, label: member.user.email },
          description: `${principal.user.email} was refused acting as ${member.user.email} in ${ctx.account.name}: ${decision.detail} (reason given: ${body.reason})`,
        })
      }
      throw new AppError(decision.status === 404 ? 'not_found' : 'forbidden', decision.detail)
    }
    const started = await startImpersonation(c.env.DB, {
      sessionId: principal.session.id,
      impersonatorId: principal.user.id,
      targetUserId: member.user.id,
      accountId: ctx.account.id,
      reason: body.reason,
    })
    if (!started) throw new AppError('conflict', 'You are already acting as someone; exit first.')
    const facts = {
      id: started.id,
      impersonator: { id: principal.user.id, email: principal.user.email },
      target: { id: member.user.id, email: member.user.email },
      account: { id: ctx.account.id, path: ctx.account.path, name: ctx.account.name },
      reason: body.reason,
    }
    await recordImpersonation(c, 'impersonation_start', facts, principal.memberships, 'started')
    // The person is told, every time (our users asked for it).
    const { brand, origin } = await emailBrandFor(c.var.db, ctx.account.path, c.env.PUBLIC_ORIGIN)
    const profile = `${origin}/profile`
    await mailerFor(c.env, c.var.db).send(
      await inRecipientLanguage(c.var.db, member.user.email, brand, () => {
        const the = { who: principal.user.name, whoEmail: principal.user.email, account: ctx.account.name, when: emailDate(started.startedAt), reason: body.reason }
        return renderEmail(brand, member.user.email, m.acting_subject(the), {
          paragraphs: [m.acting_body(the), m.acting_reason(the), m.acting_limits()],
          action: { label: m.acting_action(), url: profile },
        })
      }),
    )
    return c.json(
      {
        impersonation: {
          id: started.id,
          impersonator: principal.user,
          target: member.user,
          accountId: ctx.account.id,
          accountName: ctx.account.name,
          reason: body.reason,
          startedAt: started.startedAt,
          expiresAt: started.expiresAt,
        },
      },
      201,
    )
  })
  .openapi(stopImpersonationRoute, async (c) => {
    const principal = c.var.signedIn
    const imp = principal.impersonation
    if (imp && (await endImpersonation(c.var.db, principal.session.id, 'exit'))) {
      const facts = await factsFor(c, {
        id: imp.id,
        impersonator: { id: imp.impersonator.id, email: imp.impersonator.email },
        target: { id: principal.user.id, email: principal.user.email },
        accountId: imp.accountId,
        reason: imp.reason,
      })
      if (facts) await recordImpersonation(c, 'impersonation_end', facts, imp.ceiling, 'exit')
      await closeLiveConnections(c.env, c.var.db, { impersonationId: imp.id }, 'impersonationEnded')
    }
    return c.body(null, 204)
  })

