/** Every activity event type. Actions are state changes; page views are navigation. */
export const activityTypes = [
  'login',
  'login_failed',
  'logout',
  'impersonation_start',
  'impersonation_end',
  'invite_user',
  'server_action',
  'update_configuration',
  'update_user_profile',
  'update_trusted_connection',
  'backup_machine_data',
  'update_license',
  'update_server',
  'update_organization',
  'update_tickets',
  'update_user_groups',
  'update_user_permissions',
  'account_created',
  'account_updated',
  'account_deleted',
  'member_created',
  'member_updated',
  'member_deleted',
  'role_created',
  'role_updated',
  'role_deleted',
  'service_created',
  'service_updated',
  'service_deleted',
  'page_view',
] as const

export type ActivityType = (typeof activityTypes)[number]
export const eventKinds = ['action', 'page_view'] as const
export type EventKind = (typeof eventKinds)[number]
