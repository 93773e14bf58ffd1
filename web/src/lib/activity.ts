/**
 * How activity events read in the web app: human labels for their types, the
 * groups the type filter offers, and the sentence a live change notice shows.
 */
import type { BadgeTone } from '$lib/components/ui/badge.svelte'
import { activityEventTypeValues, notificationTypesTypesValues } from './api/openapi'
import type { ActivityFilters, ActivityType, LiveChange } from './types'

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

const typeLabels: Record<ActivityType, string> = {
  login: 'Signed in',
  login_failed: 'Failed sign-in',
  logout: 'Signed out',
  impersonation_start: 'Impersonation started',
  impersonation_end: 'Impersonation ended',
  invite_user: 'User invited',
  invitation_resent: 'Invitation resent',
  invitation_revoked: 'Invitation revoked',
  invitation_accepted: 'Invitation accepted',
  impersonation_refused: 'Impersonation refused',
  notifications_updated: 'Notifications changed',
  server_action: 'Server action',
  update_configuration: 'Configuration changed',
  update_user_profile: 'Profile changed',
  update_trusted_connection: 'Trusted connection changed',
  backup_machine_data: 'Machine data backed up',
  update_license: 'Licence changed',
  update_server: 'Server changed',
  update_organization: 'Organization changed',
  update_tickets: 'Tickets changed',
  update_user_permissions: 'Permissions changed',
  account_created: 'Account created',
  account_updated: 'Account changed',
  account_deleted: 'Account deleted',
  account_disabled: 'Account disabled',
  account_enabled: 'Account enabled',
  account_restored: 'Account restored',
  account_purged: 'Account purged',
  template_created: 'Template created',
  template_updated: 'Template changed',
  template_deleted: 'Template deleted',
  login_refused: 'Sign-in refused',
  member_created: 'Member added',
  member_updated: 'Member changed',
  member_deleted: 'Member removed',
  access_ending: 'Access ends soon',
  access_expired: 'Access ended',
  role_created: 'Role created',
  role_updated: 'Role changed',
  role_deleted: 'Role deleted',
  service_created: 'Service created',
  service_updated: 'Service changed',
  service_deleted: 'Service deleted',
  service_group_created: 'Service group created',
  service_group_updated: 'Service group changed',
  service_group_deleted: 'Service group deleted',
  brand_updated: 'Brand changed',
  hostname_added: 'Hostname added',
  hostname_verified: 'Hostname verified',
  hostname_removed: 'Hostname removed',
  hostname_demoted: 'Hostname no longer verified',
  hostname_expired: 'Hostname claim ended',
  domain_added: 'Email domain added',
  domain_verified: 'Email domain verified',
  domain_updated: 'Email domain changed',
  domain_removed: 'Email domain removed',
  domain_demoted: 'Email domain no longer verified',
  join_requested: 'Waiting to join',
  join_approved: 'Let in',
  join_declined: 'Turned away',
  member_joined: 'Joined through domain',
  signup_requested: 'Sign-up requested',
  signup_approved: 'Sign-up approved',
  signup_declined: 'Sign-up declined',
  signup_settings_updated: 'Sign-up setting changed',
  password_reset: 'Password reset',
  session_ended: 'Session ended',
  api_key_created: 'API key created',
  api_key_revoked: 'API key revoked',
  access_reviewed: 'Access reviewed',
  integration_created: 'Integration added',
  integration_updated: 'Integration changed',
  integration_deleted: 'Integration deleted',
  integration_secret_rotated: 'Webhook secret replaced',
  integration_disabled: 'Integration turned off',
  site_created: 'Site added',
  site_updated: 'Site changed',
  site_deleted: 'Site deleted',
  visit_requested: 'Visit requested',
  visit_approved: 'Visit approved',
  visit_declined: 'Visit declined',
  visit_cancelled: 'Visit cancelled',
  transfer_proposed: 'Transfer proposed',
  transfer_confirmed: 'Transfer confirmed',
  transfer_completed: 'Service transferred',
  transfer_declined: 'Transfer declined',
  transfer_cancelled: 'Transfer cancelled',
  ownership_offered: 'Ownership offered',
  ownership_offer_cancelled: 'Ownership offer cancelled',
  ownership_offer_declined: 'Ownership offer declined',
  ownership_transferred: 'Ownership transferred',
  customer_move_requested: 'Organisation move requested',
  customer_move_declined: 'Organisation move declined',
  customer_move_cancelled: 'Organisation move withdrawn',
  customer_moved_in: 'Organisation moved in',
  customer_moved_out: 'Organisation moved out',
  plan_created: 'Plan added',
  plan_updated: 'Plan changed',
  order_placed: 'Order placed',
  order_cancelled: 'Order cancelled',
  order_approved: 'Order approved',
  order_declined: 'Order declined',
  invoices_synced: 'Invoices synced',
  payment_reminder: 'Payment reminder',
  page_view: 'Page view',
}

/** "Server action", "Member added"; an unknown type reads as its words ("Update widgets"). */
export function typeLabel(type: string): string {
  if (isActivityType(type)) return typeLabels[type]
  const words = type.replace(/_/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** The groups of the type filter, in the order it lists them. */
export const TYPE_GROUPS: { key: string; label: string; types: readonly ActivityType[] }[] = [
  { key: 'sign-ins', label: 'Sign-ins', types: ['login', 'login_failed', 'login_refused', 'logout', 'password_reset', 'session_ended', 'impersonation_start', 'impersonation_end', 'impersonation_refused'] },
  { key: 'security', label: 'Security', types: ['api_key_created', 'api_key_revoked', 'access_reviewed'] },
  {
    key: 'people',
    label: 'People & roles',
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
    key: 'services',
    label: 'Services',
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
  { key: 'account', label: 'Account', types: ['account_created', 'account_updated', 'account_deleted', 'account_disabled', 'account_enabled', 'account_restored', 'account_purged', 'template_created', 'template_updated', 'template_deleted', 'update_organization', 'ownership_offered', 'ownership_offer_cancelled', 'ownership_offer_declined', 'ownership_transferred', 'customer_move_requested', 'customer_move_declined', 'customer_move_cancelled', 'customer_moved_in', 'customer_moved_out'] },
  { key: 'branding', label: 'Branding', types: ['brand_updated', 'hostname_added', 'hostname_verified', 'hostname_removed', 'hostname_demoted', 'hostname_expired'] },
  { key: 'signups', label: 'Sign-ups & domains', types: ['signup_requested', 'signup_approved', 'signup_declined', 'signup_settings_updated', 'domain_added', 'domain_verified', 'domain_updated', 'domain_removed', 'domain_demoted', 'join_requested', 'join_approved', 'join_declined', 'member_joined'] },
  { key: 'visits', label: 'Visits', types: ['site_created', 'site_updated', 'site_deleted', 'visit_requested', 'visit_approved', 'visit_declined', 'visit_cancelled'] },
  { key: 'transfers', label: 'Transfers', types: ['transfer_proposed', 'transfer_confirmed', 'transfer_completed', 'transfer_declined', 'transfer_cancelled'] },
  { key: 'billing', label: 'Billing & orders', types: ['plan_created', 'plan_updated', 'order_placed', 'order_cancelled', 'order_approved', 'order_declined', 'invoices_synced', 'payment_reminder'] },
  { key: 'other', label: 'Other', types: ['update_tickets'] },
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

/** How a change to a service or an account reads: the verb, and what it names when the event has no label. */
const PLAIN_CHANGES: Partial<Record<string, [verb: string, unnamed: string]>> = {
  role_created: ['created', 'a role'],
  role_updated: ['changed', 'a role'],
  role_deleted: ['deleted', 'a role'],
  service_created: ['created', 'a service'],
  service_updated: ['changed', 'a service'],
  service_deleted: ['deleted', 'a service'],
  server_action: ['ran an action on', 'a service'],
  update_configuration: ['changed the configuration of', 'a service'],
  account_created: ['added', 'an account'],
  account_deleted: ['deleted', 'an account'],
  account_disabled: ['disabled', 'an account'],
  account_enabled: ['enabled', 'an account'],
  account_restored: ['restored', 'an account'],
  account_updated: ['changed', 'the account'],
  update_organization: ['changed', 'the account'],
} satisfies Partial<Record<ActivityType, [string, string]>>

/** What a change did, after the actor's email: "added jo@acme.test", "restarted acme-control-01". */
function changePhrase(change: LiveChange): string {
  const label = change.target?.label
  switch (change.type) {
    case 'member_created':
      return label ? `added ${label} to the staff` : 'added a member'
    case 'member_updated':
    case 'update_user_permissions':
      return label ? `changed the access of ${label}` : 'changed a member’s access'
    case 'member_deleted':
      return label ? `removed ${label} from the staff` : 'removed a member'
  }
  const plain = PLAIN_CHANGES[change.type]
  if (!plain) return `made a change (${typeLabel(change.type).toLowerCase()})`
  const [verb, unnamed] = plain
  // A role is named as one ("the role Night shift"); services and accounts by their own name.
  const named = change.type.startsWith('role_') ? (label ? `the role ${label}` : undefined) : label
  return `${verb} ${named ?? unnamed}`
}

/** The notice for changes someone else made to what the page shows ("sarah@acme.test added jo@acme.test to the staff"). */
export function changeNotice(changes: readonly LiveChange[]): string {
  const first = changes[0]
  if (!first) return ''
  const actors = [...new Set(changes.map((c) => c.actor ?? 'Someone'))]
  if (changes.length === 1) return `${actors[0]} ${changePhrase(first)}`
  if (actors.length === 1) return `${actors[0]} made ${changes.length} changes`
  return `${actors[0]} and ${actors.length - 1 === 1 ? actors[1] : `${actors.length - 1} others`} made ${changes.length} changes`
}

/** The query string of the Activity page for these filters (empty values left out). */
export function activitySearch(filters: ActivityFilters): URLSearchParams {
  const params = new URLSearchParams()
  if (filters.q) params.set('q', filters.q)
  if (filters.actor) params.set('actor', filters.actor)
  for (const type of filters.types) params.append('type', type)
  if (filters.views) params.set('views', '1')
  if (filters.from) params.set('from', filters.from)
  if (filters.to) params.set('to', filters.to)
  return params
}
