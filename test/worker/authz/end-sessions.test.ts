import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { inPerson, type MembershipGrant, type TargetAccount } from '../../../worker/src/authz/decide.ts'
import { canEndSessionsOf, rank } from '../../../worker/src/authz/grants.ts'
import { reachingMembership } from '../../../worker/src/authz/tenancy.ts'

const accounts: TargetAccount[] = [
  { id: 'plat', path: '/plat/', kind: 'platform' },
  { id: 'acme', path: '/plat/acme/', kind: 'reseller' },
  { id: 'globex', path: '/plat/globex/', kind: 'reseller' },
  { id: 'bluebird', path: '/plat/acme/bluebird/', kind: 'customer' },
]
const levels = ['owner', 'admin', 'user'] as const
const grantArb: fc.Arbitrary<MembershipGrant> = fc
  .record({ account: fc.constantFrom(...accounts), level: fc.constantFrom(...levels) })
  .map(({ account, level }) => ({ accountId: account.id, path: account.path, kind: account.kind, level, permissions: [], scope: { mode: 'all' } }))

/** Below `grants` in `account`: reached from an ancestor, or a lower level in the account itself. */
const below = (grants: readonly MembershipGrant[], account: TargetAccount, level: (typeof levels)[number]) => {
  const via = reachingMembership(grants, account.path)
  return !!via && (via.path !== account.path || rank[level] < rank[via.level])
}

describe('canEndSessionsOf — only people below you (and below your impersonator) are signed out by you', () => {
  it('agrees with "below" for the caller and, while impersonating, for the impersonator; never for oneself', () => {
    fc.assert(
      fc.property(
        fc.array(grantArb, { minLength: 0, maxLength: 3 }),
        fc.option(fc.array(grantArb, { minLength: 1, maxLength: 3 }), { nil: null }),
        fc.constantFrom(...accounts),
        fc.constantFrom(...levels),
        fc.boolean(),
        (grants, ceiling, account, level, self) => {
          const decision = canEndSessionsOf({ grants, ceiling }, account, { level, self })
          const expected = !self && below(grants, account, level) && (!ceiling || below(ceiling, account, level))
          expect(decision.ok).toBe(expected)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('never lets anyone sign out an owner of their own account, nor a sibling tenant', () => {
    const acmeOwner: MembershipGrant = { accountId: 'acme', path: '/plat/acme/', kind: 'reseller', level: 'owner', permissions: [], scope: { mode: 'all' } }
    expect(canEndSessionsOf(inPerson([acmeOwner]), accounts[1]!, { level: 'owner', self: false }).ok).toBe(false)
    expect(canEndSessionsOf(inPerson([acmeOwner]), accounts[2]!, { level: 'user', self: false }).ok).toBe(false)
    expect(canEndSessionsOf(inPerson([acmeOwner]), accounts[3]!, { level: 'owner', self: false }).ok).toBe(true)
  })
})
