/**
 * Activity event types, the type filter's groups and the kinds of things an event is about, in the
 * page's language. The API names them by key in English; an unknown key reads as the API's words.
 */
import { typeLabel as englishTypeLabel } from '$lib/activity'
import { m } from '$lib/paraglide/messages.js'
import type { ActivityType } from '$lib/types'

// Functions, never drawn messages: a map built at import would hold the language of the first request.
const typeLabels: Record<ActivityType, () => string> = {
  login: m.activity_type_login,
  login_failed: m.activity_type_login_failed,
  logout: m.activity_type_logout,
  impersonation_start: m.activity_type_impersonation_start,
  impersonation_end: m.activity_type_impersonation_end,
  invite_user: m.activity_type_invite_user,
  invitation_resent: m.activity_type_invitation_resent,
  invitation_revoked: m.activity_type_invitation_revoked,
  invitation_accepted: m.activity_type_invitation_accepted,
  impersonation_refused: m.activity_type_impersonation_refused,
  notifications_updated: m.activity_type_notifications_updated,
  server_action: m.activity_type_server_action,
  update_configuration: m.activity_type_update_configuration,
  update_user_profile: m.activity_type_update_user_profile,
  update_trusted_connection: m.activity_type_update_trusted_connection,
  backup_machine_data: m.activity_type_backup_machine_data,
  update_license: m.activity_type_update_license,
  update_server: m.activity_type_update_server,
  update_organization: m.activity_type_update_organization,
  update_tickets: m.activity_type_update_tickets,
  update_user_permissions: m.activity_type_update_user_permissions,
  account_created: m.activity_type_account_created,
  account_updated: m.activity_type_account_updated,
  account_deleted: m.activity_type_account_deleted,
  account_disabled: m.activity_type_account_disabled,
  account_enabled: m.activity_type_account_enabled,
  account_restored: m.activity_type_account_restored,
  account_purged: m.activity_type_account_purged,
  template_created: m.activity_type_template_created,
  template_updated: m.activity_type_template_updated,
  template_deleted: m.activity_type_template_deleted,
  login_refused: m.activity_type_login_refused,
  member_created: m.activity_type_member_created,
  member_updated: m.activity_type_member_updated,
  member_deleted: m.activity_type_member_deleted,
  access_ending: m.activity_type_access_ending,
  access_expired: m.activity_type_access_expired,
  role_created: m.activity_type_role_created,
  role_updated: m.activity_type_role_updated,
  role_deleted: m.activity_type_role_deleted,
  service_created: m.activity_type_service_created,
  service_updated: m.activity_type_service_updated,
  service_deleted: m.activity_type_service_deleted,
  service_group_created: m.activity_type_service_group_created,
  service_group_updated: m.activity_type_service_group_updated,
  service_group_deleted: m.activity_type_service_group_deleted,
  brand_updated: m.activity_type_brand_updated,
  hostname_added: m.activity_type_hostname_added,
  hostname_verified: m.activity_type_hostname_verified,
  hostname_removed: m.activity_type_hostname_removed,
  hostname_demoted: m.activity_type_hostname_demoted,
  hostname_expired: m.activity_type_hostname_expired,
  domain_added: m.activity_type_domain_added,
  domain_verified: m.activity_type_domain_verified,
  domain_updated: m.activity_type_domain_updated,
  domain_removed: m.activity_type_domain_removed,
  domain_demoted: m.activity_type_domain_demoted,
  join_requested: m.activity_type_join_requested,
  join_approved: m.activity_type_join_approved,
  join_declined: m.activity_type_join_declined,
  member_joined: m.activity_type_member_joined,
  signup_requested: m.activity_type_signup_requested,
  signup_approved: m.activity_type_signup_approved,
  signup_declined: m.activity_type_signup_declined,
  signup_settings_updated: m.activity_type_signup_settings_updated,
  password_reset: m.activity_type_password_reset,
  session_ended: m.activity_type_session_ended,
  api_key_created: m.activity_type_api_key_created,
  api_key_revoked: m.activity_type_api_key_revoked,
  access_reviewed: m.activity_type_access_reviewed,
  integration_created: m.activity_type_integration_created,
  integration_updated: m.activity_type_integration_updated,
  integration_deleted: m.activity_type_integration_deleted,
  integration_secret_rotated: m.activity_type_integration_secret_rotated,
  integration_disabled: m.activity_type_integration_disabled,
  site_created: m.activity_type_site_created,
  site_updated: m.activity_type_site_updated,
  site_deleted: m.activity_type_site_deleted,
  visit_requested: m.activity_type_visit_requested,
  visit_approved: m.activity_type_visit_approved,
  visit_declined: m.activity_type_visit_declined,
  visit_cancelled: m.activity_type_visit_cancelled,
  transfer_proposed: m.activity_type_transfer_proposed,
  transfer_confirmed: m.activity_type_transfer_confirmed,
  transfer_completed: m.activity_type_transfer_completed,
  transfer_declined: m.activity_type_transfer_declined,
  transfer_cancelled: m.activity_type_transfer_cancelled,
  ownership_offered: m.activity_type_ownership_offered,
  ownership_offer_cancelled: m.activity_type_ownership_offer_cancelled,
  ownership_offer_declined: m.activity_type_ownership_offer_declined,
  ownership_transferred: m.activity_type_ownership_transferred,
  customer_move_requested: m.activity_type_customer_move_requested,
  customer_move_declined: m.activity_type_customer_move_declined,
  customer_move_cancelled: m.activity_type_customer_move_cancelled,
  customer_moved_in: m.activity_type_customer_moved_in,
  customer_moved_out: m.activity_type_customer_moved_out,
  plan_created: m.activity_type_plan_created,
  plan_updated: m.activity_type_plan_updated,
  order_placed: m.activity_type_order_placed,
  order_cancelled: m.activity_type_order_cancelled,
  order_approved: m.activity_type_order_approved,
  order_declined: m.activity_type_order_declined,
  invoices_synced: m.activity_type_invoices_synced,
  payment_reminder: m.activity_type_payment_reminder,
  page_view: m.activity_type_page_view,
}

/** "Server action", "Membre ajouté"; an unknown type reads as its words ("Update widgets"). */
export function activityTypeLabel(type: string): string {
  const label = (typeLabels as Record<string, (() => string) | undefined>)[type]
  return label ? label() : englishTypeLabel(type)
}

const groupLabels: Record<string, () => string> = {
  'sign-ins': m.activity_group_sign_ins,
  'security': m.activity_group_security,
  'people': m.activity_group_people,
  'services': m.activity_group_services,
  'account': m.activity_group_account,
  'branding': m.activity_group_branding,
  'signups': m.activity_group_signups,
  'visits': m.activity_group_visits,
  'transfers': m.activity_group_transfers,
  'billing': m.activity_group_billing,
  'other': m.activity_group_other,
}

/** The name of a group of the type filter ("Sign-ins", "Connexions"), by its key; else the label given. */
export function typeGroupLabel(key: string, fallback: string): string {
  return groupLabels[key]?.() ?? fallback
}

const targetLabels: Record<string, () => string> = {
  account: m.activity_target_account,
  api_key: m.activity_target_api_key,
  brand: m.activity_target_brand,
  customer_move: m.activity_target_customer_move,
  email_domain: m.activity_target_email_domain,
  hostname: m.activity_target_hostname,
  invitation: m.activity_target_invitation,
  invoice: m.activity_target_invoice,
  join_request: m.activity_target_join_request,
  member: m.activity_target_member,
  page: m.activity_target_page,
  plan: m.activity_target_plan,
  role: m.activity_target_role,
  sender_domain: m.activity_target_sender_domain,
  service: m.activity_target_service,
  site: m.activity_target_site,
  template: m.activity_target_template,
  trusted_location: m.activity_target_trusted_location,
  user: m.activity_target_user,
  webhook: m.activity_target_webhook,
  visit: m.activity_target_visit,
  transfer: m.activity_target_transfer,
  order: m.activity_target_order,
  ticket: m.activity_target_ticket,
}

/** What kind of thing an event is about ("Service", "Rôle"); an unknown kind reads as its words. */
export function targetKindLabel(kind: string): string {
  const label = targetLabels[kind]
  if (label) return label()
  const words = kind.replace(/_/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}
