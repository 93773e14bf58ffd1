import { dnsResolver, DnsUnavailable, type DnsEnv } from '../adapters/dns.ts'
import { DomainError } from '../errors.ts'

/**
 * Proof of control over a DNS name (a portal hostname, an organisation's email
 * domain): a TXT record at `_trellis.<name>` holding the claim's token, looked
 * up through the DNS adapter — on a Verify click, and again by the daily checks.
 */

/** Lookups the daily checks run at once. */
const PARALLEL = 10

/** The DNS name that must carry the verification token. */
export function challengeName(name: string): string {
  return `_trellis.${name}`
}

/** Whether a pending claim has lapsed (it was not verified in time). */
export const claimLapsed = (row: { status: string; expiresAt: number | null }, now = Date.now()) => row.status === 'pending' && row.expiresAt !== null && row.expiresAt <= now

/**
 * Why verifying a claim changed nothing, read from the claim as it stands now:
 * gone, verified already (a repeated click), lapsed, or another verified the name first.
 */
export function notVerified(row: { status: string; expiresAt: number | null } | undefined, now: number): { ok: true; dropped: [] } | { ok: false; reason: 'expired' | 'taken' | 'gone' } {
  if (!row) return { ok: false, reason: 'gone' }
  if (row.status === 'verified') return { ok: true, dropped: [] }
  return { ok: false, reason: claimLapsed(row, now) ? 'expired' : 'taken' }
}

const holds = (records: readonly string[], token: string) => records.some((r) => r.trim() === token)

/**
 * Refuse (`verification_failed`) unless a TXT record at `_trellis.<name>` holds
 * `token`; DnsUnavailable when the resolver gives no answer (nothing may be concluded).
 */
export async function requireChallenge(env: DnsEnv, name: string, token: string) {
  if (holds(await dnsResolver(env).txt(challengeName(name)), token)) return
  throw new DomainError('verification_failed', `No TXT record at ${challengeName(name)} holds the token yet. DNS changes can take a few minutes to appear.`)
}

/**
 * Look up each claim's TXT record, a few at a time, and hand `seen` whether a
 * record holds its token. A failed lookup proves nothing and changes nothing
 * (rule 17): that claim is skipped until the next run.
 */
export async function checkChallenges<T extends { verificationToken: string }>(env: DnsEnv, due: readonly T[], nameOf: (claim: T) => string, seen: (claim: T, found: boolean) => Promise<unknown>) {
  const resolver = dnsResolver(env)
  for (let i = 0; i < due.length; i += PARALLEL) {
    await Promise.all(
      due.slice(i, i + PARALLEL).map(async (claim) => {
        let records: string[]
        try {
          records = await resolver.txt(challengeName(nameOf(claim)))
        } catch (error) {
          if (error instanceof DnsUnavailable) return
          throw error
        }
        await seen(claim, holds(records, claim.verificationToken))
      }),
    )
  }
}

/**
 * The daily re-check of verified claims: a record that still holds the token
 * moves `checked` on; an answer without it `demote`s the claim back to pending
 * (null when it changed meanwhile) and `tell`s whoever must know. Returns the
 * names demoted. A failed lookup changes nothing (see `checkChallenges`).
 */
export async function recheckVerified<T extends { id: string; verificationToken: string }, D>(
  env: DnsEnv,
  due: readonly T[],
  nameOf: (claim: T) => string,
  steps: { checked: (claim: T) => Promise<unknown>; demote: (claim: T) => Promise<D | null | undefined>; tell: (demoted: D) => Promise<unknown> },
): Promise<string[]> {
  const demoted: string[] = []
  await checkChallenges(env, due, nameOf, async (claim, found) => {
    if (found) return steps.checked(claim)
    const row = await steps.demote(claim)
    if (!row) return
    demoted.push(nameOf(claim))
    await steps.tell(row)
  })
  return demoted
}
