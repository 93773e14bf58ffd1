/**
 * How activity events read in the web app: human labels for their types, the
 * groups the type filter offers, and the sentence a live change notice shows.
 */
import type { BadgeTone } from '$lib/components/ui/badge.svelte'
import { m } from '$lib/paraglide/messages.js'
import { activityEventTypeValues, notificationTypesTypesValues } from './api/openapi'
import type { ActivityType, LiveChange } from './types'

/** Every action type the type filter offers (page views have their own checkbox): the API's list, from its contract. */
export const ACTION_TYPES: readonly ActivityType[] = activityEventTypeValues.filter((t) => t !== 'page_view')

/** The event types a member can be emailed about (the API's list). */
type NotifiableType = (typeof notificationTypesTypesValues)[number]

/** True for an event type the API's contract names. */
export function isActivityType(type: string): type is ActivityType {
  return (activityEventTypeValues as readonly string[]).includes(type)
}

/** True for an event type a member can be emailed about. */
export function isNotifiable(type: string): type is NotifiableType {
  return (notificationTypesTypesValues as readonly string[]).includes(type)
}

/** Each type's label, drawn from its message when read (in the page's language). */
const typeLabels: Record<ActivityType, () => string> = {
  login: m.common_event_login,
  login_failed: m.common_event_login_failed,
  logout: m.common_event_logout,
  impersonation_start: m.common_event_impersonation_start,
  impersonation_end: m.common_event_impersonation_end,
  invite_user: m.common_event_invite_user,
  invitation_resent: m.common_event_invitation_resent,
  invitation_revoked: m.common_event_invitation_revoked,
  invitation_accepted: m.common_event_invitation_accepted,
  impersonation_refused: m.common_event_impersonation_refused,
  notifications_updated: m.common_event_notifications_updated,
  server_action: m.common_event_server_action,
  update_configuration: m.common_event_update_configuration,
  update_user_profile: m.common_event_update_user_profile,
  update_trusted_connection: m.common_event_update_trusted_connection,
  backup_machine_data: m.common_event_backup_machine_data,
  update_license: m.common_event_update_license,
  update_server: m.common_event_update_server,
  update_organization: m.common_event_update_organization,
  update_tickets: m.common_event_update_tickets,
  update_user_permissions: m.common_event_update_user_permissions,
  account_created: m.common_event_account_created,
  account_updated: m.common_event_account_updated,
  account_deleted: m.common_event_account_deleted,
  account_disabled: m.common_event_account_disabled,
  account_enabled: m.common_event_account_enabled,
  account_restored: m.common_event_account_restored,
  account_purged: m.common_event_account_purged,
  template_created: m.common_event_template_created,
  template_updated: m.common_event_template_updated,
  template_deleted: m.common_event_template_deleted,
  login_refused: m.common_event_login_refused,
  member_created: m.common_event_member_created,
  member_updated: m.common_event_member_updated,
  member_deleted: m.common_event_member_deleted,
  access_ending: m.common_event_access_ending,
  access_expired: m.common_event_access_expired,
  role_created: m.common_event_role_created,
  role_updated: m.common_event_role_updated,
  role_deleted: m.common_event_role_deleted,
  service_created: m.common_event_service_created,
  service_updated: m.common_event_service_updated,
  service_deleted: m.common_event_service_deleted,
  service_group_created: m.common_event_service_group_created,
  service_group_updated: m.common_event_service_group_updated,
  service_group_deleted: m.common_event_service_group_deleted,
  brand_updated: m.common_event_brand_updated,
  hostname_added: m.common_event_hostname_added,
  hostname_verified: m.common_event_hostname_verified,
  hostname_removed: m.common_event_hostname_removed,
  hostname_demoted: m.common_event_hostname_demoted,
  hostname_expired: m.common_event_hostname_expired,
  domain_added: m.common_event_domain_added,
  domain_verified: m.common_event_domain_verified,
  domain_updated: m.common_event_domain_updated,
  domain_removed: m.common_event_domain_removed,
  domain_demoted: m.common_event_domain_demoted,
  join_requested: m.common_event_join_requested,
  join_approved: m.common_event_join_approved,
  join_declined: m.common_event_join_declined,
  member_joined: m.common_event_member_joined,
  signup_requested: m.common_event_signup_requested,
  signup_approved: m.common_event_signup_approved,
  signup_declined: m.common_event_signup_declined,
  signup_settings_updated: m.common_event_signup_settings_updated,
  password_reset: m.common_event_password_reset,
  session_ended: m.common_event_session_ended,
  api_key_created: m.common_event_api_key_created,
  api_key_revoked: m.common_event_api_key_revoked,
  access_reviewed: m.common_event_access_reviewed,
  integration_created: m.common_event_integration_created,
  integration_updated: m.common_event_integration_updated,
  integration_deleted: m.common_event_integration_deleted,
  integration_secret_rotated: m.common_event_integration_secret_rotated,
  integration_disabled: m.common_event_integration_disabled,
  site_created: m.common_event_site_created,
  site_updated: m.common_event_site_updated,
  site_deleted: m.common_event_site_deleted,
  visit_requested: m.common_event_visit_requested,
  visit_approved: m.common_event_visit_approved,
  visit_declined: m.common_event_visit_declined,
  visit_cancelled: m.common_event_visit_cancelled,
  transfer_proposed: m.common_event_transfer_proposed,
  transfer_confirmed: m.common_event_transfer_confirmed,
  transfer_completed: m.common_event_transfer_completed,
  transfer_declined: m.common_event_transfer_declined,
  transfer_cancelled: m.common_event_transfer_cancelled,
  ownership_offered: m.common_event_ownership_offered,
  ownership_offer_cancelled: m.common_event_ownership_offer_cancelled,
  ownership_offer_declined: m.common_event_ownership_offer_declined,
  ownership_transferred: m.common_event_ownership_transferred,
  customer_move_requested: m.common_event_customer_move_requested,
  customer_move_declined: m.common_event_customer_move_declined,
  customer_move_cancelled: m.common_event_customer_move_cancelled,
  customer_moved_in: m.common_event_customer_moved_in,
  customer_moved_out: m.common_event_customer_moved_out,
  plan_created: m.common_event_plan_created,
  plan_updated: m.common_event_plan_updated,
  order_placed: m.common_event_order_placed,
  order_cancelled: m.common_event_order_cancelled,
  order_approved: m.common_event_order_approved,
  order_declined: m.common_event_order_declined,
  invoices_synced: m.common_event_invoices_synced,
  payment_reminder: m.common_event_payment_reminder,
  page_view: m.common_event_page_view,
}

/** "Server action", "Member added"; an unknown type reads as its words ("Update widgets"). */
export function typeLabel(type: string): string {
  if (isActivityType(type)) return typeLabels[type]()
  const words = type.replace(/_/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** The groups of the type filter, in the order it lists them. */
export const TYPE_GROUPS: { key: string; label: string; types: readonly ActivityType[] }[] = [
  { key: 'sign-ins', get label() { return m.common_event_group_sign_ins() }, types: ['login', 'login_failed', 'login_refused', 'logout', 'password_reset', 'session_ended', 'impersonation_start', 'impersonation_end', 'impersonation_refused'] },
  { key: 'security', get label() { return m.common_event_group_security() }, types: ['api_key_created', 'api_key_revoked', 'access_reviewed'] },
  {
    key: 'people', get label() { return m.common_event_group_people() },
    types: [
      'member_created',
      'member_updated',
      'member_deleted',
      'access_ending',
      'access_expired',
      'update_user_permissions',
      'invite_user',
      'invitation_resent',
      'invitation_revoked',
      'invitation_accepted',
      'notifications_updated',
      'update_user_profile',
      'role_created',
      'role_updated',
      'role_deleted',
    ],
  },
  {
    key: 'services', get label() { return m.common_event_group_services() },
    types: [
      'service_created',
      'service_updated',
      'service_deleted',
      'server_action',
      'update_configuration',
      'update_server',
      'update_license',
      'service_group_created',
      'service_group_updated',
      'service_group_deleted',
      'backup_machine_data',
      'update_trusted_connection',
    ],
  },
  { key: 'account', get label() { return m.common_event_group_account() }, types: ['account_created', 'account_updated', 'account_deleted', 'account_disabled', 'account_enabled', 'account_restored', 'account_purged', 'template_created', 'template_updated', 'template_deleted', 'update_organization', 'ownership_offered', 'ownership_offer_cancelled', 'ownership_offer_declined', 'ownership_transferred', 'customer_move_requested', 'customer_move_declined', 'customer_move_cancelled', 'customer_moved_in', 'customer_moved_out'] },
  { key: 'branding', get label() { return m.common_event_group_branding() }, types: ['brand_updated', 'hostname_added', 'hostname_verified', 'hostname_removed', 'hostname_demoted', 'hostname_expired'] },
  { key: 'signups', get label() { return m.common_event_group_signups() }, types: ['signup_requested', 'signup_approved', 'signup_declined', 'signup_settings_updated', 'domain_added', 'domain_verified', 'domain_updated', 'domain_removed', 'domain_demoted', 'join_requested', 'join_approved', 'join_declined', 'member_joined'] },
  { key: 'visits', get label() { return m.common_event_group_visits() }, types: ['site_created', 'site_updated', 'site_deleted', 'visit_requested', 'visit_approved', 'visit_declined', 'visit_cancelled'] },
  { key: 'transfers', get label() { return m.common_event_group_transfers() }, types: ['transfer_proposed', 'transfer_confirmed', 'transfer_completed', 'transfer_declined', 'transfer_cancelled'] },
  { key: 'billing', get label() { return m.common_event_group_billing() }, types: ['plan_created', 'plan_updated', 'order_placed', 'order_cancelled', 'order_approved', 'order_declined', 'invoices_synced', 'payment_reminder'] },
  { key: 'other', get label() { return m.common_event_group_other() }, types: ['update_tickets'] },
]

const groupOf = new Map<string, string>(TYPE_GROUPS.flatMap((g) => g.types.map((t) => [t, g.key] as const)))

/** The filter group of a type ("sign-ins", "people", …); page views are "page-view", unknown types "other". */
export function typeGroup(type: string): string {
  if (type === 'page_view') return 'page-view'
  return groupOf.get(type) ?? 'other'
}

/** The badge colour of a type: failed sign-ins stand out, deletions warn, creations are positive. */
export function typeTone(type: string): BadgeTone {
  if (type === 'login_failed') return 'destructive'
  if (type.endsWith('_deleted')) return 'warning'
  if (type.endsWith('_created') || type === 'invite_user') return 'success'
  return 'neutral'
}

/** How a change to a service, a role or an account reads after the actor: named, or unnamed when the event has no label. */
const PLAIN_CHANGES: Partial<Record<string, [named: (inputs: { name: string }) => string, unnamed: () => string]>> = {
  role_created: [m.common_change_role_created, m.common_change_role_created_unnamed],
  role_updated: [m.common_change_role_updated, m.common_change_role_updated_unnamed],
  role_deleted: [m.common_change_role_deleted, m.common_change_role_deleted_unnamed],
  service_created: [m.common_change_service_created, m.common_change_service_created_unnamed],
  service_updated: [m.common_change_service_updated, m.common_change_service_updated_unnamed],
  service_deleted: [m.common_change_service_deleted, m.common_change_service_deleted_unnamed],
  server_action: [m.common_change_server_action, m.common_change_server_action_unnamed],
  update_configuration: [m.common_change_configuration, m.common_change_configuration_unnamed],
  account_created: [m.common_change_account_created, m.common_change_account_created_unnamed],
  account_deleted: [m.common_change_account_deleted, m.common_change_account_deleted_unnamed],
  account_disabled: [m.common_change_account_disabled, m.common_change_account_disabled_unnamed],
  account_enabled: [m.common_change_account_enabled, m.common_change_account_enabled_unnamed],
  account_restored: [m.common_change_account_restored, m.common_change_account_restored_unnamed],
  account_updated: [m.common_change_account_updated, m.common_change_account_updated_unnamed],
  update_organization: [m.common_change_account_updated, m.common_change_account_updated_unnamed],
}

/** What a change did, after the actor's email: "added jo@acme.test to the staff", "changed the role Night shift". */
function changePhrase(change: LiveChange): string {
  const name = change.target?.label
  switch (change.type) {
    case 'member_created':
      return name ? m.common_change_member_added({ name }) : m.common_change_member_added_unnamed()
    case 'member_updated':
    case 'update_user_permissions':
      return name ? m.common_change_member_access({ name }) : m.common_change_member_access_unnamed()
    case 'member_deleted':
      return name ? m.common_change_member_removed({ name }) : m.common_change_member_removed_unnamed()
  }
  const plain = PLAIN_CHANGES[change.type]
  if (!plain) return m.common_change_other({ what: typeLabel(change.type).toLowerCase() })
  const [named, unnamed] = plain
  return name ? named({ name }) : unnamed()
}

/** The notice for changes someone else made to what the page shows ("sarah@acme.test added jo@acme.test to the staff"). */
export function changeNotice(changes: readonly LiveChange[]): string {
  const first = changes[0]
  if (!first) return ''
  const actors = [...new Set(changes.map((c) => c.actor ?? m.common_change_someone()))]
  const actor = actors[0]!
  const count = changes.length
  if (count === 1) return m.common_change_one({ actor, change: changePhrase(first) })
  if (actors.length === 1) return m.common_change_many_one_actor({ actor, count })
  if (actors.length === 2) return m.common_change_many_two({ actor, other: actors[1]!, count })
  return m.common_change_many_others({ actor, others: actors.length - 1, count })
}
