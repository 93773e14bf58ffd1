import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import { getAccount } from '../domain/accounts.ts'
import { decodeArchive, MAX_UPLOAD_BYTES, parseArchive } from '../domain/backup-archive.ts'
import { applyRestore, backupCounts, backupLines, gzipLines, planRestore } from '../domain/backups.ts'
import { sendInvitationEmail } from '../domain/invitation-emails.ts'
import type { DB } from '../db.ts'
import type { AppEnv } from '../env.ts'
import { AppError } from '../errors.ts'
import { localizeSentence } from '../i18n/field-messages.ts'
import { authorize, requirePermission, type Access } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { answers, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam } from './schemas.ts'

const RootQuery = z.object({ root: z.string().min(1).max(64).optional() })

const Counts = z
  .object({ accounts: z.number().int(), templates: z.number().int(), roles: z.number().int(), groups: z.number().int(), services: z.number().int(), members: z.number().int(), brands: z.number().int(), hostnames: z.number().int() })
  .openapi('BackupCounts')

const RestoreSummary = z
  .object({
    root: z.object({ id: z.string(), name: z.string(), kind: z.enum(['reseller', 'customer']) }),
    replaces: z.object({ id: z.string(), name: z.string() }).nullable(),
    accounts: z.number().int(),
    roles: z.number().int(),
    groups: z.number().int(),
    services: z.number().int(),
    members: z.number().int(),
    invitations: z.number().int(),
    brands: z.number().int(),
    hostnames: z.number().int(),
    skipped: z.array(z.string()),
  })
  .openapi('RestoreSummary')

/** The restore upload route, which takes up to MAX_UPLOAD_BYTES instead of the JSON body limit. */
export function isBackupUpload<E extends AppEnv>(c: Context<E>): boolean {
  return c.req.method === 'POST' && /^\/api\/v1\/accounts\/[^/]+\/backups\/restore$/.test(c.req.path)
}

const tooLarge = (message: string) => new AppError('payload_too_large', `body: ${message}`, { errors: [{ field: 'body', message }] })

const uploadLimit = answers(
  createMiddleware<AppEnv>((c, next) =>
    bodyLimit({
      maxSize: MAX_UPLOAD_BYTES,
      onError: () => {
        throw tooLarge(`The archive is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB.`)
      },
    })(c, next),
  ),
  413,
)

/** The account a backup is taken of: the route's account (never the platform itself) or one below it. */
async function rootOf(db: DB, ctx: Access, rootId: string | undefined) {
  const root = rootId === undefined || rootId === ctx.account.id ? ctx.account : await getAccount(db, rootId)
  if (!root || !root.path.startsWith(ctx.account.path)) throw new AppError('not_found', 'root: No account with that id below this one.', { errors: [{ field: 'root', message: 'No account with that id below this one.' }] })
  if (root.kind === 'platform') throw new AppError('validation_failed', 'root: Back up a reseller or a customer; the platform itself is not exported.', { errors: [{ field: 'root', message: 'Choose a reseller or a customer.' }] })
  return root
}

const fileName = (name: string, at: number) =>
  `trellis-backup-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'account'}-${new Date(at).toISOString().slice(0, 10)}.ndjson.gz`

const previewBackupRoute = route.get('/accounts/{id}/backups/preview', 'previewBackup', requirePermission('backups.view'), {
  request: { params: AccountParam, query: RootQuery }, responses: { 200: json(z.object({ root: z.object({ id: z.string(), name: z.string(), kind: z.enum(['reseller', 'customer']) }), counts: Counts, total: z.number().int() }), 'The counts') },
})
const exportBackupRoute = route.get('/accounts/{id}/backups/export', 'exportBackup', requirePermission('backups.view'), {
  request: { params: AccountParam, query: RootQuery }, responses: { 200: { description: 'The archive', content: { 'application/gzip': { schema: z.string().openapi({ format: 'binary' }) } } }, ...problems(422) },
})
const restoreBackupRoute = route.post('/accounts/{id}/backups/restore', 'restoreBackup', [requirePermission('backups.manage'), uploadLimit], {
  request: { params: AccountParam, query: z.object({ dryRun: z.enum(['true', 'false']).default('false') }) }, responses: { 200: json(z.object({ dryRun: z.literal(true), summary: RestoreSummary }), 'What a restore would write'), 201: json(z.object({ dryRun: z.literal(false), summary: RestoreSummary }), 'Restored'), ...problems(409, 413, 422) },
})

export const backupsRouter = createRouter('Backups')
  .openapi(previewBackupRoute, async (c) => {
    const ctx = c.var.access
    const root = await rootOf(c.var.db, ctx, c.req.valid('query').root)
    const { counts, total } = await backupCounts(c.var.db, root)
    return c.json({ root: { id: root.id, name: root.name, kind: root.kind as 'reseller' | 'customer' }, counts, total }, 200)
  })
  .openapi(exportBackupRoute, async (c) => {
    const ctx = c.var.access
    const root = await rootOf(c.var.db, ctx, c.req.valid('query').root)
    const now = Date.now()
    const backup = await backupLines(c.var.db, root, now)
    if (backup.tooBig) throw new AppError('limit_reached', `The subtree of ${root.name} needs ${backup.total} lines; a backup holds at most 20,000. Back up its customers one by one.`, { limit: 'backup_lines' })
    await audit(c, ctx.account, {
      type: 'backup_machine_data',
      target: { kind: 'account', id: root.id, label: root.name },
      description: `${ctx.principal.user.email} exported a backup of ${root.name} (${backup.counts.accounts} accounts, ${backup.counts.services} services, ${backup.counts.members} members)`,
    })
    return new Response(gzipLines(backup.lines), {
      status: 200,
      headers: {
        'content-type': 'application/gzip',
        'content-disposition': `attachment; filename="${fileName(root.name, now)}"`,
        'cache-control': 'no-store',
        'x-backup-lines': String(backup.total),
      },
    })
  })
  .openapi(restoreBackupRoute, async (c) => {
    const ctx = c.var.access
    const { dryRun } = c.req.valid('query')
    const decoded = await decodeArchive(new Uint8Array(await c.req.arrayBuffer()))
    if (!decoded.ok) {
      if (decoded.tooLarge) throw tooLarge(decoded.message)
      throw new AppError('validation_failed', `body: ${decoded.message}`, { errors: [{ field: 'body', message: decoded.message }] })
    }
    const parsed = parseArchive(decoded.text)
    if (!parsed.ok) throw new AppError('validation_failed', parsed.errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors: parsed.errors })
    const { archive } = parsed
    authorize(ctx, archive.header.root.kind === 'reseller' ? 'resellers.manage' : 'customers.manage')
    const target = ctx.account
    const planned = await planRestore(c.var.db, archive, {
      target: { id: target.id, path: target.path, kind: target.kind, name: target.name },
      grants: ctx.grants,
      ceiling: ctx.ceiling,
      viaPath: ctx.via.path,
      inviterId: ctx.principal.apiKey ? null : ctx.principal.user.id,
      platformHostnames: c.env.PLATFORM_HOSTNAMES,
    })
    if (!planned.ok) throw new AppError(planned.code, planned.detail, { errors: planned.errors })
    const { plan } = planned
    // What is left out, in the reader's language.
    const summary = { ...plan.summary, skipped: plan.summary.skipped.map(localizeSentence) }
    if (dryRun === 'true') return c.json({ dryRun: true as const, summary }, 200)
    const outcome = await applyRestore(c.var.db, plan)
    if (outcome === 'limit') throw new AppError('limit_reached', `${target.name} reached one of its limits while the backup was being restored; nothing was restored.`)
    if (outcome === 'clash') throw new AppError('conflict', 'Something in the backup was created elsewhere while it was being restored; nothing was restored. Try again to see what clashes.')
    const s = plan.summary
    await audit(c, target, {
      type: 'backup_machine_data',
      target: { kind: 'account', id: s.root.id, label: s.root.name },
      description: `${ctx.principal.user.email} restored ${s.root.name} from a backup${s.replaces ? ' (replacing its deleted copy)' : ''}: ${s.accounts} accounts, ${s.services} services, ${s.members} members, ${s.invitations} invited`,
    })
    for (const inv of plan.invitations) {
      await sendInvitationEmail(c.env, c.var.db, { name: inv.accountName, path: inv.accountPath }, ctx.principal.user, { email: inv.email, kind: 'member', level: inv.level, expiresAt: inv.expiresAt }, inv.token)
    }
    return c.json({ dryRun: false as const, summary }, 201)
  })
