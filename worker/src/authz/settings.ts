import { canActing, type Actor, type TargetAccount } from './decide.ts'

/** What a caller may change on an account's Settings page. */
export interface SettingsActions {
  /** Name and page-view logging: `settings.manage` there. */
  rename: boolean
  pageViewLogging: boolean
  /** The admin cap: `staff.manage` reached from an ancestor — a parent sets it, never the account itself. */
  adminCap: boolean
  /** Partner access for all services: a customer's own decision (`services.manage` in it, not from a parent, never on someone's behalf). */
  partnerAccess: boolean
}

/**
 * The rules of PATCH /accounts/{id} and PUT /accounts/{id}/partner-access,
 * asked up front so the page offers only what the API will accept (tested
 * against those routes).
 */
export function settingsActions(actor: Actor, account: TargetAccount): SettingsActions {
  const manage = canActing(actor, 'settings.manage', account)
  const staff = canActing(actor, 'staff.manage', account)
  const services = canActing(actor, 'services.manage', account)
  return {
    rename: manage.ok,
    pageViewLogging: manage.ok,
    adminCap: staff.ok && staff.via.accountId !== account.id,
    partnerAccess: account.kind === 'customer' && actor.ceiling === null && services.ok && services.via.accountId === account.id,
  }
}
