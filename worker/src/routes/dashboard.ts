import { z } from '@hono/zod-openapi'
import { serviceStatuses, serviceTypes } from '../../../db/schema/services.ts'
import type { Permission } from '../authz/catalogue.ts'
import { customersNearLimit, hostnamesAwaitingVerification, pendingInvitations, resellerUsage, treeCounts } from '../domain/dashboard.ts'
import { serviceOverview } from '../domain/services.ts'
import { ticketCounts } from '../domain/support.ts'
import { decide, requirePermission, type Access } from '../middleware/access.ts'
import { ceilingScope, ownScope, readableKinds } from '../middleware/visible-services.ts'
import { createRouter, json, route } from '../openapi.ts'
import { AccountParam } from './schemas.ts'

/** Services expiring within this many days are "expiring soon". */
const EXPIRING_DAYS = 30

const Limited = z.object({ limit: z.string(), label: z.string(), used: z.number().int(), allowed: z.number().int() }).openapi('LimitedUsage')
const Named = z.object({ id: z.string(), name: z.string() })

const Dashboard = z
  .object({
    /** Services visible from here (null without `services.view`). */
    services: z
      .object({
        total: z.number().int(),
        byStatus: z.object(Object.fromEntries(serviceStatuses.map((s) => [s, z.number().int()])) as Record<(typeof serviceStatuses)[number], z.ZodNumber>),
        expiringWithinDays: z.number().int(),
        expiringCount: z.number().int(),
        expiring: z.array(z.object({ id: z.string(), name: z.string(), type: z.enum(serviceTypes), expiresAt: z.number(), account: Named }).openapi('ExpiringService')),
      })
      .nullable(),
    /** A customer's consent for its partner: the default for new services and how many of its own services share access. */
    partnerAccess: z.object({ default: z.boolean(), shared: z.number().int(), total: z.number().int() }).nullable(),
    resellers: z.object({ total: z.number().int(), disabled: z.number().int() }).nullable(),
    customers: z.object({ total: z.number().int(), disabled: z.number().int() }).nullable(),
    /** The platform's resellers with their use of the limits that are set, fullest first. */
    resellerUsage: z.array(z.object({ account: Named.extend({ status: z.string() }), items: z.array(Limited), nearLimit: z.boolean() })).nullable(),
    /** A reseller's customers near their staff or admin limits. */
    customersNearLimit: z.array(z.object({ account: Named, items: z.array(Limited) })).nullable(),
    invitations: z.object({ total: z.number().int(), members: z.number().int(), customers: z.number().int() }).nullable(),
    hostnamesPending: z.number().int().nullable(),
    /** Support (`support.view`): the account's own tickets not closed, and (parents) its customers' tickets waiting for an answer. */
    tickets: z.object({ open: z.number().int(), awaitingReply: z.number().int().nullable() }).nullable(),
  })
  .openapi('Dashboard')

const may = (ctx: Access, permission: Permission) => decide(ctx, permission).ok

export const dashboard = createRouter('Accounts').openapi(
  route.get('/accounts/{id}/dashboard', 'getDashboard', requirePermission('dashboard.view'), {
    request: { params: AccountParam }, responses: { 200: json(Dashboard, 'The dashboard') },
  }),
  async (c) => {
    const ctx = c.var.access
    const { db } = c.var
    const { account } = ctx
    const kind = account.kind
    const seesServices = may(ctx, 'services.view')
    const seesCustomers = kind !== 'customer' && may(ctx, 'customers.view')
    const seesResellers = kind === 'platform' && may(ctx, 'resellers.view')
    const seesStaff = may(ctx, 'staff.view')
    const [services, tree, usage, near, invitations, hostnames, tickets] = await Promise.all([
      seesServices
        ? serviceOverview(db, { account, descendantKinds: readableKinds(ctx), scope: ownScope(ctx), ceilingScope: ceilingScope(ctx), expiringWithinDays: EXPIRING_DAYS })
        : null,
      seesCustomers || seesResellers ? treeCounts(db, account) : null,
      seesResellers ? resellerUsage(db, account) : null,
      kind === 'reseller' && seesCustomers ? customersNearLimit(db, account) : null,
      seesStaff || seesCustomers ? pendingInvitations(db, account) : null,
      kind !== 'customer' && may(ctx, 'branding.view') ? hostnamesAwaitingVerification(db, account) : null,
      may(ctx, 'support.view') ? ticketCounts(db, account.id) : null,
    ])
    return c.json(
      {
        services: services && {
          total: services.total,
          byStatus: services.byStatus,
          expiringWithinDays: EXPIRING_DAYS,
          expiringCount: services.expiringCount,
          expiring: services.expiring.map((s) => ({ id: s.id, name: s.name, type: s.type, expiresAt: s.expiresAt!, account: { id: s.accountId, name: s.accountName } })),
        },
        partnerAccess: kind === 'customer' && services ? { default: account.partnerAccessDefault, shared: services.ownShared, total: services.own } : null,
        resellers: seesResellers && tree ? tree.resellers : null,
        customers: seesCustomers && tree ? tree.customers : null,
        resellerUsage: usage,
        customersNearLimit: near,
        invitations: invitations && {
          members: seesStaff ? invitations.members : 0,
          customers: seesCustomers ? invitations.customers : 0,
          total: (seesStaff ? invitations.members : 0) + (seesCustomers ? invitations.customers : 0),
        },
        hostnamesPending: hostnames,
        tickets: tickets && { open: tickets.open, awaitingReply: kind === 'customer' ? null : tickets.awaitingReply },
      },
      200,
    )
  },
)
