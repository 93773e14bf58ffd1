import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { permissions, sections } from '../../../worker/src/authz/catalogue.ts'
import { inPerson } from '../../../worker/src/authz/decide.ts'
import { menuFor } from '../../../worker/src/authz/menu.ts'
import { reachingMembership, type MembershipFact } from '../../../worker/src/authz/tenancy.ts'

const levels = ['owner', 'admin', 'user'] as const

/** A random tree: node i's parent is a node before it; paths are materialised from ids. */
const tree = fc.array(fc.nat(), { minLength: 1, maxLength: 40 }).map((parents) => {
  const paths: string[] = ['/n0/']
  parents.forEach((p, i) => paths.push(`${paths[p % paths.length]}n${i + 1}/`))
  return paths
})

const scenario = tree.chain((paths) =>
  fc.record({
    paths: fc.constant(paths),
    memberships: fc.array(
      fc.record({ node: fc.nat({ max: paths.length - 1 }), level: fc.constantFrom(...levels) }).map(({ node, level }): MembershipFact => ({
        accountId: `n${node}`,
        path: paths[node]!,
        level,
      })),
      { maxLength: 5 },
    ),
    target: fc.nat({ max: paths.length - 1 }),
  }),
)

const isAncestorOrSelf = (ancestor: string, path: string) => path.split('/').slice(0, ancestor.split('/').length - 1).join('/') + '/' === ancestor

describe('reachingMembership (rule 1: tenancy)', () => {
  it('reaches an account exactly when a membership sits in it or in one of its ancestors', () => {
    fc.assert(
      fc.property(scenario, ({ paths, memberships, target }) => {
        const targetPath = paths[target]!
        const via = reachingMembership(memberships, targetPath)
        const expected = memberships.some((m) => isAncestorOrSelf(m.path, targetPath))
        expect(via !== null).toBe(expected)
        if (via) expect(isAncestorOrSelf(via.path, targetPath)).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  it('picks the closest membership when several ancestors reach the account', () => {
    fc.assert(
      fc.property(scenario, ({ paths, memberships, target }) => {
        const via = reachingMembership(memberships, paths[target]!)
        if (!via) return
        for (const m of memberships) if (isAncestorOrSelf(m.path, paths[target]!)) expect(m.path.length).toBeLessThanOrEqual(via.path.length)
      }),
    )
  })

  it('never reaches a sibling whose id starts like ours (prefix on whole segments only)', () => {
    const m: MembershipFact = { accountId: 'acc_ab', path: '/p/acc_ab/', level: 'owner' }
    expect(reachingMembership([m], '/p/acc_abc/')).toBeNull()
    expect(reachingMembership([m], '/p/')).toBeNull()
    expect(reachingMembership([m], '/p/acc_ab/c1/')).toBe(m)
  })
})

describe('menuFor', () => {
  it('lists only sections of the account’s tier, always the dashboard, and nothing but technical sections for users', () => {
    fc.assert(
      fc.property(fc.constantFrom(...levels), fc.constantFrom('platform', 'reseller', 'customer' as const), fc.subarray([...permissions]), (level, kind, perms) => {
        const account = { id: 'a', path: '/a/', kind }
        const items = menuFor(inPerson([{ accountId: 'a', path: '/a/', kind, level, permissions: perms, scope: { mode: 'all' } }]), account)
        expect(items[0]?.key).toBe('dashboard')
        for (const item of items) {
          const section = sections.find((s) => s.key === item.key)!
          expect(section.tiers).toContain(kind)
          expect(item.actions).toContain('view')
          if (level === 'user') expect(section.category).toBe('technical')
        }
        if (level === 'owner') expect(items.length).toBe(sections.filter((s) => (s.tiers as readonly string[]).includes(kind)).length)
      }),
    )
  })
})
