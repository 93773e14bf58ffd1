import { z } from '@hono/zod-openapi'
import { senderDomainStatuses, type SenderDomainRecord } from '../../../db/schema/sender-domains.ts'
import { addressOf, DEFAULT_FROM, ProviderUnavailable, senderDomainsFor } from '../adapters/email.ts'
import { brandForAccount } from '../domain/brands.ts'
import { normalizeHostname } from '../domain/hostnames.ts'
import { addSenderDomain, checkSenderDomain, getSenderDomain, removeSenderDomain, SENDER_LOCAL_PART, type SenderDomainRow } from '../domain/sender-domains.ts'
import type { Context } from 'hono'
import { AppError, fieldError } from '../errors.ts'
import { requirePermission, type AccessEnv } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { AccountParam } from './schemas.ts'

const SenderDomainView = z
  .object({
    domain: z.string(),
    /** The provider's verification state: mail leaves from `address` only once `verified`. */
    status: z.enum(senderDomainStatuses),
    /** The address mail of this reseller's tree is sent from once verified. */
    address: z.string(),
    /** The DNS records to publish (SPF, DKIM, return path), each with its own state. */
    records: z.array(z.object({ record: z.string(), type: z.string(), name: z.string(), value: z.string(), priority: z.number().nullable(), status: z.string() })),
    /** False while the provider could not be reached to register it: the portal registers it within minutes (5-minute cron, or Verify). */
    registered: z.boolean(),
    createdAt: z.number(),
    checkedAt: z.number().nullable(),
  })
  .openapi('SenderDomain')

const SenderView = z
  .object({
    /** Whether this deployment sends through a provider that can verify resellers' domains. */
    available: z.boolean(),
    domain: z.union([SenderDomainView, z.null()]),
    /** How mail of this reseller's tree is sent right now. */
    from: z.object({ name: z.string(), address: z.string(), replyTo: z.string().nullable() }),
    /** Set when this request could not reach the provider: what was kept, and that the portal tries again. */
    notice: z.string().nullable(),
  })
  .openapi('EmailSender')

const SetSender = z.object({ domain: z.string().trim().min(1, 'Enter a domain.').max(253, 'At most 253 characters.') }).openapi('SetSenderDomain')

const resellersOnly = { kinds: ['reseller'], detail: 'Only resellers have their own email sender.' } as const

function present(row: SenderDomainRow) {
  return {
    domain: row.domain,
    status: row.status,
    address: `${SENDER_LOCAL_PART}@${row.domain}`,
    records: JSON.parse(row.records) as SenderDomainRecord[],
    registered: row.providerId !== null,
    createdAt: row.createdAt,
    checkedAt: row.checkedAt,
  }
}

const UNREACHABLE = 'The email provider could not be reached just now. The domain is kept; the portal registers and checks it again within a few minutes.'

/** The reseller's sender as the API shows it: its sending domain (`row`), and the From and Reply-To its tree's mail carries now. */
async function view(c: Context<AccessEnv>, row: SenderDomainRow | undefined, notice: string | null = null) {
  const { env } = c
  const brand = await brandForAccount(c.var.db, c.var.access.account.path)
  const verified = row?.status === 'verified'
  return {
    notice,
    available: senderDomainsFor(env) !== null,
    domain: row ? present(row) : null,
    from: { name: brand.name, address: verified ? `${SENDER_LOCAL_PART}@${row.domain}` : addressOf(env.EMAIL_FROM || DEFAULT_FROM), replyTo: brand.supportEmail },
  }
}

const getEmailSenderRoute = route.get('/accounts/{id}/email-sender', 'getEmailSender', requirePermission('branding.view', resellersOnly), {
  request: { params: AccountParam }, responses: { 200: json(SenderView, 'The sender') },
})
const setEmailSenderDomainRoute = route.put('/accounts/{id}/email-sender', 'setEmailSenderDomain', requirePermission('branding.manage', resellersOnly), {
  request: { params: AccountParam, body: body(SetSender) }, responses: { 200: json(SenderView, 'Registered, or kept until the provider answers'), ...problems(409, 422) },
})
const verifyEmailSenderDomainRoute = route.post('/accounts/{id}/email-sender/verify', 'verifyEmailSenderDomain', requirePermission('branding.manage', resellersOnly), {
  request: { params: AccountParam }, responses: { 200: json(SenderView, 'Checked') },
})
const removeEmailSenderDomainRoute = route.delete('/accounts/{id}/email-sender', 'removeEmailSenderDomain', requirePermission('branding.manage', resellersOnly), {
  request: { params: AccountParam }, responses: { 204: { description: 'Removed' } },
})

export const senderDomainsRouter = createRouter('Branding')
  .openapi(getEmailSenderRoute, async (c) => {
    const { account } = c.var.access
    return c.json(await view(c, await getSenderDomain(c.var.db, account.id)), 200)
  })
  .openapi(setEmailSenderDomainRoute, async (c) => {
    const { account, principal } = c.var.access
    const domain = normalizeHostname(c.req.valid('json').domain)
    if (!domain) throw fieldError('validation_failed', 'domain', 'Enter a domain like mail.example.com (no scheme, address or path).')
    const row = await addSenderDomain(c.env, c.var.db, account.id, domain)
    await audit(c, account, {
      type: 'update_configuration',
      target: { kind: 'sender_domain', id: account.id, label: domain },
      description: `${principal.user.email} set the email sending domain of ${account.name} to ${domain}`,
    })
    return c.json(await view(c, row, row.providerId ? null : UNREACHABLE), 200)
  })
  .openapi(verifyEmailSenderDomainRoute, async (c) => {
    const { account } = c.var.access
    const row = await getSenderDomain(c.var.db, account.id)
    if (!row) throw new AppError('not_found', 'No sending domain is set.')
    let checked: SenderDomainRow
    try {
      checked = await checkSenderDomain(c.env, c.var.db, row, { askToVerify: true })
    } catch (error) {
      if (!(error instanceof ProviderUnavailable)) throw error
      return c.json(await view(c, (await getSenderDomain(c.var.db, account.id)) ?? row, UNREACHABLE), 200)
    }
    const notice = !checked.providerId && checked.status === 'not_started' ? UNREACHABLE : null
    return c.json(await view(c, checked, notice), 200)
  })
  .openapi(removeEmailSenderDomainRoute, async (c) => {
    const { account, principal } = c.var.access
    const removed = await removeSenderDomain(c.env, c.var.db, account.id)
    if (!removed) throw new AppError('not_found', 'No sending domain is set.')
    await audit(c, account, {
      type: 'update_configuration',
      target: { kind: 'sender_domain', id: account.id, label: removed.domain },
      description: `${principal.user.email} stopped sending the email of ${account.name} from ${removed.domain}`,
    })
    return c.body(null, 204)
  })
