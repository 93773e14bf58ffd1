import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { serviceTypes } from '../../../db/schema/services.ts'
import { sections, type Permission, type SectionKey } from '../authz/catalogue.ts'
import { PASSWORD_MAX } from '../crypto/password-policy.ts'
import { inviteOwner } from '../domain/invitation-emails.ts'
import { mayUndo } from '../domain/lifecycle.ts'
import { getChildAccount, listChildAccounts, type ChildAccount } from '../domain/resellers.ts'
import type { AppEnv } from '../env.ts'
import { found } from '../errors.ts'
import type { Access, AccessEnv } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'

// The shapes and helpers the resellers, customers and lifecycle routers share:
// an account managed from above (a platform's reseller, a reseller's customer).

const count = z.number().int('Use a whole number.').min(0, 'Use 0 or more.').max(1_000_000).nullable()

/** Limits as the API reads and writes them; null (or absent) = unlimited. */
export const LimitsSchema = z
  .object({
    max_customers: count.default(null),
    max_staff: count.default(null),
    max_admins: count.default(null),
    max_services: z.object(Object.fromEntries(serviceTypes.map((t) => [t, count.optional()])) as Record<(typeof serviceTypes)[number], z.ZodOptional<typeof count>>).strict().default({}),
  })
  .strict()
  .openapi('Limits')

/** The sections a reseller's tree may use: null = all. The dashboard is always kept. */
const grantable = sections.filter((s) => s.key !== 'dashboard' && s.tiers.some((t) => t !== 'platform')).map((s) => s.key)
export const AccessSchema = z
  .array(z.enum(grantable as [SectionKey, ...SectionKey[]], { message: 'Not a section a reseller can use.' }))
  .max(50)
  .nullable()
  .transform((list) => (list ? [...new Set(list)] : null))
  .openapi('Access')

const Owner = z.object({ id: z.string(), email: z.string(), name: z.string() })

export const ChildView = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(['reseller', 'customer']),
    status: z.enum(['active', 'disabled', 'deleted']),
    path: z.string(),
    parentId: z.string().nullable(),
    createdAt: z.number(),
    adminCap: z.number(),
    limits: LimitsSchema,
    access: z.array(z.string()).nullable(),
    templateId: z.string().nullable(),
    templateName: z.string().nullable(),
    statusReason: z.string().nullable(),
    showReason: z.boolean(),
    disabledAt: z.number().nullable(),
    deletedAt: z.number().nullable(),
    purgeAfter: z.number().nullable(),
    owner: Owner.nullable(),
    /** While the account has no owner: the invitation its owner has not accepted yet. */
    ownerInvitation: z.object({ id: z.string(), email: z.string(), expiresAt: z.number() }).nullable(),
    /** False when an account above the caller's suspended or deleted it: only that account (or one above) may undo it. */
    canUndo: z.boolean(),
    /** Its portal shows "Powered by Trellis" (the platform decides, for resellers). */
    poweredBy: z.boolean(),
  })
  .openapi('ManagedAccount')

export const ownerFields = {
  name: z.string().trim().min(1, 'Enter a name.').max(120),
  ownerEmail: z.string().trim().max(254).email('Enter a valid email address.'),
  ownerName: z.string().trim().min(1, 'Enter the owner’s name.').max(120),
  /** Ignored: owners always choose their own password through the emailed invitation. */
  ownerPassword: z.string().max(PASSWORD_MAX).optional().openapi({ deprecated: true, description: 'Ignored: the owner always sets their own password through the emailed invitation.' }),
}

/** A child as the API shows it to this caller; `canUndo` says whether they may enable or restore it (rule 8). */
export const present = (a: ChildAccount, ctx: Access) => ({
  id: a.id,
  name: a.name,
  kind: a.kind as 'reseller' | 'customer',
  status: a.status,
  path: a.path,
  parentId: a.parentId,
  createdAt: a.createdAt,
  adminCap: a.adminCap,
  limits: a.limits,
  access: a.access,
  templateId: a.templateId,
  templateName: a.templateName,
  statusReason: a.statusReason,
  showReason: a.showReason,
  disabledAt: a.disabledAt,
  deletedAt: a.deletedAt,
  purgeAfter: a.purgeAfter,
  owner: a.owner,
  ownerInvitation: a.owner ? null : a.ownerInvitation,
  canUndo: mayUndo(a.status === 'deleted' ? a.deletedBy : a.disabledBy, ctx.via.path),
  poweredBy: a.poweredBy,
})

export type Kind = 'reseller' | 'customer'
export const perms: Record<Kind, { view: Permission; manage: Permission; noun: string }> = {
  reseller: { view: 'resellers.view', manage: 'resellers.manage', noun: 'reseller' },
  customer: { view: 'customers.view', manage: 'customers.manage', noun: 'customer' },
}

/** Filter of a list of managed accounts: by status, or all of them. */
export const StatusQuery = z.object({ status: z.enum(['active', 'disabled', 'deleted']).optional() })

/** The accounts of this kind directly under the caller's account, by name, as the API shows them. */
export async function listChildren<E extends AccessEnv>(c: Context<E>, kind: Kind, status?: z.infer<typeof StatusQuery>['status']) {
  const ctx = c.var.access
  return (await listChildAccounts(c.var.db, ctx.account.id, kind, status)).map((a) => present(a, ctx))
}

/** The child account `childId` of this kind under the context, or 404. */
export async function loadChild<E extends AppEnv>(c: Context<E>, ctx: Access, childId: string, kind: Kind) {
  const child = found(await getChildAccount(c.var.db, ctx.account, childId, kind), `No ${perms[kind].noun} with that id.`)
  return child
}

/**
 * Invite the new account's owner and record it. Whoever the email belongs to
 * — a new person, or an existing login of any tree — becomes owner only by
 * accepting (rule 14), and the answer is the same either way: it says nothing
 * about whether the email already has a login.
 */
export async function inviteFirstOwner<E extends AppEnv>(c: Context<E>, ctx: Access, account: { id: string; name: string; path: string }, owner: { ownerEmail: string; ownerName: string }) {
  const invitation = await inviteOwner(c.env, c.var.db, account, ctx.principal.user, { email: owner.ownerEmail, name: owner.ownerName }, !ctx.principal.apiKey)
  await audit(c, account, {
    type: 'invite_user',
    target: { kind: 'invitation', id: invitation.id, label: invitation.email },
    description: `${ctx.principal.user.email} invited ${invitation.email} to own ${account.name}`,
  })
  return { id: invitation.id, email: invitation.email, expiresAt: invitation.expiresAt }
}

export const OwnerInvitation = z.object({ id: z.string(), email: z.string(), expiresAt: z.number() })
