import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { except } from 'hono/combine'
import { HTTPException } from 'hono/http-exception'
import { secureHeaders } from 'hono/secure-headers'
import { createDb } from './db.ts'
import type { AppEnv, Bindings } from './env.ts'
import { AppError, DomainError, problemResponse } from './errors.ts'
import { brand } from './middleware/brand.ts'
import { getCookie } from 'hono/cookie'
import { isLocale, LOCALE_COOKIE, pickLocale, withLocale } from './i18n/locale.ts'
import { clientIp } from './middleware/client-ip.ts'
import { csrf } from './middleware/csrf.ts'
import { domainProblem } from './middleware/domain-problem.ts'
import { session } from './middleware/session.ts'
import { createRouter } from './openapi.ts'
import { scheduledWork } from './scheduled.ts'
import { accounts } from './routes/accounts.ts'
import { activity } from './routes/activity.ts'
import { apiKeyRoutes } from './routes/api-keys.ts'
import { backupsRouter, isBackupUpload } from './routes/backups.ts'
import { auth } from './routes/auth.ts'
import { brandsRouter, isLogoUpload } from './routes/brands.ts'
import { catalogue } from './routes/catalogue.ts'
import { dev } from './routes/dev.ts'
import { docs } from './routes/docs.ts'
import { health } from './routes/health.ts'
import { hostnamesRouter } from './routes/hostnames.ts'
import { senderDomainsRouter } from './routes/sender-domains.ts'
import { integrationsRouter } from './routes/integrations.ts'
import { impersonationRoutes } from './routes/impersonation.ts'
import { invitationRoutes } from './routes/invitations.ts'
import { me } from './routes/me.ts'
import { recovery } from './routes/recovery.ts'
import { sessionRoutes } from './routes/sessions.ts'
import { notificationRoutes } from './routes/notifications.ts'
import { inboxRoutes } from './routes/inbox.ts'
import { supportRoutes } from './routes/support.ts'
import { members } from './routes/members.ts'
import { accessPreview } from './routes/access-preview.ts'
import { accessReview } from './routes/access-review.ts'
import { customers } from './routes/customers.ts'
import { dashboard } from './routes/dashboard.ts'
import { search } from './routes/search.ts'
import { customerLifecycle, resellerLifecycle } from './routes/lifecycle.ts'
import { resellers } from './routes/resellers.ts'
import { templates } from './routes/templates.ts'
import { roles } from './routes/roles.ts'
import { servicesRouter } from './routes/services.ts'
import { visitsRouter } from './routes/visits.ts'
import { transfersRouter } from './routes/transfers.ts'
import { serviceGroupsRouter } from './routes/service-groups.ts'
import { security } from './routes/security.ts'
import { settingsRouter } from './routes/settings.ts'
import { signInSteps } from './routes/sign-in-steps.ts'
import { twoFactor } from './routes/two-factor.ts'
import { billing } from './routes/billing.ts'
import { purchasing } from './routes/purchasing.ts'
import { ownershipRoutes } from './routes/ownership.ts'
import { customerMoveRoutes } from './routes/customer-moves.ts'
import { signupRoutes } from './routes/sign-ups.ts'
import { emailDomainsRouter } from './routes/email-domains.ts'

const MAX_BODY = 64 * 1024

export const api = createRouter()
  .basePath('/api/v1')
  .route('/', health)
  .route('/', auth)
  .route('/', recovery)
  .route('/', signInSteps)
  .route('/', twoFactor)
  .route('/', security)
  .route('/', me)
  .route('/', sessionRoutes)
  .route('/', accounts)
  .route('/', dashboard)
  .route('/', search)
  .route('/', members)
  .route('/', accessPreview)
  .route('/', accessReview)
  .route('/', roles)
  .route('/', servicesRouter)
  .route('/', serviceGroupsRouter)
  .route('/', activity)
  .route('/', catalogue)
  .route('/', resellers)
  .route('/', customers)
  .route('/', resellerLifecycle)
  .route('/', customerLifecycle)
  .route('/', templates)
  .route('/', invitationRoutes)
  .route('/', impersonationRoutes)
  .route('/', notificationRoutes)
  .route('/', inboxRoutes)
  .route('/', supportRoutes)
  .route('/', brandsRouter)
  .route('/', hostnamesRouter)
  .route('/', senderDomainsRouter)
  .route('/', integrationsRouter)
  .route('/', apiKeyRoutes)
  .route('/', visitsRouter)
  .route('/', transfersRouter)
  .route('/', backupsRouter)
  .route('/', settingsRouter)
  .route('/', billing)
  .route('/', purchasing)
  .route('/', ownershipRoutes)
  .route('/', customerMoveRoutes)
  .route('/', signupRoutes)
  .route('/', emailDomainsRouter)

// How to call the API: the portal's session cookie, or an account's API key as a Bearer token.
api.openAPIRegistry.registerComponent('securitySchemes', 'session', {
  type: 'apiKey',
  in: 'cookie',
  name: 'trellis_session',
  description: 'The portal session (set by POST /api/v1/auth/login). State-changing requests must come from the portal origin.',
})
api.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'trl_…',
  description:
    'An API key of one account (Security → API keys), sent as `Authorization: Bearer trl_…`. It acts in that account and the accounts below it with the level, roles and scope chosen when it was created, through the same checks as a person. Cookies are ignored and the origin check does not apply on these requests. Routes that are a person\'s own (profile, sessions, impersonation, creating keys) answer 403 `api_key_forbidden`.',
})

const app = new Hono<AppEnv>()

app.use('*', secureHeaders({ referrerPolicy: 'strict-origin-when-cross-origin', xFrameOptions: 'DENY', crossOriginResourcePolicy: false }))
// Same-origin unless a route says otherwise (public brand logos are embedded by emails).
app.use('*', async (c, next) => {
  await next()
  if (!c.res.headers.has('cross-origin-resource-policy')) c.res.headers.set('cross-origin-resource-policy', 'same-origin')
})
app.use('/api/*', async (c, next) => {
  c.set('db', createDb(c.env.DB))
  await next()
})
// Host → brand, before anything that answers (login checks which portal it is on).
app.use('/api/*', brand())
// The language of problem titles and emails sent on the request's behalf (decision 034).
app.use('/api/*', (c, next) => withLocale(pickLocale(getCookie(c, LOCALE_COOKIE), c.var.hostBrand.brand.defaultLocale, c.req.header('accept-language')), next))
app.use(
  '/api/*',
  // Logo uploads carry an image, backup restores an archive: each has its own limit (routes/brands.ts, routes/backups.ts).
  except((c) => isLogoUpload(c) || isBackupUpload(c), bodyLimit({
    maxSize: MAX_BODY,
    onError: () => {
      throw new AppError('payload_too_large', `The request body is larger than ${MAX_BODY / 1024} KB.`)
    },
  })),
)
app.use('/api/*', clientIp(), csrf(), session())
// A signed-in person's saved language comes before the portal's and the browser's (a choice on
// this browser — the cookie — still comes first).
app.use('/api/*', (c, next) => {
  const saved = c.var.principal?.locale
  return saved && !isLocale(getCookie(c, LOCALE_COOKIE)) ? withLocale(saved, next) : next()
})

app.route('/', api)
app.route('/api', docs(api))
app.route('/api/dev', dev)

app.notFound(() => problemResponse(new AppError('not_found', 'No such route.')))

app.onError(async (err, c) => {
  if (err instanceof AppError) return problemResponse(err)
  // Refusals from the domain (limits, races, names taken) become problems here and nowhere else.
  if (err instanceof DomainError) return problemResponse(await domainProblem(c.var.db, err))
  if (err instanceof HTTPException) {
    if (err.status === 400 && /json/i.test(err.message))
      return problemResponse(new AppError('malformed_json', 'body: The request body is not valid JSON.', { errors: [{ field: 'body', message: 'Not valid JSON.' }] }))
    if (err.status === 415)
      return problemResponse(new AppError('unsupported_media_type', 'body: Send the request body as application/json.', { errors: [{ field: 'body', message: 'Expected application/json.' }] }))
    return problemResponse(new AppError('validation_failed', err.message || 'The request is not valid.'))
  }
  console.error('unhandled error', err)
  return problemResponse(new AppError('internal'))
})

/** HTTP through Hono; the daily Cron Trigger purges, prunes and re-checks, the 5-minute one sends queued mail (scheduled.ts). */
export default {
  fetch: app.fetch,
  scheduled: (controller, env, ctx) => ctx.waitUntil(scheduledWork(env, controller.cron, controller.scheduledTime)),
} satisfies ExportedHandler<Bindings>
export { ActivityLog } from './durable/activity-log.ts'
export { LiveRelay } from './durable/live-relay.ts'
