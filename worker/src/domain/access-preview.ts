import type { AccountKind } from '../../../db/schema/accounts.ts'
import type { Permission } from '../authz/catalogue.ts'
import { can, inPerson, type MembershipGrant, type TargetAccount } from '../authz/decide.ts'
import { menuFor } from '../authz/menu.ts'
import type { DB } from '../db.ts'
import { listServices, serviceFacts } from './services.ts'

/** How many services a preview lists (it shows what someone would see first, not a full inventory). */
export const PREVIEW_SERVICES = 50

/**
 * What a member holding `grant` in `account` would see: the menu, and the
 * first services of their services page with the actions each would allow —
 * computed by the same decision function and query as the real pages, from a
 * grant that exists nowhere. Nothing is written.
 */
export async function previewAccess(db: DB, account: TargetAccount, grant: MembershipGrant) {
  const grants = [grant]
  const menu = menuFor(inPerson(grants), account)
  if (!menu.some((item) => item.key === 'services')) return { menu, services: [], more: false }
  // The kinds of account below this one whose services the grant may read (as the services page asks).
  const descendantKinds = (['reseller', 'customer'] as AccountKind[]).filter((kind) => can(grants, 'services.view', { id: '', path: `${account.path}~/`, kind }).ok)
  const page = await listServices(db, {
    account,
    descendantKinds,
    scope: grant.level === 'owner' ? null : grant.scope,
    filters: {},
    limit: PREVIEW_SERVICES,
  })
  const may = (permission: Permission, s: (typeof page.items)[number]) =>
    can(grants, permission, { id: s.accountId, path: s.accountPath, kind: s.accountKind }, serviceFacts(s)).ok
  const services = page.items.map((s) => ({
    id: s.id,
    name: s.name,
    type: s.type,
    status: s.status,
    account: { id: s.accountId, name: s.accountName },
    allowed: { manage: may('services.manage', s), operate: may('services.operate', s) },
  }))
  return { menu, services, more: page.next !== null }
}
