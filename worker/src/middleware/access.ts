import type { Context } from 'hono'
import type { AccountKind } from '../../../db/schema/accounts.ts'
import { createMiddleware } from 'hono/factory'
import { answers } from '../openapi.ts'
import type { Permission } from '../authz/catalogue.ts'
import { canActing, type TargetAccount, type TargetService } from '../authz/decide.ts'
import { reachingMembership } from '../authz/tenancy.ts'
import { getAccount } from '../domain/accounts.ts'
import type { LoadedGrant } from '../domain/grants.ts'
import type { Principal } from '../domain/sessions.ts'
import type { AppEnv, Bindings, Variables } from '../env.ts'
import { AppError } from '../errors.ts'

export type AccountRow = NonNullable<Awaited<ReturnType<typeof getAccount>>>

/** The caller and the account of the route's `{id}`, as the guard let them through. */
export interface Access {
  principal: Principal
  account: AccountRow
  /** The caller's grants: the target's while impersonating. */
  grants: LoadedGrant[]
  /** The membership through which the caller reaches the account (its own, or an ancestor's). */
  via: LoadedGrant
  /** The impersonator's own grants while impersonating (a ceiling on everything), else null. */
  ceiling: LoadedGrant[] | null
}

/** Env of a handler behind `requireSignIn`. */
export type SignedInEnv = { Bindings: Bindings; Variables: Variables & { signedIn: Principal } }
/** Env of a handler behind `requireAccount` or `requirePermission`. */
export type AccessEnv = { Bindings: Bindings; Variables: Variables & { access: Access } }

/** Which permission a route needs: one, any of several, or one chosen by the kind of account. */
export type PermissionRule = Permission | readonly Permission[] | ((account: AccountRow) => Permission)

/** The signed-in principal, or a 401 problem. */
export function requirePrincipal<E extends AppEnv>(c: Context<E>): Principal {
  const principal = c.var.principal
  if (!principal) throw new AppError('unauthenticated')
  return principal
}

/**
 * Load an account the caller may reach. Anything outside the caller's trees
 * answers 404, exactly like an id that does not exist, so other tenants' ids
 * cannot be probed; a disabled account shuts out the people of its own subtree.
 */
export async function loadAccess<E extends AppEnv>(c: Context<E>, accountId: string): Promise<Access> {
  const principal = requirePrincipal(c)
  const grants = principal.memberships
  const account = accountId.length <= 64 ? await getAccount(c.var.db, accountId) : undefined
  const via = account ? reachingMembership(grants, account.path) : null
  if (!account || !via) throw new AppError('not_found', 'No account with that id.')
  // Rule 8: a disabled account shuts out the people of its own subtree (those above it still reach it).
  if (account.blocked && via.path.startsWith(account.blocked.path)) throw suspended(account.blocked)
  return { principal, account, grants, via, ceiling: principal.impersonation?.ceiling ?? null }
}

/** The problem people of a disabled tree get; the reason only where the platform chose to show it. */
export function suspended(block: { name: string; reason: string | null; showReason: boolean }) {
  const why = block.showReason && block.reason ? ` Reason: ${block.reason}` : ''
  return new AppError('account_suspended', `${block.name} is suspended.${why}`, {
    reason: block.showReason ? block.reason : null,
  })
}

/**
 * The decision for this caller. While impersonating, the target's grants
 * decide and the impersonator's own grants are a ceiling: both must allow it.
 */
export function decide(access: Pick<Access, 'grants' | 'ceiling' | 'account'>, permission: Permission, account: TargetAccount = access.account, service?: TargetService) {
  // An account below the route's account shares its tree's access (the reseller's).
  const target = account.allowedSections || !access.account.allowedSections ? account : { ...account, allowedSections: access.account.allowedSections }
  return canActing(access, permission, target, service)
}

/**
 * Ask the decision function about one more thing inside the route's account
 * (a service, a child account) and turn a refusal into its problem. Returns
 * the membership that allowed it.
 */
export function authorize(access: Access, permission: Permission, service?: TargetService, account: TargetAccount = access.account): LoadedGrant {
  const decision = decide(access, permission, account, service)
  if (!decision.ok) throw new AppError(decision.code, decision.detail)
  return decision.via as LoadedGrant
}

/** Refuse an API key where only a person may act (their own profile and sessions, impersonation, creating keys). */
export function refuseApiKey(principal: Principal, what = 'This route is for people signed in to the portal; an API key cannot use it.') {
  if (principal.apiKey) throw new AppError('api_key_forbidden', what)
}

/**
 * The route needs a signed-in person (401 before anything else, the body
 * included; 403 `api_key_forbidden` for an API key, unless `keys` allows it).
 */
export const requireSignIn = (options: { keys?: boolean } = {}) =>
  answers(
    createMiddleware<SignedInEnv>(async (c, next) => {
      const principal = requirePrincipal(c)
      if (!options.keys) refuseApiKey(principal)
      c.set('signedIn', principal)
      await next()
    }),
    ...(options.keys ? [401] : [401, 403]),
  )

/**
 * The route's action is a person's, never an API key's: 401 without a caller,
 * 403 `api_key_forbidden` for a key (said before anything about the account:
 * it is about the key, not the tenant), then the route's other guards.
 */
export const peopleOnly = (what?: string) =>
  answers(
    createMiddleware<AppEnv>(async (c, next) => {
      refuseApiKey(requirePrincipal(c), what)
      await next()
    }),
    401,
    403,
  )

/**
 * The route acts in the account of its `{id}` path parameter: sign-in, reach
 * (404 otherwise) and, when given, the permission are checked before the
 * request's parameters and body are validated. Handlers read `c.var.access`.
 */
export const requirePermission = (rule?: PermissionRule, only?: { kinds: readonly AccountKind[]; detail: string }) =>
  answers(
    createMiddleware<AccessEnv>(async (c, next) => {
      const access = await loadAccess(c, c.req.param('id') ?? '')
      // A resource that exists only on some kinds of account is absent (404) on the others.
      if (only && !only.kinds.includes(access.account.kind)) throw new AppError('not_found', only.detail)
      if (rule) {
        const wanted = typeof rule === 'function' ? [rule(access.account)] : typeof rule === 'string' ? [rule as Permission] : rule
        const decisions = wanted.map((p) => decide(access, p))
        const allowed = decisions.find((d) => d.ok)
        if (!allowed) {
          const first = decisions[0]!
          if (!first.ok) throw new AppError(first.code, first.detail)
        } else if (allowed.ok) access.via = allowed.via as LoadedGrant
      }
      c.set('access', access)
      await next()
    }),
    ...(rule ? [401, 403, 404] : [401, 404]),
  )

/** The route acts in the account of its `{id}`: sign-in and reach, no particular permission (every member). */
export const requireAccount = () => requirePermission()

/**
 * The route reads or changes the signed-in person's own credentials (factors,
 * recovery codes, passkeys, trusted locations): refused while acting on
 * someone's behalf (rule 7), before the body is read.
 */
export const requireOwnLogin = (what: string) =>
  answers(
    createMiddleware<SignedInEnv>(async (c, next) => {
      const principal = requirePrincipal(c)
      if (principal.impersonation) throw new AppError('impersonation_restricted', `You cannot see or change ${what} of someone you are acting as.`)
      c.set('signedIn', principal)
      await next()
    }),
    401,
    403,
  )
