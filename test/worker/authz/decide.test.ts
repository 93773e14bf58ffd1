import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { permissions, sectionOf, type Permission } from '../../../worker/src/authz/catalogue.ts'
import { can, effectivePermissions, inScope, type MembershipGrant, type Scope, type TargetAccount, type TargetService } from '../../../worker/src/authz/decide.ts'
import { canGrant, scopeWithin, type Grant } from '../../../worker/src/authz/grants.ts'
import { builtinRoles } from '../../../worker/src/authz/roles.ts'

const platform: TargetAccount = { id: 'plat', path: '/plat/', kind: 'platform' }
const acme: TargetAccount = { id: 'acme', path: '/plat/acme/', kind: 'reseller' }
const globex: TargetAccount = { id: 'globex', path: '/plat/globex/', kind: 'reseller' }
const bluebird: TargetAccount = { id: 'bluebird', path: '/plat/acme/bluebird/', kind: 'customer' }
const evergreen: TargetAccount = { id: 'evergreen', path: '/plat/globex/evergreen/', kind: 'customer' }

const member = (account: TargetAccount, level: MembershipGrant['level'], perms: readonly Permission[] = [], scope: Scope = { mode: 'all' }): MembershipGrant => ({
  accountId: account.id,
  path: account.path,
  kind: account.kind,
  level,
  permissions: perms,
  scope,
})

const server = (over: Partial<TargetService> = {}): TargetService => ({ id: 'svc1', groupId: 'grp1', tags: ['vip'], partnerAccess: true, ...over })
const role = (key: string) => builtinRoles.find((r) => r.key === key)!.permissions

describe('can — a table of cases per rule', () => {
  it('rule 1: reaches only its own account and those below it; a sibling or a parent is not found', () => {
    const owner = [member(acme, 'owner')]
    expect(can(owner, 'dashboard.view', acme).ok).toBe(true)
    expect(can(owner, 'dashboard.view', bluebird).ok).toBe(true)
    expect(can(owner, 'dashboard.view', globex)).toMatchObject({ ok: false, status: 404 })
    expect(can(owner, 'dashboard.view', evergreen)).toMatchObject({ ok: false, status: 404 })
    expect(can(owner, 'dashboard.view', platform)).toMatchObject({ ok: false, status: 404 })
  })

  it('rule 2: a member holds exactly the permissions of their roles', () => {
    const tech = [member(acme, 'admin', role('technical'))]
    expect(can(tech, 'services.manage', acme).ok).toBe(true)
    expect(can(tech, 'billing.view', acme)).toMatchObject({ ok: false, status: 403, code: 'forbidden' })
    expect(can(tech, 'staff.view', acme).ok).toBe(false)
  })

  it('rule 3: a user-level member never holds billing, security or user-rights permissions, nor support.contact', () => {
    const user = [member(acme, 'user', role('account-owner'))]
    expect(can(user, 'services.manage', acme).ok).toBe(true)
    for (const p of ['billing.view', 'security.manage', 'staff.manage', 'customers.view', 'support.contact'] as const) {
      expect(can(user, p, acme).ok, p).toBe(false)
    }
    expect(can([member(acme, 'admin', role('technical'))], 'support.contact', acme).ok).toBe(true)
  })

  it('rule 3: sections exist only at their tier (no resellers under a reseller, no customers under a customer)', () => {
    expect(can([member(acme, 'owner')], 'resellers.view', acme).ok).toBe(false)
    expect(can([member(bluebird, 'owner')], 'customers.view', bluebird).ok).toBe(false)
    expect(can([member(platform, 'owner')], 'resellers.manage', platform).ok).toBe(true)
  })

  it('rule 4: technical work on a service needs it inside the scope; outside it is not found', () => {
    const selected = [member(bluebird, 'admin', role('technical'), { mode: 'selected', services: ['svc1'], groups: [] })]
    expect(can(selected, 'services.operate', bluebird, server()).ok).toBe(true)
    expect(can(selected, 'services.operate', bluebird, server({ id: 'svc2', groupId: null }))).toMatchObject({ ok: false, status: 404 })
    const byGroup = [member(bluebird, 'user', role('technical'), { mode: 'selected', services: [], groups: ['grp1'] })]
    expect(can(byGroup, 'services.view', bluebird, server({ id: 'other' })).ok).toBe(true)
    const tagged = [member(bluebird, 'user', role('technical'), { mode: 'tagged', tags: ['vip'] })]
    expect(can(tagged, 'services.manage', bluebird, server()).ok).toBe(true)
    expect(can(tagged, 'services.manage', bluebird, server({ tags: ['basic'] })).ok).toBe(false)
    const none = [member(bluebird, 'user', role('technical'), { mode: 'none' })]
    expect(can(none, 'services.view', bluebird, server()).ok).toBe(false)
    expect(can([member(bluebird, 'owner', [], { mode: 'none' })], 'services.manage', bluebird, server()).ok).toBe(true)
  })

  it('rule 5: an ancestor acts through customers.* plus its own section permissions, and needs consent for anything but reading', () => {
    const partner = [member(acme, 'admin', ['customers.view', 'customers.manage', 'services.view', 'services.operate'])]
    expect(can(partner, 'services.view', bluebird, server({ partnerAccess: false })).ok).toBe(true)
    expect(can(partner, 'services.operate', bluebird, server({ partnerAccess: false }))).toMatchObject({ ok: false, status: 403, code: 'consent_required' })
    expect(can(partner, 'services.operate', bluebird, server({ partnerAccess: true })).ok).toBe(true)
    expect(can(partner, 'billing.view', bluebird)).toMatchObject({ ok: false, code: 'forbidden' })
    const viewer = [member(acme, 'admin', ['customers.view', 'services.view', 'services.operate'])]
    expect(can(viewer, 'services.view', bluebird, server()).ok).toBe(true)
    expect(can(viewer, 'services.operate', bluebird, server())).toMatchObject({ ok: false, code: 'forbidden' })
    expect(can([member(acme, 'admin', role('technical'))], 'services.view', bluebird)).toMatchObject({ ok: false, code: 'forbidden' })
    expect(can([member(acme, 'owner')], 'billing.manage', bluebird).ok).toBe(true)
    const platformStaff = [member(platform, 'admin', ['resellers.view'])]
    expect(can(platformStaff, 'dashboard.view', acme).ok).toBe(true)
    expect(can(platformStaff, 'dashboard.view', bluebird).ok).toBe(false)
  })

  it('rule 9: sections outside the tree’s access are refused whatever the roles say', () => {
    const restricted: TargetAccount = { ...bluebird, allowedSections: ['dashboard', 'services'] }
    expect(can([member(bluebird, 'owner')], 'services.view', restricted).ok).toBe(true)
    expect(can([member(bluebird, 'owner')], 'billing.view', restricted).ok).toBe(false)
  })
})

describe('canGrant — a table of cases (rule 6)', () => {
  const owner = member(acme, 'owner')
  const admin = member(acme, 'admin', role('manager'), { mode: 'tagged', tags: ['vip'] })
  const caps = { count: 1, cap: 3 }
  const grant = (level: Grant['level'], perms: readonly Permission[], scope: Scope = { mode: 'none' }): Grant => ({ level, permissions: perms, scope })

  it('lets an owner create an admin with any role', () => {
    expect(canGrant(owner, { self: false, current: null, kind: 'reseller' }, grant('admin', role('billing'), { mode: 'all' }), caps)).toEqual({ ok: true })
  })

  it('refuses to grant more than the grantor holds', () => {
    expect(canGrant(admin, { self: false, current: null, kind: 'reseller' }, grant('user', ['services.manage']), caps)).toMatchObject({ ok: false, code: 'escalation', field: 'roles' })
    expect(canGrant(admin, { self: false, current: null, kind: 'reseller' }, grant('user', ['services.view']), caps)).toEqual({ ok: true })
  })

  it('refuses a scope wider than the grantor’s own', () => {
    expect(canGrant(admin, { self: false, current: null, kind: 'reseller' }, grant('user', ['services.view'], { mode: 'all' }), caps)).toMatchObject({ ok: false, field: 'scope' })
    expect(canGrant(admin, { self: false, current: null, kind: 'reseller' }, grant('user', ['services.view'], { mode: 'tagged', tags: ['vip'] }), caps)).toEqual({ ok: true })
  })

  it('refuses to change one’s own level or roles', () => {
    const self = grant('admin', role('manager'))
    expect(canGrant(admin, { self: true, current: self, kind: 'reseller' }, grant('owner', role('manager')), caps)).toMatchObject({ ok: false, code: 'self_change' })
    expect(canGrant(admin, { self: true, current: self, kind: 'reseller' }, grant('admin', [...role('manager'), 'services.view']), caps)).toMatchObject({ ok: false, code: 'self_change' })
  })

  it('refuses the owner level to anyone but the owner, and admin changes to the owner', () => {
    expect(canGrant(admin, { self: false, current: null, kind: 'reseller' }, grant('owner', []), caps)).toMatchObject({ ok: false, field: 'level' })
    expect(canGrant(admin, { self: false, current: grant('owner', []), kind: 'reseller' }, grant('user', []), caps)).toMatchObject({ ok: false, code: 'escalation' })
  })

  it('lets the owner grant Account Owner (its resellers.* confer nothing in a reseller and are ignored)', () => {
    expect(canGrant(owner, { self: false, current: null, kind: 'reseller' }, grant('admin', role('account-owner')), caps)).toEqual({ ok: true })
  })

  it('only checks what a change adds: narrowing someone who holds more than the grantor is fine', () => {
    const billie = grant('admin', role('billing'), { mode: 'tagged', tags: ['vip'] })
    expect(canGrant(admin, { self: false, current: billie, kind: 'reseller' }, { ...billie, scope: { mode: 'none' } }, caps)).toEqual({ ok: true })
    expect(canGrant(admin, { self: false, current: billie, kind: 'reseller' }, { ...billie, permissions: [...role('billing'), 'services.manage'] }, caps)).toMatchObject({ ok: false, code: 'escalation' })
    expect(canGrant(admin, { self: false, current: billie, kind: 'reseller' }, { ...billie, scope: { mode: 'all' } }, caps)).toMatchObject({ ok: false, field: 'scope' })
  })

  it('refuses a billing permission to a user-level member (422)', () => {
    expect(canGrant(owner, { self: false, current: null, kind: 'reseller' }, grant('user', ['billing.view']), caps)).toMatchObject({ ok: false, status: 422, code: 'level_restriction' })
  })

  it('enforces the admin cap on creation and on promotion, but not on editing an existing admin', () => {
    const full = { count: 3, cap: 3 }
    expect(canGrant(owner, { self: false, current: null, kind: 'reseller' }, grant('admin', []), full)).toMatchObject({ ok: false, code: 'limit_reached' })
    expect(canGrant(owner, { self: false, current: grant('user', []), kind: 'reseller' }, grant('admin', []), full)).toMatchObject({ ok: false, code: 'limit_reached' })
    expect(canGrant(owner, { self: false, current: grant('admin', []), kind: 'reseller' }, grant('admin', role('billing')), full)).toEqual({ ok: true })
    expect(canGrant(owner, { self: false, current: null, kind: 'reseller' }, grant('admin', []), { count: 3, cap: 5 })).toEqual({ ok: true })
  })
})

describe('built-in roles', () => {
  it('pins the permission set of each built-in role', () => {
    const table = Object.fromEntries(builtinRoles.map((r) => [r.name, r.key === 'account-owner' ? 'all' : [...r.permissions].sort()]))
    expect(table).toEqual({
      'Account Owner': 'all',
      'System Administrator': ['activity.view', 'backups.manage', 'backups.view', 'dashboard.view', 'notifications.manage', 'notifications.view', 'roles.view', 'security.view', 'services.manage', 'services.operate', 'services.view', 'settings.view', 'staff.manage', 'staff.view', 'support.contact', 'support.view'],
      Manager: ['dashboard.view', 'notifications.manage', 'notifications.view', 'roles.manage', 'roles.view', 'services.view', 'staff.manage', 'staff.view'],
      Technical: ['dashboard.view', 'services.manage', 'services.operate', 'services.view', 'support.contact', 'support.view'],
      Billing: ['billing.manage', 'billing.view', 'dashboard.view', 'services.view'],
      Purchasing: ['dashboard.view', 'purchasing.buy', 'purchasing.view', 'services.view'],
      Visitation: ['dashboard.view', 'services.view', 'visitation.request', 'visitation.view'],
    })
    expect(builtinRoles.find((r) => r.key === 'account-owner')!.permissions).toEqual(permissions)
  })
})

// ---- properties over random trees, memberships, roles and scopes ----

const kinds = ['platform', 'reseller', 'customer'] as const
const levels = ['owner', 'admin', 'user'] as const

/** A random three-level tree: one platform, resellers, customers. */
const treeArb = fc.record({ resellers: fc.integer({ min: 1, max: 4 }), customers: fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 8 }) }).map(({ resellers, customers }) => {
  const accounts: TargetAccount[] = [{ id: 'p', path: '/p/', kind: 'platform' }]
  for (let r = 0; r < resellers; r++) accounts.push({ id: `r${r}`, path: `/p/r${r}/`, kind: 'reseller' })
  customers.forEach((r, i) => accounts.push({ id: `c${i}`, path: `/p/r${r % resellers}/c${i}/`, kind: 'customer' }))
  return accounts
})

const scopeArb: fc.Arbitrary<Scope> = fc.oneof(
  fc.constant({ mode: 'none' as const }),
  fc.constant({ mode: 'all' as const }),
  fc.record({ mode: fc.constant('selected' as const), services: fc.subarray(['s1', 's2', 's3']), groups: fc.subarray(['g1', 'g2']) }),
  fc.record({ mode: fc.constant('tagged' as const), tags: fc.subarray(['vip', 'eu', 'dev']) }),
)
const permsArb = fc.subarray([...permissions])
const serviceArb: fc.Arbitrary<TargetService> = fc.record({
  id: fc.constantFrom('s1', 's2', 's3', 's4'),
  groupId: fc.option(fc.constantFrom('g1', 'g2', 'g3'), { nil: null }),
  tags: fc.subarray(['vip', 'eu', 'dev', 'x']),
  partnerAccess: fc.boolean(),
})

const world = treeArb.chain((accounts) =>
  fc.record({
    accounts: fc.constant(accounts),
    memberships: fc.array(
      fc.record({ at: fc.nat({ max: accounts.length - 1 }), level: fc.constantFrom(...levels), perms: permsArb, scope: scopeArb }).map(({ at, level, perms, scope }) =>
        member(accounts[at]!, level, perms, scope),
      ),
      { minLength: 1, maxLength: 3 },
    ),
    target: fc.constantFrom(...accounts),
    permission: fc.constantFrom(...permissions),
    service: fc.option(serviceArb, { nil: undefined }),
  }),
)

describe('can — properties', () => {
  it('never allows anything outside the subtrees of the principal’s memberships', () => {
    fc.assert(
      fc.property(world, ({ memberships, target, permission, service }) => {
        const d = can(memberships, permission, target, service)
        if (d.ok) expect(memberships.some((m) => target.path.startsWith(m.path))).toBe(true)
        else if (!memberships.some((m) => target.path.startsWith(m.path))) expect(d.status).toBe(404)
      }),
      { numRuns: 2000 },
    )
  })

  it('gives a user-level member no permission outside the technical category', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), permsArb, (kind, perms) => {
        for (const p of effectivePermissions({ level: 'user', kind, permissions: perms })) expect(sectionOf(p).category).toBe('technical')
      }),
    )
  })

  it('never lets a non-owner operate a service outside their scope', () => {
    fc.assert(
      fc.property(world, serviceArb, ({ memberships, target, permission }, service) => {
        const d = can(memberships, permission, target, service)
        if (d.ok && d.via.level !== 'owner' && sectionOf(permission).category === 'technical') expect(inScope(d.via.scope, service)).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('never lets an ancestor change a service without the customer’s consent', () => {
    fc.assert(
      fc.property(world, serviceArb, ({ memberships, target, permission }, service) => {
        const d = can(memberships, permission, target, { ...service, partnerAccess: false })
        if (d.ok && d.via.accountId !== target.id && sectionOf(permission).category === 'technical') expect(permission.endsWith('.view')).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('canGrant — properties', () => {
  const grantArb: fc.Arbitrary<Grant> = fc.record({ level: fc.constantFrom(...levels), permissions: permsArb, scope: scopeArb })

  it('adds only what the grantor holds, widens scope only within the grantor’s, never above their level, never non-technical to users', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.constantFrom(...levels),
        permsArb,
        scopeArb,
        fc.option(grantArb, { nil: null }),
        grantArb,
        fc.boolean(),
        fc.nat({ max: 5 }),
        (kind, level, perms, scope, current, proposed, self, admins) => {
          const grantor = member({ id: 'a', path: '/a/', kind }, level, perms, scope)
          const d = canGrant(grantor, { self, current, kind }, proposed, { count: admins, cap: 3 })
          if (!d.ok) return
          const held = effectivePermissions(grantor)
          const exists = (p: Permission) => (sectionOf(p).tiers as readonly string[]).includes(kind)
          const had = new Set(current?.permissions ?? [])
          for (const p of proposed.permissions.filter(exists)) if (!had.has(p)) expect(held.has(p)).toBe(true)
          if (level !== 'owner' && !(current && scopeWithin(proposed.scope, current.scope))) expect(scopeWithin(proposed.scope, scope)).toBe(true)
          const rank = { owner: 3, admin: 2, user: 1 }
          if (proposed.level !== current?.level) expect(rank[proposed.level]).toBeLessThanOrEqual(rank[level])
          if (proposed.level === 'user') for (const p of proposed.permissions.filter(exists)) expect(sectionOf(p).category).toBe('technical')
          if (proposed.level === 'admin' && current?.level !== 'admin') expect(admins).toBeLessThan(3)
          if (self && current) expect(proposed.level).toBe(current.level)
        },
      ),
      { numRuns: 3000 },
    )
  })
})
