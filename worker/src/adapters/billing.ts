/**
 * The outside edge for invoices: the operator's billing system (docs/decisions/019).
 *
 * Protocol (HTTPS, JSON), one call per page of one account's invoices:
 *
 *   GET {BILLING_API_URL}/accounts/{accountId}/invoices[?cursor=…]
 *   Authorization: Bearer {BILLING_API_TOKEN}
 *   Accept: application/json
 *
 *   200 { "invoices": [{ "id", "number", "issuedAt", "dueAt", "amountMinor", "currency",
 *                        "status", "pdfUrl" }], "nextCursor": string | null }
 *   404 the billing system does not know the account: it has no invoices
 *   401/403 the token is refused (a configuration error, retried at the next sync)
 *   429/5xx, a timeout or a body that breaks the protocol: unavailable, try again later
 *
 * `issuedAt`/`dueAt` are ISO 8601 dates or date-times; `amountMinor` an integer in the
 * currency's minor units; `currency` an ISO 4217 code; `status` one of draft, open, paid,
 * overdue, void; `pdfUrl` an https URL or null.
 *
 * Configured by `BILLING_API_URL` and the `BILLING_API_TOKEN` secret. Without them a
 * development portal (DEV_TOOLS) uses `demoBillingSource`; a deployment has no source and
 * the Billing page says invoices are not connected.
 */

import { z } from 'zod'
import { invoiceStatuses, type InvoiceStatus } from '../../../db/schema/billing.ts'
import { bearerRequest } from './http.ts'

/** One invoice as the billing system reports it, in our units (epoch ms). */
export interface SourceInvoice {
  externalId: string
  number: string
  issuedAt: number
  dueAt: number | null
  amountMinor: number
  currency: string
  status: InvoiceStatus
  pdfUrl: string | null
}

export interface BillingSource {
  /** Every invoice the billing system holds for the account (all pages). */
  invoices(accountId: string): Promise<SourceInvoice[]>
}

/** The billing system could not answer usefully now: the sync is retried later, nothing is changed. */
export class BillingUnavailable extends Error {}

const TIMEOUT_MS = 10_000
/** Pages read per account and sync: a bound on subrequests (100 per page is the expected page size). */
export const MAX_PAGES = 20

const date = z.string().max(40).transform((s, ctx) => {
  const ms = Date.parse(s)
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'not a date' })
    return z.NEVER
  }
  return ms
})

const WireInvoice = z.object({
  id: z.string().min(1).max(128),
  number: z.string().min(1).max(64),
  issuedAt: date,
  dueAt: date.nullable().optional(),
  amountMinor: z.number().int().min(-1e13).max(1e13),
  currency: z.string().regex(/^[A-Za-z]{3}$/).transform((c) => c.toUpperCase()),
  status: z.enum(invoiceStatuses),
  pdfUrl: z.string().url().max(2000).refine((u) => u.startsWith('https://'), 'https only').nullable().optional(),
})

const WirePage = z.object({ invoices: z.array(WireInvoice).max(1000), nextCursor: z.string().max(512).nullable().optional() })

/** The billing system over HTTPS (the protocol above). */
export function httpBillingSource(config: { url: string; token: string; timeoutMs?: number }, fetcher: typeof fetch = fetch): BillingSource {
  const root = config.url.replace(/\/$/, '')
  return {
    async invoices(accountId) {
      const out: SourceInvoice[] = []
      let cursor: string | null | undefined = null
      for (let page = 0; page < MAX_PAGES; page++) {
        const url = `${root}/accounts/${encodeURIComponent(accountId)}/invoices${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`
        const res = await bearerRequest(fetcher, url, { token: config.token, accept: 'application/json', timeoutMs: config.timeoutMs ?? TIMEOUT_MS }, (error) => new BillingUnavailable(`The billing system did not answer (${error instanceof Error ? error.name : 'error'}).`))
        if (res.status === 404) {
          await res.body?.cancel()
          return out
        }
        if (res.status === 401 || res.status === 403) {
          await res.body?.cancel()
          throw new BillingUnavailable(`The billing system refused the token (HTTP ${res.status}).`)
        }
        if (!res.ok) {
          await res.body?.cancel()
          throw new BillingUnavailable(`The billing system answered HTTP ${res.status}.`)
        }
        let body: unknown
        try {
          body = await res.json()
        } catch {
          throw new BillingUnavailable('The billing system answered something that is not JSON.')
        }
        const parsed = WirePage.safeParse(body)
        if (!parsed.success) throw new BillingUnavailable(`The billing system's answer breaks the protocol at ${parsed.error.issues[0]?.path.join('.') || 'the top'}.`)
        for (const i of parsed.data.invoices) {
          out.push({ externalId: i.id, number: i.number, issuedAt: i.issuedAt, dueAt: i.dueAt ?? null, amountMinor: i.amountMinor, currency: i.currency, status: i.status, pdfUrl: i.pdfUrl ?? null })
        }
        cursor = parsed.data.nextCursor
        if (!cursor) return out
      }
      return out
    },
  }
}

const DAY = 24 * 60 * 60 * 1000

/**
 * Development only: a few invoices for any account, the same ones on every call
 * within a month (derived from the account id and the month), so a sync updates
 * them in place. The demo data seeds the same invoices.
 */
export function demoInvoices(accountId: string, now: number): SourceInvoice[] {
  const seed = [...accountId].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7)
  const today = new Date(now)
  const out: SourceInvoice[] = []
  for (let back = 0; back < 4; back++) {
    const issued = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - back, 1, 9)
    const due = issued + 30 * DAY
    const status: InvoiceStatus = due > now ? 'open' : back === 1 && seed % 2 === 0 ? 'overdue' : 'paid'
    const stamp = new Date(issued)
    const number = `INV-${stamp.getUTCFullYear()}${String(stamp.getUTCMonth() + 1).padStart(2, '0')}-${String(seed % 10000).padStart(4, '0')}`
    out.push({ externalId: `demo-${accountId}-${stamp.toISOString().slice(0, 7)}`, number, issuedAt: issued, dueAt: due, amountMinor: 2900 + ((seed >> back) % 40) * 250, currency: 'EUR', status, pdfUrl: null })
  }
  return out
}

/** Development only: `demoInvoices` behind the BillingSource interface. */
export function demoBillingSource(now = () => Date.now()): BillingSource {
  return { invoices: async (accountId) => demoInvoices(accountId, now()) }
}

export interface BillingEnv {
  BILLING_API_URL?: string
  BILLING_API_TOKEN?: string
  DEV_TOOLS?: string
}

/** The billing source of this deployment, or null when none is connected. */
export function billingSourceFor(env: BillingEnv): BillingSource | null {
  if (env.BILLING_API_URL && env.BILLING_API_TOKEN) return httpBillingSource({ url: env.BILLING_API_URL, token: env.BILLING_API_TOKEN })
  return env.DEV_TOOLS === 'true' ? demoBillingSource() : null
}
