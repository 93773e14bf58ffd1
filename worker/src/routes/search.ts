import { z } from '@hono/zod-openapi'
import { accountKinds } from '../../../db/schema/accounts.ts'
import { serviceStatuses, serviceTypes } from '../../../db/schema/services.ts'
import { accountsBelow, searchAccounts, searchPeople } from '../domain/search.ts'
import { reachingMembership } from '../authz/tenancy.ts'
import { listServices } from '../domain/services.ts'
import { decide, requirePermission, requireSignIn } from '../middleware/access.ts'
import { ceilingScope, ownScope, readableKinds } from '../middleware/visible-services.ts'
import { createRouter, json, route } from '../openapi.ts'
import { AccountParam, level } from './schemas.ts'

/** Results per kind: a palette shows a handful of each, and the lists have the rest. */
const PER_KIND = 8

const SearchQuery = z.object({ q: z.string().trim().min(1, 'Type something to search for.').max(100) })

const Named = z.object({ id: z.string(), name: z.string() })

const SearchResults = z
  .object({
    accounts: z.array(Named.extend({ kind: z.enum(accountKinds), parent: Named.nullable() })),
    people: z.array(z.object({ userId: z.string(), name: z.string(), email: z.string(), level: z.string(), account: Named })),
    services: z.array(Named.extend({ type: z.enum(serviceTypes), status: z.enum(serviceStatuses), account: Named })),
  })
  .openapi('SearchResults')

export const search = createRouter('Accounts').openapi(
  route.get('/accounts/{id}/search', 'searchTree', requirePermission('dashboard.view'), {
    request: { params: AccountParam, query: SearchQuery }, responses: { 200: json(SearchResults, 'Matches by kind') },
  }),
  async (c) => {
    const ctx = c.var.access
    const { db } = c.var
    const { q } = c.req.valid('query')
    const seesServices = decide(ctx, 'services.view').ok
    const [accounts, people, services] = await Promise.all([
      searchAccounts(db, ctx.account.path, q, PER_KIND),
      // More than shown: rows of accounts whose staff the caller may not see are dropped below.
      searchPeople(db, ctx.account.path, q, PER_KIND * 4),
      seesServices
        ? listServices(db, {
            account: ctx.account,
            descendantKinds: readableKinds(ctx),
            scope: ownScope(ctx),
            ceilingScope: ceilingScope(ctx),
            filters: { q },
            limit: PER_KIND,
          })
        : null,
    ])
    // Accounts below this one only for people who may list them (Resellers, Customers here).
    const listable = { reseller: decide(ctx, 'resellers.view').ok, customer: ctx.account.kind !== 'customer' && decide(ctx, 'customers.view').ok, platform: false }
    const visibleAccounts = accounts.filter((a) => a.id === ctx.account.id || listable[a.kind])
    const visiblePeople = people.filter((p) => decide(ctx, 'staff.view', { id: p.accountId, path: p.accountPath, kind: p.accountKind }).ok).slice(0, PER_KIND)
    return c.json(
      {
        accounts: visibleAccounts.map((a) => ({ id: a.id, name: a.name, kind: a.kind, parent: a.parentId && a.parentName ? { id: a.parentId, name: a.parentName } : null })),
        people: visiblePeople.map((p) => ({ userId: p.userId, name: p.name, email: p.email, level: p.level, account: { id: p.accountId, name: p.accountName } })),
        services: (services?.items ?? []).map((s) => ({ id: s.id, name: s.name, type: s.type, status: s.status, account: { id: s.accountId, name: s.accountName } })),
      },
      200,
    )
  },
)
  .openapi(
    route.get('/me/reachable-accounts', 'listReachableAccounts', requireSignIn(), {
      tags: ['Me'], request: { query: z.object({ q: z.string().trim().max(100).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }) }, responses: { 200: json(z.object({ items: z.array(z.object({ id: z.string(), name: z.string(), kind: z.enum(accountKinds), status: z.string(), level, parent: Named.nullable(), viaAccountId: z.string() })) }), 'Reachable accounts, resellers before customers, by name') },
    }),
    async (c) => {
      const principal = c.var.signedIn
      const { q, limit } = c.req.valid('query')
      if (principal.impersonation) return c.json({ items: [] }, 200)
      // The outermost memberships only: an account below two of them is listed once.
      const paths = principal.memberships.map((m) => m.path).filter((p, _, all) => !all.some((o) => o !== p && p.startsWith(o)))
      const rows = await accountsBelow(c.var.db, paths, q || undefined, limit)
      const items = rows.flatMap((a) => {
        const via = reachingMembership(principal.memberships, a.path)
        // A membership of its own is in /me already.
        if (!via || via.accountId === a.id) return []
        return [{ id: a.id, name: a.name, kind: a.kind, status: a.status, level: via.level, parent: a.parentId && a.parentName ? { id: a.parentId, name: a.parentName } : null, viaAccountId: via.accountId }]
      })
      return c.json({ items }, 200)
    },
  )
