import type { Context } from 'hono'
import { mailerFor } from '../adapters/email.ts'
import { appendEvent } from '../domain/activity.ts'
import { emailBrandFor } from '../domain/emails.ts'
import { notifySubscribers } from '../domain/notifications.ts'
import type { ActivityType } from '../durable/activity-types.ts'
import type { AppEnv } from '../env.ts'

export interface AuditEntry {
  type: ActivityType
  description: string
  target?: { kind: string; id: string; label: string } | null
  subject?: { id: string; email: string } | null
  kind?: 'action' | 'page_view'
  /** The actor when there is no session yet (login, failed login). */
  actor?: { id: string; email: string } | null
  /** Set explicitly for impersonation start/end, when the session no longer (or not yet) says so. */
  impersonator?: { id: string; email: string } | null
}

/**
 * Write an activity event about this request into the log of `account`
 * (and, through it, its ancestors'). Awaited: a request reports success only
 * after its event is durable.
 */
export async function audit<E extends AppEnv>(c: Context<E>, account: { id: string; path: string }, entry: AuditEntry) {
  const principal = c.var.principal
  // Acting on someone's behalf: the impersonator is the actor, the target the subject (rule 7).
  const imp = principal?.impersonation
  const person = (u: { id: string; email: string }) => ({ id: u.id, email: u.email })
  const event = await appendEvent(c.env, {
    accountId: account.id,
    accountPath: account.path,
    type: entry.type,
    kind: entry.kind ?? 'action',
    actor: entry.actor !== undefined ? entry.actor : imp ? person(imp.impersonator) : principal ? person(principal.user) : null,
    impersonator: entry.impersonator !== undefined ? entry.impersonator : imp ? person(imp.impersonator) : null,
    subject: imp && principal ? person(principal.user) : (entry.subject ?? null),
    target: entry.target ?? null,
    description: entry.description.slice(0, 1000),
    ip: c.var.clientIp.slice(0, 64),
    userAgent: (c.req.header('user-agent') ?? '').slice(0, 512),
  })
  if (event.kind === 'action') {
    try {
      await notifySubscribers(c.var.db, mailerFor(c.env, c.var.db), { accountId: account.id, type: event.type, description: event.description, actorId: event.actor?.id ?? null }, () =>
        emailBrandFor(c.var.db, account.path, c.env.PUBLIC_ORIGIN), c.env,
      )
    } catch (error) {
      // The event is durable; a failed notification email must not fail the request.
      console.error('notification email failed', error)
    }
  }
}
