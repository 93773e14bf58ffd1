import { z } from '@hono/zod-openapi'
import { visitStatuses } from '../../../db/schema/visits.ts'
import { mailerFor } from '../adapters/email.ts'
import { emailBrandFor } from '../domain/emails.ts'
import {
  accountRef,
  cancelVisit,
  createSite,
  createVisit,
  decideVisit,
  deleteSite,
  getSite,
  getVisit,
  listSites,
  listVisits,
  mailDecision,
  MAX_VISITORS,
  readVisitors,
  updateSite,
  visitRecipients,
  type SiteRow,
  type VisitRow,
} from '../domain/visits.ts'
import { AppError, fieldError, found } from '../errors.ts'
import type { Context } from 'hono'
import { decide, requirePermission, type Access, type AccessEnv } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { auditWithParent } from '../middleware/audit-tree.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam, accountParams } from './schemas.ts'
import { decodeTimeCursor, encodeTimeCursor } from './cursor.ts'

const SiteView = z.object({ id: z.string(), name: z.string(), address: z.string() }).openapi('Site')
const SiteBody = z.object({
  name: z.string().trim().min(1, 'Enter a name.').max(80),
  address: z.string().trim().min(1, 'Enter the address.').max(400),
})
const SiteParams = accountParams('siteId')
const VisitParams = accountParams('vid')

const VisitorView = z.object({ name: z.string(), idNumber: z.string() }).openapi('Visitor')
const VisitView = z
  .object({
    id: z.string(),
    reference: z.string(),
    account: z.object({ id: z.string(), name: z.string() }),
    parent: z.object({ id: z.string(), name: z.string() }),
    site: z.object({ id: z.string().nullable(), name: z.string(), address: z.string() }),
    date: z.string(),
    startTime: z.string(),
    endTime: z.string(),
    purpose: z.string(),
    visitors: z.array(VisitorView),
    status: z.enum(visitStatuses),
    reason: z.string().nullable(),
    requestedBy: z.string(),
    decidedBy: z.string().nullable(),
    decidedAt: z.number().nullable(),
    createdAt: z.number(),
    allowed: z.object({ decide: z.boolean(), cancel: z.boolean() }),
  })
  .openapi('Visit')

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Use the form YYYY-MM-DD.').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'Not a date.')
const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use the form HH:MM (24 hours).')

const VisitBody = z
  .object({
    siteId: z.string().min(1, 'Choose a site.').max(64),
    date: Day,
    startTime: Time,
    endTime: Time,
    purpose: z.string().trim().min(1, 'Say why you are visiting.').max(500),
    visitors: z
      .array(
        z.object({
          name: z.string().trim().min(1, 'Enter the visitor’s full name.').max(120),
          idNumber: z.string().trim().min(3, 'Enter the ID document number.').max(40).regex(/^[A-Za-z0-9 ./-]+$/, 'Use letters, digits, spaces, dots, slashes or dashes.'),
        }),
      )
      .min(1, 'Name at least one visitor.')
      .max(MAX_VISITORS, `At most ${MAX_VISITORS} visitors per request.`),
  })
  .superRefine((v, ctx) => {
    if (v.endTime <= v.startTime) ctx.addIssue({ code: 'custom', path: ['endTime'], message: 'The window must end after it starts.' })
  })

const ListQuery = z.object({
  status: z.enum(visitStatuses).optional(),
  upcoming: z.enum(['true', 'false']).optional().openapi({ description: 'Only visits on or after today still pending or approved' }),
  q: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(512).optional(),
})

const DeclineBody = z.object({ reason: z.string().trim().min(1, 'Say why the visit is declined.').max(500) })

const today = () => new Date().toISOString().slice(0, 10)
const MAX_DAYS_AHEAD = 366

const siteView = (s: SiteRow) => ({ id: s.id, name: s.name, address: s.address })

/** What the caller may do with a visit: decide it (the parent's `visitation.manage`), cancel it (the requester's `visitation.request`). */
function allowedOn(ctx: Access, v: VisitRow) {
  const open = v.status === 'pending' || v.status === 'approved'
  return {
    decide: v.status === 'pending' && ctx.account.id === v.parentId && decide(ctx, 'visitation.manage').ok,
    cancel: open && v.visitDate >= today() && ctx.account.id === v.accountId && decide(ctx, 'visitation.request').ok,
  }
}

function view(ctx: Access, v: VisitRow) {
  return {
    id: v.id,
    reference: v.reference,
    account: { id: v.accountId, name: v.accountName },
    parent: { id: v.parentId, name: v.parentName },
    site: { id: v.siteId, name: v.siteName, address: v.siteAddress },
    date: v.visitDate,
    startTime: v.startTime,
    endTime: v.endTime,
    purpose: v.purpose,
    visitors: readVisitors(v.visitors),
    status: v.status,
    reason: v.reason,
    requestedBy: v.requestedByEmail,
    decidedBy: v.decidedByEmail,
    decidedAt: v.decidedAt,
    createdAt: v.createdAt,
    allowed: allowedOn(ctx, v),
  }
}

/** What an event says of a visit: the reference, site, date and how many visitors; never their names or ID numbers. */
const summary = (v: VisitRow) => {
  const n = readVisitors(v.visitors).length
  return `${v.reference} of ${v.accountName} to ${v.siteName} on ${v.visitDate} ${v.startTime}–${v.endTime} (${n} ${n === 1 ? 'visitor' : 'visitors'})`
}
const target = (v: VisitRow) => ({ kind: 'visit', id: v.id, label: v.reference })

const listSitesRoute = route.get('/accounts/{id}/sites', 'listSites', requirePermission('visitation.view'), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ items: z.array(SiteView), allowed: z.object({ manage: z.boolean() }) }), 'Sites') },
})
const createSiteRoute = route.post('/accounts/{id}/sites', 'createSite', requirePermission('visitation.manage', { kinds: ['platform', 'reseller'], detail: 'Customers have no sites.' }), {
  request: { params: AccountParam, body: body(SiteBody) }, responses: { 201: json(z.object({ site: SiteView }), 'Created'), ...problems(409) },
})
const updateSiteRoute = route.patch('/accounts/{id}/sites/{siteId}', 'updateSite', requirePermission('visitation.manage', { kinds: ['platform', 'reseller'], detail: 'Customers have no sites.' }), {
  request: { params: SiteParams, body: body(SiteBody.partial()) }, responses: { 200: json(z.object({ site: SiteView }), 'Updated'), ...problems(409) },
})
const deleteSiteRoute = route.delete('/accounts/{id}/sites/{siteId}', 'deleteSite', requirePermission('visitation.manage', { kinds: ['platform', 'reseller'], detail: 'Customers have no sites.' }), {
  request: { params: SiteParams }, responses: { 204: { description: 'Deleted' }, ...problems(409) },
})
const listVisitSitesRoute = route.get('/accounts/{id}/visit-sites', 'listVisitSites', requirePermission(['visitation.request', 'visitation.view']), {
  request: { params: AccountParam }, responses: { 200: json(z.object({ items: z.array(SiteView), parent: z.object({ id: z.string(), name: z.string() }).nullable() }), 'Sites') },
})
const listVisitsRoute = route.get('/accounts/{id}/visits', 'listVisits', requirePermission('visitation.view'), {
  request: { params: AccountParam, query: ListQuery }, responses: { 200: json(z.object({ items: z.array(VisitView), nextCursor: z.string().nullable() }), 'One page') },
})
const requestVisitRoute = route.post('/accounts/{id}/visits', 'requestVisit', requirePermission('visitation.request'), {
  request: { params: AccountParam, body: body(VisitBody) }, responses: { 201: json(z.object({ visit: VisitView }), 'Requested') },
})
const getVisitRoute = route.get('/accounts/{id}/visits/{vid}', 'getVisit', requirePermission('visitation.view'), {
  request: { params: VisitParams }, responses: { 200: json(z.object({ visit: VisitView }), 'The visit') },
})
const approveVisitRoute = route.post('/accounts/{id}/visits/{vid}/approve', 'approveVisit', requirePermission('visitation.manage'), {
  request: { params: VisitParams }, responses: { 200: json(z.object({ visit: VisitView }), 'Approved'), ...problems(409) },
})
const declineVisitRoute = route.post('/accounts/{id}/visits/{vid}/decline', 'declineVisit', requirePermission('visitation.manage'), {
  request: { params: VisitParams, body: body(DeclineBody) }, responses: { 200: json(z.object({ visit: VisitView }), 'Declined'), ...problems(409) },
})
const cancelVisitRoute = route.post('/accounts/{id}/visits/{vid}/cancel', 'cancelVisit', requirePermission('visitation.request'), {
  request: { params: VisitParams }, responses: { 200: json(z.object({ visit: VisitView }), 'Cancelled'), ...problems(409) },
})

export const visitsRouter = createRouter('Visitation')
  .openapi(listSitesRoute, async (c) => {
    const ctx = c.var.access
    const items = await listSites(c.var.db, ctx.account.id)
    return c.json({ items: items.map(siteView), allowed: { manage: ctx.account.kind !== 'customer' && decide(ctx, 'visitation.manage').ok } }, 200)
  })
  .openapi(createSiteRoute, async (c) => {
    const ctx = c.var.access
    const site = await createSite(c.var.db, ctx.account.id, c.req.valid('json'))
    await audit(c, ctx.account, { type: 'site_created', target: { kind: 'site', id: site.id, label: site.name }, description: `${ctx.principal.user.email} added the site ${site.name}` })
    return c.json({ site: siteView(site) }, 201)
  })
  .openapi(updateSiteRoute, async (c) => {
    const ctx = c.var.access
    const { siteId } = c.req.valid('param')
    found(await getSite(c.var.db, ctx.account.id, siteId), 'No site with that id.')
    const site = await updateSite(c.var.db, ctx.account.id, siteId, c.req.valid('json'))
    await audit(c, ctx.account, { type: 'site_updated', target: { kind: 'site', id: site.id, label: site.name }, description: `${ctx.principal.user.email} changed the site ${site.name}` })
    return c.json({ site: siteView(site) }, 200)
  })
  .openapi(deleteSiteRoute, async (c) => {
    const ctx = c.var.access
    const { siteId } = c.req.valid('param')
    const site = found(await getSite(c.var.db, ctx.account.id, siteId), 'No site with that id.')
    await deleteSite(c.var.db, ctx.account.id, siteId, today())
    await audit(c, ctx.account, { type: 'site_deleted', target: { kind: 'site', id: site.id, label: site.name }, description: `${ctx.principal.user.email} deleted the site ${site.name}` })
    return c.body(null, 204)
  })
  .openapi(listVisitSitesRoute, async (c) => {
    const ctx = c.var.access
    if (!ctx.account.parentId) return c.json({ items: [], parent: null }, 200)
    const parent = (await accountRef(c.var.db, ctx.account.parentId))!
    return c.json({ items: (await listSites(c.var.db, parent.id)).map(siteView), parent: { id: parent.id, name: parent.name } }, 200)
  })
  .openapi(listVisitsRoute, async (c) => {
    const ctx = c.var.access
    const q = c.req.valid('query')
    const page = await listVisits(c.var.db, {
      accountId: ctx.account.id,
      status: q.status,
      upcoming: q.upcoming === 'true',
      today: today(),
      q: q.q,
      limit: q.limit,
      after: q.cursor ? decodeTimeCursor(q.cursor) : undefined,
    })
    return c.json({ items: page.items.map((v) => view(ctx, v)), nextCursor: page.next ? encodeTimeCursor(page.next) : null }, 200)
  })
  .openapi(requestVisitRoute, async (c) => {
    const ctx = c.var.access
    const input = c.req.valid('json')
    const now = today()
    if (input.date < now) throw fieldError('validation_failed', 'date', 'The visit cannot be in the past.')
    const latest = new Date(Date.now() + MAX_DAYS_AHEAD * 86_400_000).toISOString().slice(0, 10)
    if (input.date > latest) throw fieldError('validation_failed', 'date', 'Ask at most a year ahead.')
    if (!ctx.account.parentId) throw new AppError('forbidden', 'The platform has no parent to visit.')
    const id = await createVisit(c.var.db, { id: ctx.account.id, parentId: ctx.account.parentId }, { id: ctx.principal.user.id, email: ctx.principal.user.email }, {
      siteId: input.siteId,
      visitDate: input.date,
      startTime: input.startTime,
      endTime: input.endTime,
      purpose: input.purpose,
      visitors: input.visitors,
    })
    const visit = (await getVisit(c.var.db, ctx.account.id, id))!
    await auditWithParent(c, ctx.account, { type: 'visit_requested', target: target(visit), description: `${ctx.principal.user.email} requested the visit ${summary(visit)}` })
    return c.json({ visit: view(ctx, visit) }, 201)
  })
  .openapi(getVisitRoute, async (c) => {
    const ctx = c.var.access
    const visit = found(await getVisit(c.var.db, ctx.account.id, c.req.valid('param').vid), 'No visit with that id.')
    return c.json({ visit: view(ctx, visit) }, 200)
  })
  .openapi(approveVisitRoute, async (c) => c.json({ visit: view(c.var.access, await decided(c, c.req.valid('param').vid, 'approved', null)) }, 200))
  .openapi(declineVisitRoute, async (c) => c.json({ visit: view(c.var.access, await decided(c, c.req.valid('param').vid, 'declined', c.req.valid('json').reason)) }, 200))
  .openapi(cancelVisitRoute, async (c) => {
    const ctx = c.var.access
    const { vid } = c.req.valid('param')
    const visit = found(await getVisit(c.var.db, ctx.account.id, vid), 'No visit with that id.')
    if (visit.accountId !== ctx.account.id) throw new AppError('forbidden', 'Only the account that asked for the visit may cancel it.')
    await cancelVisit(c.var.db, ctx.account.id, vid, ctx.principal.user.email, today())
    const after = (await getVisit(c.var.db, ctx.account.id, vid))!
    await auditWithParent(c, ctx.account, { type: 'visit_cancelled', target: target(after), description: `${ctx.principal.user.email} cancelled the visit ${summary(after)}` })
    return c.json({ visit: view(ctx, after) }, 200)
  })

/** Approve or decline: the visit must be asked of this account's sites; then the event in both logs and the emails. */
async function decided(c: Context<AccessEnv>, vid: string, status: 'approved' | 'declined', reason: string | null) {
  const ctx = c.var.access
  const visit = found(await getVisit(c.var.db, ctx.account.id, vid), 'No visit with that id.')
  if (visit.parentId !== ctx.account.id) throw new AppError('forbidden', 'Only the account whose site it is may decide this visit.')
  await decideVisit(c.var.db, ctx.account.id, vid, { status, reason, by: ctx.principal.user.email })
  const after = (await getVisit(c.var.db, ctx.account.id, vid))!
  const customer = (await accountRef(c.var.db, after.accountId))!
  await auditWithParent(c, customer, {
    type: status === 'approved' ? 'visit_approved' : 'visit_declined',
    target: target(after),
    description: `${ctx.principal.user.email} ${status} the visit ${summary(after)}`,
  })
  try {
    const recipients = await visitRecipients(c.var.db, customer, after.requestedByEmail)
    await mailDecision(c.var.db, mailerFor(c.env, c.var.db), await emailBrandFor(c.var.db, customer.path, c.env.PUBLIC_ORIGIN), recipients, after)
  } catch (error) {
    // The decision and its event are durable; a failed email must not fail the request (rule 17).
    console.error('visit decision email failed', error)
  }
  return after
}
