import type { AccountKind } from '../../../db/schema/accounts.ts'
import { sections, type SectionKey } from './catalogue.ts'
import type { MembershipFact } from './tenancy.ts'

export interface MenuItem {
  key: SectionKey
  label: string
  icon: string
  path: string
}

/**
 * Sections whose pages exist so far. The authorization work replaces this
 * list and the level test below with the permission check over the catalogue.
 */
const LIVE_SECTIONS: readonly SectionKey[] = ['dashboard', 'resellers', 'customers']

/**
 * The menu a principal sees in an account, reached through `via` (a
 * membership in the account or in an ancestor). Owners and admins manage the
 * account's children; everybody sees the dashboard.
 */
export function menuFor(via: MembershipFact, accountKind: AccountKind): MenuItem[] {
  const manages = via.level === 'owner' || via.level === 'admin'
  return sections
    .filter((s) => LIVE_SECTIONS.includes(s.key) && (s.tiers as readonly AccountKind[]).includes(accountKind))
    .filter((s) => s.key === 'dashboard' || manages)
    .map(({ key, label, icon, path }) => ({ key, label, icon, path }))
}
