import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { permissions, type Permission } from '../../../worker/src/authz/catalogue.ts'
import { can, canActing, inPerson, type MembershipGrant, type TargetAccount } from '../../../worker/src/authz/decide.ts'
import { canImpersonate } from '../../../worker/src/authz/impersonation.ts'

// A small world: the platform, two resellers, a customer under each.
const accounts: TargetAccount[] = [
  { id: 'plat', path: '/plat/', kind: 'platform' },
  { id: 'acme', path: '/plat/acme/', kind: 'reseller' },
  { id: 'globex', path: '/plat/globex/', kind: 'reseller' },
  { id: 'bluebird', path: '/plat/acme/bluebird/', kind: 'customer' },
  { id: 'evergreen', path: '/plat/globex/evergreen/', kind: 'customer' },
]
const levels = ['owner', 'admin', 'user'] as const
const rank = { owner: 3, admin: 2, user: 1 }
const impersonatePerms: Permission[] = ['staff.impersonate', 'customers.impersonate', 'resellers.impersonate']

const grantArb = fc.record({
  account: fc.constantFrom(...accounts),
  level: fc.constantFrom(...levels),
  permissions: fc.subarray([...impersonatePerms, 'customers.manage', 'customers.view', 'staff.manage'] as Permission[]),
})
const toGrant = (g: { account: TargetAccount; level: MembershipGrant['level']; permissions: Permission[] }): MembershipGrant => ({
  accountId: g.account.id,
  path: g.account.path,
  kind: g.account.kind,
  level: g.level,
  permissions: g.permissions,
  scope: { mode: 'all' },
})

describe('canImpersonate (rule 7) — properties over every shape of grant and target', () => {
  it('allows only downwards: the same account at a lower level, or an account strictly below; never oneself', () => {
    fc.assert(
      fc.property(grantArb, fc.constantFrom(...accounts), fc.constantFrom(...levels), fc.boolean(), (g, account, targetLevel, self) => {
        const grant = toGrant(g)
        const d = canImpersonate([grant], { id: 'me' }, account, { userId: self ? 'me' : 'them', level: targetLevel })
        if (!d.ok) return
        expect(self).toBe(false)
        expect(account.path.startsWith(grant.path)).toBe(true)
        if (account.id === grant.accountId) {
          expect(rank[targetLevel]).toBeLessThan(rank[grant.level])
          expect(can([grant], 'staff.impersonate', account).ok).toBe(true)
        } else {
          const needed = account.kind === 'reseller' ? 'resellers.impersonate' : 'customers.impersonate'
          expect(grant.level === 'owner' || grant.permissions.includes(needed)).toBe(true)
        }
      }),
    )
  })

  it('answers 404 for accounts outside the impersonator’s tree (sideways and upwards are not even visible)', () => {
    fc.assert(
      fc.property(grantArb, fc.constantFrom(...accounts), fc.constantFrom(...levels), (g, account, targetLevel) => {
        const grant = toGrant(g)
        fc.pre(!account.path.startsWith(grant.path))
        expect(canImpersonate([grant], { id: 'me' }, account, { userId: 'them', level: targetLevel })).toMatchObject({ ok: false, status: 404 })
      }),
    )
  })
})

describe('canActing — an impersonation never allows more than either person', () => {
  it('allows exactly when both the target and the impersonator are allowed', () => {
    fc.assert(
      fc.property(grantArb, grantArb, fc.constantFrom(...accounts), fc.constantFrom(...permissions), (t, i, account, permission) => {
        const target = [toGrant(t)]
        const ceiling = [toGrant(i)]
        const both = can(target, permission, account).ok && can(ceiling, permission, account).ok
        expect(canActing({ grants: target, ceiling }, permission, account).ok).toBe(both)
        expect(canActing(inPerson(target), permission, account).ok).toBe(can(target, permission, account).ok)
      }),
    )
  })
})
