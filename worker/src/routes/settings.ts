import { z } from '@hono/zod-openapi'
import { settingsActions } from '../authz/settings.ts'
import { limitsFor } from '../domain/limits.ts'
import { requirePermission } from '../middleware/access.ts'
import { createRouter, json, route } from '../openapi.ts'
import { AccountParam } from './schemas.ts'

const SettingsView = z
  .object({
    name: z.string(),
    kind: z.enum(['platform', 'reseller', 'customer']),
    /** How many admin-level members the account may have (its parent sets it). */
    adminCap: z.number().int(),
    /** The most the parent may set: the reseller's `max_admins`, else 100. */
    adminCapMax: z.number().int(),
    /** Stored choice; null = the default for the kind (`pageViewLoggingDefault`). */
    pageViewLogging: z.boolean().nullable(),
    pageViewLoggingDefault: z.boolean(),
    /** Customers only: what new services start with, and what "for all services" last set. */
    partnerAccessDefault: z.boolean().nullable(),
    /** How long the activity log keeps events: set for the whole platform by its operator. */
    retentionDays: z.number().int(),
    allowed: z.object({ rename: z.boolean(), pageViewLogging: z.boolean(), adminCap: z.boolean(), partnerAccess: z.boolean(), retention: z.boolean() }),
  })
  .openapi('AccountSettings')

export const settingsRouter = createRouter('Accounts').openapi(
  route.get('/accounts/{id}/settings', 'getAccountSettings', requirePermission('settings.view'), {
    request: { params: AccountParam }, responses: { 200: json(z.object({ settings: SettingsView }), 'The settings') },
  }),
  async (c) => {
    const { account } = c.var.access
    const max = (await limitsFor(c.var.db, account.path)).max_admins
    const allowed = settingsActions(c.var.access, account)
    return c.json(
      {
        settings: {
          name: account.name,
          kind: account.kind,
          adminCap: account.adminCap,
          adminCapMax: Math.min(max ?? 100, 100),
          pageViewLogging: account.pageViewLogging,
          pageViewLoggingDefault: account.kind !== 'customer',
          partnerAccessDefault: account.kind === 'customer' ? account.partnerAccessDefault : null,
          retentionDays: Number(c.env.ACTIVITY_RETENTION_DAYS ?? 400),
          allowed: { ...allowed, retention: false },
        },
      },
      200,
    )
  },
)
