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
}

export interface Me {
  user: User
  accounts: MemberAccount[]
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

export interface MembersPage {
  items: Member[]
  admins: { count: number; cap: number }
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

export interface ServiceFacets {
  groups: { id: string; name: string }[]
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
