import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { permissions, type Permission } from '../../../worker/src/authz/catalogue.ts'
import { can, inPerson, type MembershipGrant, type TargetAccount, type TimedRole } from '../../../worker/src/authz/decide.ts'
import { canGrantTimed, grantAt, grantsAt, type TimedGrant } from '../../../worker/src/authz/expiry.ts'
import { canGrantActing } from '../../../worker/src/authz/grants.ts'

const NOW = 1_000_000
const account: TargetAccount = { id: 'acme', path: '/plat/acme/', kind: 'reseller' }
const above: TargetAccount = { id: 'plat', path: '/plat/', kind: 'platform' }
const somePerms = permissions.filter((p) => p.startsWith('staff.') || p.startsWith('services.') || p.startsWith('billing.') || p.startsWith('customers.'))

/** An end: none, or some moment around now (past ones included: the loaders would have dropped them). */
const endArb = fc.option(fc.integer({ min: NOW - 10, max: NOW + 100 }), { nil: null })
const roleArb = (id: string) => fc.record({ id: fc.constant(id), permissions: fc.subarray(somePerms, { maxLength: 6 }), endsAt: endArb })
const rolesArb = fc.tuple(roleArb('r1'), roleArb('r2'), roleArb('r3')).chain((rs) => fc.subarray(rs))
const union = (roles: readonly TimedRole[]) => [...new Set(roles.flatMap((r) => r.permissions))] as Permission[]

const grantArb = fc.record({ on: fc.constantFrom(account, above), level: fc.constantFrom('owner' as const, 'admin' as const, 'user' as const), roles: rolesArb, endsAt: endArb }).map(
  (g): MembershipGrant => ({ accountId: g.on.id, path: g.on.path, kind: g.on.kind, level: g.level, scope: { mode: 'all' }, permissions: union(g.roles), roleGrants: g.roles, endsAt: g.endsAt }),
)
const timedArb = fc.record({ level: fc.constantFrom('admin' as const, 'user' as const), roles: rolesArb, endsAt: endArb }).map((g): TimedGrant => ({ ...g, scope: { mode: 'all' } }))

describe('grantsAt — access only ends, it never starts later', () => {
  // One membership at a time: with two on nested accounts, the nearer one decides (decide.ts), so
  // when a narrower membership below ends, the broader one above rightly decides again.
  it('holds at a later moment nothing it did not hold at an earlier one, and nothing at all past the end', () => {
    fc.assert(
      fc.property(fc.array(grantArb, { minLength: 1, maxLength: 1 }), fc.integer({ min: NOW, max: NOW + 120 }), fc.integer({ min: 0, max: 50 }), fc.constantFrom(...somePerms), (grants, t1, dt, p) => {
        const early = can(grantsAt(grants, t1), p, account).ok
        const late = can(grantsAt(grants, t1 + dt), p, account).ok
        if (late) expect(early).toBe(true)
        if (grants.every((g) => g.endsAt !== null && g.endsAt !== undefined && g.endsAt <= t1)) expect(early).toBe(false)
      }),
    )
  })
})

describe('canGrantTimed — nobody hands out access that outlives their own right to grant it (rule 6 over time)', () => {
  it('when it allows a grant, the grantor could grant what it adds at every moment the grant lasts', () => {
    fc.assert(
      fc.property(fc.array(grantArb, { minLength: 1, maxLength: 2 }), timedArb, (grants, proposed) => {
        const decision = canGrantTimed(inPerson(grants), account, { self: false, current: null }, proposed, { count: 0, cap: 10 }, NOW)
        if (!decision.ok) return
        // Brute force: every moment from now until the grant ends (or past every end there is).
        const until = proposed.endsAt ?? NOW + 101
        for (let t = NOW; t < until; t++) {
          const at = grantAt(proposed, t)
          if (!at) continue
          expect(canGrantActing(inPerson(grantsAt(grants, t)), account, { self: false, current: null }, at, { count: 0, cap: Infinity }).ok).toBe(true)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('allows a grant the grantor could make at every moment (it is not stricter than it needs to be)', () => {
    fc.assert(
      fc.property(fc.array(grantArb, { minLength: 1, maxLength: 2 }), timedArb, (grants, proposed) => {
        if (proposed.endsAt !== null && proposed.endsAt <= NOW) return
        if (proposed.roles.some((r) => r.endsAt !== null && r.endsAt <= NOW)) return
        const until = proposed.endsAt ?? NOW + 101
        let every = true
        for (let t = NOW; t < until && every; t++) {
          const at = grantAt(proposed, t)
          if (at) every = canGrantActing(inPerson(grantsAt(grants, t)), account, { self: false, current: null }, at, { count: 0, cap: 10 }).ok
        }
        expect(canGrantTimed(inPerson(grants), account, { self: false, current: null }, proposed, { count: 0, cap: 10 }, NOW).ok).toBe(every)
      }),
      { numRuns: 300 },
    )
  })

  it('refuses a grant the impersonator could not keep up, even when the person acted for could', () => {
    const owner: MembershipGrant = { accountId: 'acme', path: '/plat/acme/', kind: 'reseller', level: 'owner', permissions: [], scope: { mode: 'all' } }
    const desk: MembershipGrant = { accountId: 'plat', path: '/plat/', kind: 'platform', level: 'admin', permissions: ['resellers.view', 'resellers.manage', 'staff.manage'], scope: { mode: 'all' }, endsAt: NOW + 50 }
    const proposed: TimedGrant = { level: 'user', scope: { mode: 'none' }, endsAt: null, roles: [] }
    const forever = canGrantTimed({ grants: [owner], ceiling: [desk] }, account, { self: false, current: null }, proposed, { count: 0, cap: 10 }, NOW)
    expect(forever).toMatchObject({ ok: false, field: 'endsAt' })
    expect(canGrantTimed({ grants: [owner], ceiling: [desk] }, account, { self: false, current: null }, { ...proposed, endsAt: NOW + 50 }, { count: 0, cap: 10 }, NOW).ok).toBe(true)
  })
})
