import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { permissions, sectionOf, type Permission } from '../../../worker/src/authz/catalogue.ts'
import { can, inPerson, type MembershipGrant, type Scope, type TargetAccount } from '../../../worker/src/authz/decide.ts'
import { canGrantActing, grantablePermissions, rank, scopeWithin } from '../../../worker/src/authz/grants.ts'
import { reachingMembership } from '../../../worker/src/authz/tenancy.ts'

// A small world: the platform, two resellers, a customer under each.
const accounts: TargetAccount[] = [
  { id: 'plat', path: '/plat/', kind: 'platform' },
  { id: 'acme', path: '/plat/acme/', kind: 'reseller' },
  { id: 'globex', path: '/plat/globex/', kind: 'reseller' },
  { id: 'bluebird', path: '/plat/acme/bluebird/', kind: 'customer' },
  { id: 'evergreen', path: '/plat/globex/evergreen/', kind: 'customer' },
]
const levels = ['owner', 'admin', 'user'] as const
const scopeArb: fc.Arbitrary<Scope> = fc.oneof(
  fc.constant({ mode: 'none' } as const),
  fc.constant({ mode: 'all' } as const),
  fc.record({ mode: fc.constant('tagged' as const), tags: fc.subarray(['a', 'b', 'c']) }),
  fc.record({ mode: fc.constant('selected' as const), services: fc.subarray(['s1', 's2']), groups: fc.subarray(['g1']) }),
)
const grantArb = fc.record({
  account: fc.constantFrom(...accounts),
  level: fc.constantFrom(...levels),
  permissions: fc.subarray([...permissions]),
  scope: scopeArb,
})
const toGrant = (g: { account: TargetAccount; level: MembershipGrant['level']; permissions: Permission[]; scope: Scope }): MembershipGrant => ({
  accountId: g.account.id,
  path: g.account.path,
  kind: g.account.kind,
  level: g.level,
  permissions: g.permissions,
  scope: g.scope,
})
const proposedArb = fc.record({ level: fc.constantFrom('admin' as const, 'user' as const), permissions: fc.subarray([...permissions]), scope: scopeArb })

describe('canGrantActing — whatever is granted while impersonating stays within the impersonator’s ceiling (rule 7)', () => {
  it('never lets a new member hold a permission, scope or level the impersonator could not give', () => {
    fc.assert(
      fc.property(fc.array(grantArb, { minLength: 1, maxLength: 3 }), grantArb, fc.constantFrom(...accounts), proposedArb, (target, impersonator, account, proposed) => {
        const grants = target.map(toGrant)
        const ceiling = [toGrant(impersonator)]
        const decision = canGrantActing({ grants, ceiling }, account, { self: false, current: null }, proposed, { count: 0, cap: 10 })
        if (!decision.ok) return
        const limit = reachingMembership(ceiling, account.path)!
        expect(limit).not.toBeNull()
        // Every permission that means something at this tier is one the impersonator may exercise here.
        for (const p of proposed.permissions.filter((p) => (sectionOf(p).tiers as readonly string[]).includes(account.kind))) {
          expect(can(ceiling, p, account).ok || p === 'dashboard.view' || p === 'notifications.view').toBe(true)
        }
        if (limit.level !== 'owner') expect(scopeWithin(proposed.scope, limit.scope)).toBe(true)
        expect(rank[proposed.level]).toBeLessThanOrEqual(rank[limit.level])
      }),
      { numRuns: 2000 },
    )
  })

  it('is exactly the plain decision when nobody is impersonating', () => {
    fc.assert(
      fc.property(fc.array(grantArb, { minLength: 1, maxLength: 3 }), fc.constantFrom(...accounts), proposedArb, (target, account, proposed) => {
        const grants = target.map(toGrant)
        const alone = canGrantActing(inPerson(grants), account, { self: false, current: null }, proposed, { count: 0, cap: 10 })
        const withSelfAsCeiling = canGrantActing({ grants, ceiling: grants }, account, { self: false, current: null }, proposed, { count: 0, cap: 10 })
        // Being one's own ceiling can only refuse more, never allow more.
        if (withSelfAsCeiling.ok) expect(alone.ok).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })

  it('puts into roles only permissions both people hold', () => {
    fc.assert(
      fc.property(fc.array(grantArb, { minLength: 1, maxLength: 3 }), grantArb, fc.constantFrom(...accounts), (target, impersonator, account) => {
        const ceiling = [toGrant(impersonator)]
        for (const p of grantablePermissions({ grants: target.map(toGrant), ceiling }, account)) expect(can(ceiling, p, account).ok).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })
})
