import type { Context } from 'hono'
import { reachingMembership } from '../authz/tenancy.ts'
import { getAccount } from '../domain/accounts.ts'
import type { LoadedGrant } from '../domain/grants.ts'
import type { AppEnv } from '../env.ts'
import { audit } from './audit.ts'
import { parentPath } from '../durable/activity-log.ts'

export interface ImpersonationFacts {
  id: string
  impersonator: { id: string; email: string }
  target: { id: string; email: string }
  account: { id: string; path: string; name: string }
  reason: string
}

/**
 * impersonation_start / impersonation_end in the logs of both accounts
 * involved: the target's, and the impersonator's own (when it is another
 * account — an ancestor). The impersonator is the actor, the target the subject.
 */
export async function recordImpersonation<E extends AppEnv>(c: Context<E>, type: 'impersonation_start' | 'impersonation_end', facts: ImpersonationFacts, ownGrants: readonly LoadedGrant[], how: string) {
  const via = reachingMembership(ownGrants, facts.account.path)
  // The target account's log forwards its events up to the reseller: write into the
  // impersonator's own log only when forwarding does not reach it (the platform's), so each log has the event once.
  const own = via && via.accountId !== facts.account.id && !reachedByForwarding(facts.account.path, via.path) ? [{ id: via.accountId, path: via.path }] : []
  const where = [facts.account, ...own]
  const description =
    type === 'impersonation_start'
      ? `${facts.impersonator.email} started acting as ${facts.target.email} in ${facts.account.name} (reason: ${facts.reason})`
      : `${facts.impersonator.email} stopped acting as ${facts.target.email} in ${facts.account.name} (${how}; reason: ${facts.reason})`
  await Promise.all(
    where.map((account) =>
      audit(c, account, {
        type,
        actor: facts.impersonator,
        impersonator: facts.impersonator,
        subject: facts.target,
        target: { kind: 'user', id: facts.target.id, label: facts.target.email },
        description,
      }),
    ),
  )
}

/** True when events of the account at `path` are forwarded into the log of its ancestor at `ancestorPath`. */
function reachedByForwarding(path: string, ancestorPath: string): boolean {
  for (let up = parentPath(path); up; up = parentPath(up.path)) if (up.path === ancestorPath) return true
  return false
}

/** Facts of an impersonation whose account is known only by id (ended by expiry). */
export async function factsFor<E extends AppEnv>(c: Context<E>, lapsed: { id: string; impersonator: { id: string; email: string }; target: { id: string; email: string }; accountId: string; reason: string }) {
  const account = await getAccount(c.var.db, lapsed.accountId)
  if (!account) return null
  return { ...lapsed, account: { id: account.id, path: account.path, name: account.name } }
}
