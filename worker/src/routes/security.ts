import { z } from '@hono/zod-openapi'
import { inheritedPolicy, MAX_TRUSTED_LOCATION_DAYS, pathIds } from '../authz/security-policy.ts'
import { getAccount } from '../domain/accounts.ts'
import { listMembers } from '../domain/members.ts'
import { factorsOfUsers, policySettings, revokeTrustedLocations, savePolicy, trustedLocationsOf } from '../domain/two-factor.ts'
import { AppError } from '../errors.ts'
import { authorize, requirePermission } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { body, createRouter, json, route } from '../openapi.ts'
import { AccountParam, accountParams, TrustedLocation } from './schemas.ts'

const Setting = z
  .object({
    requireTwoFactor: z.boolean(),
    allowPasswordless: z.boolean(),
    trustedLocationDays: z.number().int('Whole days only.').min(0, 'Use 0 for never.').max(MAX_TRUSTED_LOCATION_DAYS, `At most ${MAX_TRUSTED_LOCATION_DAYS} days.`).nullable(),
  })
  .openapi('SecurityPolicySetting')

const SecurityView = z
  .object({
    own: Setting,
    /** What the accounts above impose: a requirement (and who set it), a passwordless ban, a cap on trusted days. */
    inherited: z.object({
      requireTwoFactor: z.boolean(),
      requiredBy: z.object({ id: z.string(), name: z.string() }).nullable(),
      allowPasswordless: z.boolean(),
      maxTrustedLocationDays: z.number().int(),
    }),
    effective: z.object({ requireTwoFactor: z.boolean(), allowPasswordless: z.boolean(), trustedLocationDays: z.number().int() }),
    members: z.array(
      z.object({
        membershipId: z.string(),
        user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
        level: z.enum(['owner', 'admin', 'user']),
        /** null while impersonating this member: their factors are not shown (rule 7). */
        factors: z.object({ totp: z.boolean(), passkeys: z.number().int(), trustedLocations: z.array(TrustedLocation) }).nullable(),
      }),
    ),
    canManage: z.boolean(),
  })
  .openapi('AccountSecurity')

const LocationParams = accountParams('locationId')

const getAccountSecurityRoute = route.get('/accounts/{id}/security', 'getAccountSecurity', requirePermission('security.view'), {
  request: { params: AccountParam }, responses: { 200: json(SecurityView, 'Security') },
})
const updateAccountSecurityRoute = route.put('/accounts/{id}/security', 'updateAccountSecurity', requirePermission('security.manage'), {
  request: { params: AccountParam, body: body(Setting) }, responses: { 200: json(Setting, 'Saved') },
})
const revokeMemberTrustedLocationRoute = route.delete('/accounts/{id}/security/trusted-locations/{locationId}', 'revokeMemberTrustedLocation', requirePermission('security.manage'), {
  request: { params: LocationParams }, responses: { 204: { description: 'Revoked' } },
})

export const security = createRouter('Security')
  .openapi(getAccountSecurityRoute, async (c) => {
    const access = c.var.access
    const db = c.var.db
    const account = access.account
    const settings = await policySettings(db, [account.path])
    const own = settings.get(account.id) ?? { requireTwoFactor: false, allowPasswordless: true, trustedLocationDays: null }
    const above = inheritedPolicy(account.path, settings)
    const requiredBy = above.requiredBy ? await getAccount(db, above.requiredBy) : null
    const members = await listMembers(db, account.id)
    const userIds = members.map((m) => m.user.id)
    const [factors, locations] = await Promise.all([factorsOfUsers(db, userIds), trustedLocationsOf(db, userIds)])
    const target = access.principal.impersonation ? access.principal.user.id : null
    const ownDays = own.trustedLocationDays ?? above.trustedLocationDays
    return c.json(
      {
        own,
        inherited: {
          requireTwoFactor: above.requireTwoFactor,
          requiredBy: requiredBy ? { id: requiredBy.id, name: requiredBy.name } : null,
          allowPasswordless: above.allowPasswordless,
          maxTrustedLocationDays: above.trustedLocationDays,
        },
        effective: {
          requireTwoFactor: above.requireTwoFactor || own.requireTwoFactor,
          allowPasswordless: above.allowPasswordless && own.allowPasswordless,
          // Where nobody on the path set a duration, locations are never trusted.
          trustedLocationDays: pathIds(account.path).some((id) => settings.get(id)?.trustedLocationDays != null) ? Math.min(ownDays, above.trustedLocationDays) : 0,
        },
        members: members.map((m) => ({
          membershipId: m.id,
          user: m.user,
          level: m.level,
          factors:
            m.user.id === target
              ? null
              : {
                  ...factors.get(m.user.id)!,
                  trustedLocations: locations.filter((l) => l.userId === m.user.id).map(({ userId: _, ...l }) => l),
                },
        })),
        canManage: (() => {
          try {
            authorize(access, 'security.manage')
            return true
          } catch {
            return false
          }
        })(),
      },
      200,
    )
  })
  .openapi(updateAccountSecurityRoute, async (c) => {
    const access = c.var.access
    const setting = c.req.valid('json')
    await savePolicy(c.var.db, access.account.id, setting)
    const parts = [
      setting.requireTwoFactor ? 'two-factor sign-in required' : 'two-factor sign-in optional',
      setting.allowPasswordless ? 'passwordless passkeys allowed' : 'passwordless passkeys forbidden',
      setting.trustedLocationDays === null ? 'trusted locations as above' : setting.trustedLocationDays === 0 ? 'locations never trusted' : `locations trusted for ${setting.trustedLocationDays} days`,
    ]
    await audit(c, access.account, {
      type: 'update_configuration',
      target: { kind: 'account', id: access.account.id, label: access.account.name },
      description: `Sign-in security of ${access.account.name}: ${parts.join(', ')}`,
    })
    return c.json(setting, 200)
  })
  .openapi(revokeMemberTrustedLocationRoute, async (c) => {
    const access = c.var.access
    const { locationId } = c.req.valid('param')
    const members = await listMembers(c.var.db, access.account.id)
    const candidates = members.map((m) => m.user.id)
    const found = (await trustedLocationsOf(c.var.db, candidates)).find((l) => l.id === locationId)
    if (!found) throw new AppError('not_found', 'No such trusted location.')
    if (access.principal.impersonation && found.userId === access.principal.user.id) {
      throw new AppError('impersonation_restricted', 'You cannot see or change the trusted locations of someone you are acting as.')
    }
    const [gone] = await revokeTrustedLocations(c.var.db, [found.userId], locationId)
    if (!gone) throw new AppError('not_found', 'No such trusted location.')
    const member = members.find((m) => m.user.id === found.userId)!
    await audit(c, access.account, {
      type: 'update_trusted_connection',
      subject: { id: member.user.id, email: member.user.email },
      target: { kind: 'trusted_location', id: gone.id, label: gone.network },
      description: `Stopped trusting ${gone.network} for ${member.user.email}`,
    })
    return c.body(null, 204)
  })
