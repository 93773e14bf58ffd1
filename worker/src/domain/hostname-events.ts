import type { Bindings } from '../env.ts'
import { appendEvent } from './activity.ts'
import type { EndedClaim } from './hostnames.ts'

/**
 * Tell a reseller, in its own log, that one of its hostname claims ended or was
 * demoted. These happen to it (another tenant verified first, a claim ran out,
 * the daily re-check missed the TXT record), so the event has no actor and names
 * nobody from another tenant.
 */
export async function recordHostnameChange(env: Bindings, claim: EndedClaim, type: 'hostname_expired' | 'hostname_demoted', description: string, source: 'scheduled' | 'system') {
  await appendEvent(env, {
    accountId: claim.reseller.id,
    accountPath: claim.reseller.path,
    type,
    kind: 'action',
    actor: null,
    impersonator: null,
    subject: null,
    target: { kind: 'hostname', id: claim.id, label: claim.hostname },
    description: description.slice(0, 1000),
    ip: '',
    userAgent: source,
  })
}
