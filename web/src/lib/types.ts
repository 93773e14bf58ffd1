/**
 * The API's shapes under the names the web app uses. Every type here is read
 * from the generated contract (lib/api/openapi.ts, from the API's OpenAPI
 * document; decision record 012), never written out by hand — except the
 * page filters, which are the web app's own query strings, and the live
 * socket's frames, which OpenAPI does not describe.
 */
import type { components, paths } from './api/openapi'

/** The API's named schemas. */
export type Schemas = components['schemas']

type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never
type Operation<P extends keyof paths, M extends keyof paths[P]> = paths[P][M]

/** The JSON body of an operation's successful answer (200 unless told). */
type ResponseOf<P extends keyof paths, M extends keyof paths[P], S extends number = 200> =
  Operation<P, M> extends { responses: infer R } ? (S extends keyof R ? Json<R[S]> : never) : never

/** The JSON body an operation takes. */
export type BodyOf<P extends keyof paths, M extends keyof paths[P]> =
  Operation<P, M> extends { requestBody?: infer B } ? Json<NonNullable<B>> : never

/** The query parameters an operation takes. */
export type QueryOf<P extends keyof paths, M extends keyof paths[P]> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never

export type User = Schemas['User']
export type Account = Schemas['Account']
export type AccountKind = Account['kind']
export type AccountStatus = Account['status']
export type Level = Schemas['Member']['level']

/** GET /api/v1/me: the signed-in person, their accounts and any impersonation. */
type Me = ResponseOf<'/api/v1/me', 'get'>
/** An account the user is a member of, as /api/v1/me lists it. */
export type MemberAccount = Me['accounts'][number]
/** How the caller reaches an account (their level, and whether it is inherited from above). */
export type Access = ResponseOf<'/api/v1/accounts/{id}', 'get'>['access']
export type MenuItem = Schemas['MenuItem']
export type ChildrenPage = ResponseOf<'/api/v1/accounts/{id}/children', 'get'>
export type ChildAccount = Schemas['ChildAccount']

/** An RFC 9457 problem as the API sends it. */
export type Problem = Schemas['Problem']
export type Scope = Schemas['Scope']
export type ScopeMode = Scope['mode']

/** A person of an account, with what the caller may do to them (`allowed`). */
export type Member = Schemas['Member']
/** The caller's own grant here, and the permissions they may hand out. */
export type MyGrant = ResponseOf<'/api/v1/accounts/{id}/members', 'get'>['me']
export type Role = Schemas['Role']

export type Service = Schemas['Service']
export type ServiceType = Service['type']
export type ServiceStatus = Service['status']
export type ServiceFacets = ResponseOf<'/api/v1/accounts/{id}/services/facets', 'get'>
export type ServiceGroup = ServiceFacets['groups'][number]
/** A server action sent to the provisioning backend, with its outcome. */
export type ServerAction = Schemas['ServerAction']
export type ServerActionName = ServerAction['action']
export type ServiceLicense = Schemas['ServiceLicense']
/** The services list's filters, named as the API takes them. */
export type ServiceFilters = Omit<QueryOf<'/api/v1/accounts/{id}/services', 'get'>, 'limit' | 'cursor'>

export type CatalogueSection = Schemas['CatalogueSection']
export type Category = CatalogueSection['category']

export type ActivityEvent = Schemas['ActivityEvent']
export type ActivityType = ActivityEvent['type']
/** A person in an activity event. */
export type Party = NonNullable<ActivityEvent['actor']>
/** What an event is about. */
export type EventTarget = NonNullable<ActivityEvent['target']>
export type ActivityPage = ResponseOf<'/api/v1/accounts/{id}/activity', 'get'>
export type ActivityHistogram = ResponseOf<'/api/v1/accounts/{id}/activity/histogram', 'get'>
export type ActivityVerification = ResponseOf<'/api/v1/accounts/{id}/activity/verify', 'get'>

export type Impersonation = Schemas['Impersonation']
export type Invitation = Schemas['Invitation']
/** One "Who accessed my account" entry. */
export type AccessLogEntry = ResponseOf<'/api/v1/me/access-log', 'get'>['items'][number]

export type ManagedAccount = Schemas['ManagedAccount']
export type Limits = Schemas['Limits']
export type Template = Schemas['ResellerTemplate']
export type Hostname = Schemas['Hostname']
export type Integration = Schemas['Integration']
export type IntegrationDelivery = Schemas['IntegrationDelivery']
export type Brand = Schemas['Brand']

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

/** What the command palette finds in the tree. */
export type SearchResults = Schemas['SearchResults']
/** An account reached through a membership above it (for the switcher). */
export type ReachableAccount = ResponseOf<'/api/v1/me/reachable-accounts', 'get'>['items'][number]
