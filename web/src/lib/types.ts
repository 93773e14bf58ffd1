import type { ActivityType } from '../../../worker/src/durable/activity-types'

/** Shapes of the API's answers as the web app uses them (validated in lib/server/api.ts). */

export type AccountKind = 'platform' | 'reseller' | 'customer'
export type AccountStatus = 'active' | 'disabled' | 'deleted'
export type Level = 'owner' | 'admin' | 'user'

export interface User {
  id: string
  email: string
  name: string
}

export interface Account {
  id: string
  name: string
  kind: AccountKind
  status: AccountStatus
  path: string
  parentId: string | null
  /** Epoch milliseconds; not every API version sends it. */
  createdAt?: number
  /** Whether page views are logged here; null is the default (on for platforms and resellers, off for customers). */
  pageViewLogging?: boolean | null
}

/** An account the user is a member of, as /api/v1/me lists it. */
export interface MemberAccount {
  id: string
  name: string
  kind: AccountKind
  path: string
  status: AccountStatus
  level: Level
  parent: { id: string; name: string } | null
  /** Names of the roles held there (absent from older API answers). */
  roles?: string[]
}

export interface Me {
  user: User
  accounts: MemberAccount[]
  /** The account `/` returns to, remembered by the API. */
  lastAccountId?: string | null
  /** Set while this session acts as someone else. */
  impersonation?: Impersonation | null
}

export interface Access {
  level: Level
  viaAccountId: string
  inherited: boolean
}

export interface MenuItem {
  key: string
  label: string
  icon: string
  path: string
  /** The actions of the section the caller holds here (`view`, `manage`, …). */
  actions?: string[]
}

export interface ChildrenPage {
  items: Account[]
  nextCursor: string | null
}

/** One invalid field in a validation problem. */
export interface FieldError {
  field: string
  message: string
}

/** An RFC 9457 problem as the API sends it. */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  errors?: FieldError[]
  retryAfter?: number
  /** `wrong_portal`: the address of the portal where this login belongs. */
  portal?: string
}

/** Which services a membership's technical permissions reach. */
export type Scope =
  | { mode: 'none' }
  | { mode: 'all' }
  | { mode: 'selected'; services: string[]; groups: string[] }
  | { mode: 'tagged'; tags: string[] }

export type ScopeMode = Scope['mode']

export interface RoleRef {
  id: string
  name: string
  builtin: boolean
}

/** A person of an account, as the Staff page lists them. */
export interface Member {
  id: string
  user: User
  level: Level
  roles: RoleRef[]
  scope: Scope
  createdAt: number
  /** True for the signed-in person's own membership. */
  self: boolean
}

/** The caller's own grant reaching an account (their membership here, or a partner's inherited one). */
export interface MyGrant {
  level: Level
  scope: Scope
  /** True when it comes from a parent account (a partner managing a customer's staff). */
  inherited: boolean
  /** `section.action` strings the caller holds here. */
  permissions: string[]
}

export interface MembersPage {
  items: Member[]
  admins: { count: number; cap: number }
  me: MyGrant
}

export interface Role {
  id: string
  name: string
  description: string
  /** `section.action` strings. */
  permissions: string[]
  builtin: boolean
  /** How many members of the account hold it. */
  members: number
  /** True when user-level members hold it (it cannot gain non-technical permissions then). */
  heldByUsers: boolean
}

export type ServiceType = 'hosting' | 'domain' | 'server' | 'mailbox' | 'dns_zone' | 'broadband'
export type ServiceStatus = 'active' | 'suspended' | 'pending' | 'expired'

export interface Service {
  id: string
  account: { id: string; name: string; kind: string }
  type: ServiceType
  name: string
  status: ServiceStatus
  /** Epoch milliseconds, or null for services that do not expire. */
  expiresAt: number | null
  group: { id: string; name: string } | null
  tags: string[]
  partnerAccess: boolean
  lastAction: { action: string; at: number } | null
  createdAt: number
}

export interface ServicesPage {
  items: Service[]
  nextCursor: string | null
}

/** What the caller may do with one service; the detail page shows exactly these. */
export interface ServiceAllowed {
  manage: boolean
  operate: boolean
  /** True for the owning customer's own people, who decide on partner access. */
  partnerAccess: boolean
  /** True when the partner may see but not operate, for lack of the customer's consent. */
  consentRequired: boolean
}

/** A service group, with the account it belongs to. */
export interface ServiceGroup {
  id: string
  name: string
  accountId: string
  accountName: string
}

export interface ServiceFacets {
  /** Groups across every account the caller can see from here. */
  groups: ServiceGroup[]
  tags: string[]
}

/** The services list's filters, as in the page's query string. */
export interface ServiceFilters {
  q?: string
  type?: ServiceType
  status?: ServiceStatus
  group?: string
  tag?: string
  /** Days. */
  expiringWithin?: number
}

export type Category = 'technical' | 'financial' | 'security' | 'user-rights'

/** One section of the permission catalogue, as GET /api/v1/catalogue lists it (in menu order). */
export interface CatalogueSection {
  key: string
  label: string
  icon: string
  path: string
  category: Category
  tiers: AccountKind[]
  actions: string[]
}

/** Every activity event type: the API's own list (one source; the web app only labels them). */
export type { ActivityType }

/** A person in an activity event. */
export interface Party {
  id: string
  email: string
}

/** What an event is about. */
export interface EventTarget {
  kind: string
  id: string
  label: string
}

/** One entry of the activity log. */
export interface ActivityEvent {
  /** Order in the log being read: the list cursor and the live `after`. */
  seq: number
  /** `<account id>:<seq in its own log>`; stable across logs. */
  id: string
  /** Epoch milliseconds. */
  time: number
  accountId: string
  accountPath: string
  /** One of ActivityType; a type added to the API later arrives as any string. */
  type: string
  kind: 'action' | 'page_view'
  /** Who did it (the impersonated person while impersonating). */
  actor: Party | null
  /** The real person behind an impersonated session. */
  impersonator: Party | null
  /** The person the event is about (a member added, say). */
  subject: Party | null
  target: EventTarget | null
  description: string
  ip: string
  userAgent: string
}

export interface ActivityPage {
  items: ActivityEvent[]
  nextCursor: string | null
}

/** Events per hour by kind. */
export interface ActivityHistogram {
  from: number
  to: number
  buckets: { hour: number; kind: string; count: number }[]
}

export interface ActivityVerification {
  ok: boolean
  checked: number
  firstBroken: { seq: number; id: string; position: number } | null
}

/** The activity list's filters, as the page's query string holds them. */
export interface ActivityFilters {
  q?: string
  /** A login (email). */
  actor?: string
  types: ActivityType[]
  /** Include page views. */
  views: boolean
  /** YYYY-MM-DD, inclusive. */
  from?: string
  /** YYYY-MM-DD, inclusive. */
  to?: string
}

/** Someone online in the account, as the live socket reports them. */
export interface PresencePerson {
  userId: string
  name: string
  email: string
  /** The page label their tab shows ("Services › acme-control-01"). */
  page: string
  since: number
}

/**
 * A data change in the account, as the live socket announces it. The target's
 * label and the actor come only to people who may read the activity log.
 */
export interface LiveChange {
  type: string
  target: { kind: string; id: string; label?: string } | null
  /** The actor's email (null when unknown or not for this person to see). */
  actor: string | null
  accountId: string
  time: number
  /** This person made the change (in this tab or another). */
  mine: boolean
}

/** An impersonation session: who acts as whom, where, why and until when (epoch ms). */
export interface Impersonation {
  id: string
  impersonator: User
  target: User
  accountId: string
  accountName: string
  reason: string
  startedAt: number
  expiresAt: number
}

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired'

/** An invitation as the inviting account lists it. */
export interface Invitation {
  id: string
  accountId: string
  kind: 'member' | 'customer'
  email: string
  level: 'owner' | 'admin' | 'user' | null
  roleIds: string[]
  roles: { id: string; name: string }[]
  scope: Scope | null
  status: InvitationStatus
  invitedBy: User | null
  createdAt: number
  expiresAt: number
  acceptedAt: number | null
  createdAccountId: string | null
}

/** What the accept page shows about an invitation (GET /api/v1/invitations/:token). */
export interface InvitationPreview {
  kind: 'member' | 'customer'
  accountName: string
  inviterName: string | null
  inviterEmail: string | null
  level: 'admin' | 'user' | 'owner' | null
  roles: string[]
  email: string
  suggestedName: string | null
  existingUser: boolean
  expiresAt: number
}

/** One "Who accessed my account" entry. */
export interface AccessLogEntry {
  id: string
  impersonator: { email: string; name: string }
  accountId: string
  accountName: string
  reason: string
  startedAt: number
  endedAt: number | null
  expiresAt: number
  endReason: 'exit' | 'logout' | 'expired' | null
}

/** A message of the development outbox. */
export interface OutboxMessage {
  id: string
  to: string
  subject: string
  text: string
  html: string | null
  createdAt: number
}
