import type { AccountKind } from '../../../db/schema/accounts.ts'
import type { MembershipLevel } from '../../../db/schema/memberships.ts'
import { actionOf, permissions as allPermissions, sectionOf, type Permission, type SectionKey } from './catalogue.ts'
import { reachingMembership } from './tenancy.ts'

/** Which services a membership's technical permissions reach. */
export type Scope =
  | { mode: 'none' }
  | { mode: 'all' }
  | { mode: 'selected'; services: string[]; groups: string[] }
  | { mode: 'tagged'; tags: string[] }

/** What the decision needs to know about one membership of the principal. */
export interface MembershipGrant {
  accountId: string
  path: string
  kind: AccountKind
  level: MembershipLevel
  /** The union of the member's roles; ignored for owners, who hold everything. */
  permissions: readonly Permission[]
  scope: Scope
  /** When the membership ends by itself (ms); null or absent: it lasts. Loaders drop ended ones. */
  endsAt?: number | null
  /** The roles behind `permissions`, each with its own end (see authz/expiry.ts); absent: none ends. */
  roleGrants?: readonly TimedRole[]
}

/** One role a member holds: its permissions and when it stops being held (null: it lasts). */
export interface TimedRole {
  id: string
  permissions: readonly Permission[]
  endsAt: number | null
}

export interface TargetAccount {
  id: string
  path: string
  kind: AccountKind
  /** Sections the tree may use (the reseller template's access); undefined = all. */
  allowedSections?: readonly SectionKey[]
}

export interface TargetService {
  id: string
  groupId: string | null
  tags: readonly string[]
  /** The owning customer's consent to operations by its partner. */
  partnerAccess: boolean
}

export type Denial = { ok: false; status: 403 | 404; code: 'not_found' | 'forbidden' | 'consent_required' | 'impersonation_restricted'; detail: string }
export type Decision = { ok: true; via: MembershipGrant } | Denial

const deny = (status: 403 | 404, code: Denial['code'], detail: string): Denial => ({ ok: false, status, code, detail })

/** Owners and admins may contact support; users never (rule 3). */
const ADMIN_ONLY: ReadonlySet<Permission> = new Set(['support.contact'])

const effectiveCache = new WeakMap<object, ReadonlySet<Permission>>()

/** `effectivePermissions`, memoised per grant object (a request asks many questions of the same grants). */
function held(m: MembershipGrant): ReadonlySet<Permission> {
  let set = effectiveCache.get(m)
  if (!set) effectiveCache.set(m, (set = effectivePermissions(m)))
  return set
}

/**
 * The permissions a membership really holds in its own account: everything
 * for owners; for others their roles' permissions, limited to sections that
 * exist at this tier, and for user-level members to the technical category.
 */
export function effectivePermissions(m: Pick<MembershipGrant, 'level' | 'kind' | 'permissions'>): Set<Permission> {
  const source = m.level === 'owner' ? allPermissions : m.permissions
  // Every member sees the dashboard of an account they belong to, and their own notifications there
  // (their inbox and which events they are emailed about: a person's own, not the account's staff settings).
  const out = new Set<Permission>(['dashboard.view', 'notifications.view'])
  for (const p of source) {
    const section = sectionOf(p)
    if (!(section.tiers as readonly AccountKind[]).includes(m.kind)) continue
    if (m.level === 'user' && (section.category !== 'technical' || ADMIN_ONLY.has(p))) continue
    out.add(p)
  }
  return out
}

/** True when the service lies inside the scope. */
export function inScope(scope: Scope, service: TargetService): boolean {
  switch (scope.mode) {
    case 'none':
      return false
    case 'all':
      return true
    case 'selected':
      return scope.services.includes(service.id) || (service.groupId !== null && scope.groups.includes(service.groupId))
    case 'tagged':
      return service.tags.some((t) => scope.tags.includes(t))
  }
}

/**
 * May the principal (its memberships) do `permission` in `account`, optionally
 * on one of the account's services? Pure and total: no I/O, every input has an
 * answer. Rules 1–5 of the design:
 * - reach through a membership in the account or an ancestor, else 404;
 * - the section must exist at the account's tier and in its tree's access;
 * - the permission itself must be held; acting from an ancestor also needs
 *   `customers.*` (or `resellers.*`) there — view to read, manage for anything else;
 * - technical work on a service needs the service inside the scope (else 404,
 *   as if it did not exist), and from an ancestor the customer's consent.
 */
export function can(
  memberships: readonly MembershipGrant[],
  permission: Permission,
  account: TargetAccount,
  service?: TargetService,
): Decision {
  const via = reachingMembership(memberships, account.path)
  if (!via) return deny(404, 'not_found', 'No account with that id.')
  const section = sectionOf(permission)
  if (!(section.tiers as readonly AccountKind[]).includes(account.kind)) {
    return deny(403, 'forbidden', `${section.label} is not available for this account.`)
  }
  if (account.allowedSections && !account.allowedSections.includes(section.key)) {
    return deny(403, 'forbidden', `${section.label} is not enabled for this account.`)
  }
  const granted = held(via)
  const inherited = via.accountId !== account.id
  const reading = actionOf(permission) === 'view'
  if (inherited) {
    const through = account.kind === 'reseller' ? 'resellers' : 'customers'
    const needed = `${through}.${reading ? 'view' : 'manage'}` as Permission
    if (!granted.has(needed)) return deny(403, 'forbidden', `You need the ${needed} permission in your own account.`)
  }
  if (!granted.has(permission)) return deny(403, 'forbidden', `You need the ${permission} permission.`)
  if (service && section.category === 'technical') {
    if (via.level !== 'owner' && !inScope(via.scope, service)) return deny(404, 'not_found', 'No service with that id.')
    if (inherited && !reading && !service.partnerAccess) {
      return deny(403, 'consent_required', 'The customer has not granted partner access to this service.')
    }
  }
  return { ok: true, via }
}

/**
 * Who acts: a principal's grants and, while they are impersonated, the
 * impersonator's own (`ceiling`), which must allow every act too (rule 7).
 * A request's access context is one.
 */
export interface Actor {
  readonly grants: readonly MembershipGrant[]
  readonly ceiling: readonly MembershipGrant[] | null
}

/** Someone acting in person: their grants alone decide. */
export const inPerson = (grants: readonly MembershipGrant[]): Actor => ({ grants, ceiling: null })

/** The grant sets that must each allow an act: the actor's own, and the impersonator's while impersonating. */
export function eachLayer(actor: Actor): (readonly MembershipGrant[])[] {
  return actor.ceiling ? [actor.grants, actor.ceiling] : [actor.grants]
}

/**
 * `can` for an actor: their grants decide, and while impersonating the
 * impersonator's grants must allow it too, so an impersonation never does
 * more than the impersonator could. No ceiling = plain `can`.
 */
export function canActing(actor: Actor, permission: Permission, account: TargetAccount, service?: TargetService): Decision {
  const decision = can(actor.grants, permission, account, service)
  if (!decision.ok || !actor.ceiling) return decision
  const limit = can(actor.ceiling, permission, account, service)
  return limit.ok ? decision : limit
}
