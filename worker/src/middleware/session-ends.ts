import type { Context } from 'hono'
import type { LoadedGrant } from '../domain/grants.ts'
import { closeLiveConnections } from '../domain/live.ts'
import type { RevokedImpersonation } from '../domain/sessions.ts'
import type { AppEnv } from '../env.ts'
import { factsFor, recordImpersonation } from './impersonation-events.ts'

/**
 * After sessions of a login were ended (a credential change, a reset, "sign
 * out" from the sessions list, an admin's): record the end of the
 * impersonations they ran and close their live sockets (rule 15).
 * `sockets` picks the sockets: every one of the login's but `keepSessionId`,
 * or only those of the named sessions.
 */
export async function recordSessionsEnded<E extends AppEnv>(
  c: Context<E>,
  person: { id: string; email: string },
  ownGrants: readonly LoadedGrant[],
  ended: RevokedImpersonation[],
  why: string,
  sockets: { keepSessionId: string | null } | { sessionIds: string[] },
) {
  for (const imp of ended) {
    const facts = await factsFor(c, { id: imp.id, impersonator: person, target: imp.target, accountId: imp.accountId, reason: imp.reason })
    if (facts) await recordImpersonation(c, 'impersonation_end', facts, ownGrants, imp.lapsed ? 'expired after 60 minutes' : why)
  }
  if ('sessionIds' in sockets) {
    for (const sessionId of sockets.sessionIds) await closeLiveConnections(c.env, c.var.db, { sessionId }, 'signedOut')
  } else {
    await closeLiveConnections(c.env, c.var.db, { userIds: [person.id], ...(sockets.keepSessionId ? { keepSessionId: sockets.keepSessionId } : {}) }, 'signedOut')
  }
}
