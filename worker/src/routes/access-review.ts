import { z } from '@hono/zod-openapi'
import { permissions } from '../authz/catalogue.ts'
import type { Reviewer } from '../authz/review.ts'
import {
  applyRemovals,
  isChangedWhileApplying,
  membershipOfLine,
  REVIEW_MAX_DECISIONS,
  REVIEW_PAGE_ACCOUNTS,
  reviewAccounts,
  reviewCsv,
  reviewLines,
  type ReviewLine,
} from '../domain/access-review.ts'
import { liveMemberRemoved, liveRightsChanged } from '../domain/live.ts'
import { ScopeSchema } from '../domain/scope.ts'
import { AppError, fieldError } from '../errors.ts'
import { localizeSentence } from '../i18n/field-messages.ts'
import { peopleOnly, requirePermission, type Access } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam } from './schemas.ts'

const Kind = z.enum(['member', 'role', 'api_key', 'inherited', 'partner_access'])

const ReviewLineView = z
  .object({
    id: z.string(),
    accountId: z.string(),
    kind: Kind,
    version: z.string(),
    principal: z.object({ type: z.enum(['person', 'api_key', 'partner']), id: z.string(), name: z.string(), email: z.string().nullable() }),
    level: z.enum(['owner', 'admin', 'user']).nullable(),
    roles: z.array(z.object({ id: z.string(), name: z.string() })),
    scope: ScopeSchema.nullable(),
    permissions: z.array(z.enum(permissions as [string, ...string[]])),
    through: z.object({ id: z.string(), name: z.string() }).nullable(),
    service: z.object({ id: z.string(), name: z.string(), type: z.string() }).nullable(),
    removable: z.boolean(),
    reason: z.string().nullable(),
    removal: z.string(),
  })
  .openapi('AccessReviewLine')

const ReviewAccountView = z.object({ id: z.string(), name: z.string(), kind: z.enum(['platform', 'reseller', 'customer']), parentId: z.string().nullable() }).openapi('AccessReviewAccount')

const ReviewQuery = z.object({
  cursor: z.string().max(2000).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(REVIEW_PAGE_ACCOUNTS),
})

const Decision = z.object({
  line: z.string().min(1).max(200),
  accountId: z.string().min(1).max(64),
  version: z.string().min(1).max(64),
  keep: z.boolean(),
})

const ApplyReview = z
  .object({ decisions: z.array(Decision).min(1, 'Mark at least one line.').max(REVIEW_MAX_DECISIONS) })
  .openapi('ApplyAccessReview')

const ReviewResult = z
  .object({
    kept: z.number().int(),
    removed: z.number().int(),
    removedLines: z.array(z.object({ id: z.string(), accountId: z.string(), kind: Kind, removal: z.string() })),
  })
  .openapi('AccessReviewResult')

const reviewerOf = (ctx: Access): Reviewer => ({ grants: ctx.grants, ceiling: ctx.ceiling, self: { id: ctx.principal.user.id } })

const encode = (path: string) => btoa(encodeURIComponent(path))
function decode(raw: string, root: string) {
  try {
    const path = decodeURIComponent(atob(raw))
    if (path.startsWith(root)) return path
  } catch {
    // answered below
  }
  throw fieldError('validation_failed', 'cursor', 'Not a cursor returned by this API.')
}

const personOnly = () => peopleOnly('An access review is a person’s attestation; an API key cannot run one.')

const getAccessReviewRoute = route.get('/accounts/{id}/access-review', 'getAccessReview', [personOnly(), requirePermission('staff.manage')], {
  request: { params: AccountParam, query: ReviewQuery }, responses: { 200: json(z.object({ accounts: z.array(ReviewAccountView), lines: z.array(ReviewLineView), nextCursor: z.string().nullable() }), 'One page of the review') },
})
const exportAccessReviewRoute = route.get('/accounts/{id}/access-review/export', 'exportAccessReview', [personOnly(), requirePermission('staff.manage')], {
  request: { params: AccountParam }, responses: { 200: { description: 'The CSV file', content: { 'text/csv': { schema: z.string() } } } },
})
const applyAccessReviewRoute = route.post('/accounts/{id}/access-review', 'applyAccessReview', [personOnly(), requirePermission('staff.manage')], {
  request: { params: AccountParam, body: body(ApplyReview) }, responses: { 200: json(ReviewResult, 'Applied'), ...problems(409) },
})

export const accessReview = createRouter('Staff')
  .openapi(getAccessReviewRoute, async (c) => {
    const ctx = c.var.access
    const q = c.req.valid('query')
    const page = await reviewAccounts(c.var.db, ctx.account, { limit: q.limit, after: q.cursor ? decode(q.cursor, ctx.account.path) : null })
    const lines = await reviewLines(c.var.db, reviewerOf(ctx), ctx.account, page.accounts)
    return c.json(
      {
        accounts: page.accounts.map((a) => ({ id: a.id, name: a.name, kind: a.kind, parentId: a.parentId })),
        // Why a line cannot be removed, in the reader's language (the CSV keeps the English record).
        lines: lines.map((l) => (l.reason ? { ...l, reason: localizeSentence(l.reason) } : l)),
        nextCursor: page.next ? encode(page.next) : null,
      },
      200,
    )
  })
  .openapi(exportAccessReviewRoute, async (c) => {
    const ctx = c.var.access
    const day = new Date().toISOString().slice(0, 10)
    const slug = ctx.account.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'account'
    return new Response(reviewCsv(c.var.db, reviewerOf(ctx), ctx.account), {
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="access-review-${slug}-${day}.csv"`,
        'cache-control': 'no-store',
      },
    })
  })
  .openapi(applyAccessReviewRoute, async (c) => {
    const ctx = c.var.access
    if (ctx.ceiling) throw new AppError('impersonation_restricted', 'A review is applied by the reviewer in person, not while acting as someone else.')
    const { decisions } = c.req.valid('json')
    const ids = [...new Set(decisions.map((d) => d.accountId))]
    const { accounts } = await reviewAccounts(c.var.db, ctx.account, { limit: ids.length, ids })
    if (accounts.length !== ids.length) throw new AppError('not_found', 'No account with that id in this tree.')
    const current = new Map((await reviewLines(c.var.db, reviewerOf(ctx), ctx.account, accounts)).map((l) => [l.id, l]))
    const seen = new Set<string>()
    const stale = decisions.filter((d) => {
      const line = current.get(d.line)
      const dup = seen.has(d.line)
      seen.add(d.line)
      return dup || !line || line.accountId !== d.accountId || line.version !== d.version
    })
    if (stale.length) {
      throw new AppError('review_stale', `${stale.length} of the lines changed since they were listed; nothing was applied. Reload the review.`, { lines: stale.map((d) => d.line) })
    }
    const removals = decisions.filter((d) => !d.keep).map((d) => current.get(d.line)!)
    const refused = removals.filter((l) => !l.removable)
    if (refused.length) {
      throw new AppError('forbidden', `You may not remove ${refused.length === 1 ? 'this line' : `${refused.length} of these lines`}: ${refused[0]!.reason}`, { lines: refused.map((l) => l.id) })
    }
    try {
      await applyRemovals(c.var.db, removals)
    } catch (error) {
      if (isChangedWhileApplying(error)) {
        throw new AppError('review_stale', 'A member changed while the review was applied; nothing was applied. Reload the review.', { lines: removals.map((l) => l.id) })
      }
      throw error
    }
    // Rights end everywhere at once (rule 15): the sockets of removed members end, those whose roles shrank reconnect.
    for (const line of removals) {
      const membershipId = membershipOfLine(line)
      if (line.kind === 'member' && membershipId) await liveMemberRemoved(c.env, c.var.db, { id: membershipId, userId: line.principal.id })
    }
    const narrowed = [...new Set(removals.filter((l) => l.kind === 'role').map((l) => membershipOfLine(l)!))]
    await liveRightsChanged(c.env, c.var.db, narrowed)
    const byId = new Map(accounts.map((a) => [a.id, a]))
    const me = ctx.principal.user.email
    for (const line of removals) await audit(c, byId.get(line.accountId)!, removalEvent(line, me, byId.get(line.accountId)!.name))
    const kept = decisions.length - removals.length
    await audit(c, ctx.account, {
      type: 'access_reviewed',
      target: { kind: 'account', id: ctx.account.id, label: ctx.account.name },
      description: reviewDescription(me, ctx.account.name, kept, removals),
    })
    return c.json({ kept, removed: removals.length, removedLines: removals.map((l) => ({ id: l.id, accountId: l.accountId, kind: l.kind, removal: l.removal })) }, 200)
  })

/** The event a removal writes in its own account: the one its direct route writes. */
function removalEvent(line: ReviewLine, me: string, accountName: string) {
  const who = line.principal.email ?? line.principal.name
  switch (line.kind) {
    case 'member':
      return {
        type: 'member_deleted' as const,
        target: { kind: 'member', id: membershipOfLine(line)!, label: who },
        subject: { id: line.principal.id, email: who },
        description: `${me} removed ${who} from ${accountName} in an access review`,
      }
    case 'role':
      return {
        type: 'update_user_permissions' as const,
        target: { kind: 'member', id: membershipOfLine(line)!, label: who },
        subject: { id: line.principal.id, email: who },
        description: `${me} took the role ${line.roles[0]?.name ?? ''} away from ${who} in ${accountName} in an access review`,
      }
    case 'api_key':
      return {
        type: 'api_key_revoked' as const,
        target: { kind: 'api_key', id: line.principal.id, label: line.principal.name },
        description: `${me} revoked the API key “${line.principal.name}” in an access review`,
      }
    default:
      return {
        type: 'update_configuration' as const,
        target: { kind: 'service', id: line.service?.id ?? line.id, label: line.service?.name ?? '' },
        description: `${me} turned partner access off for ${line.service?.name ?? 'a service'} in an access review`,
      }
  }
}

/** The review's own event: who, where, the counts, and every line removed (as many as fit). */
export function reviewDescription(me: string, accountName: string, kept: number, removals: readonly ReviewLine[]) {
  const head = `${me} reviewed access in ${accountName}: ${kept} kept, ${removals.length} removed`
  if (!removals.length) return head
  const parts = removals.map((l) => l.removal)
  let text = `${head}. Applied: `
  for (let i = 0; i < parts.length; i++) {
    const rest = parts.length - i
    const next = `${i ? '; ' : ''}${parts[i]}`
    if (text.length + next.length > 940) return `${text}; and ${rest} more`
    text += next
  }
  return text
}
