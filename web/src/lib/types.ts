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
