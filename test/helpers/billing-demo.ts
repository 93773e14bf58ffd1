/**
 * What the billing stand-in holds in the browser tests: the demo invoices of the demo
 * accounts (the ones the demo data seeds), and one more for Bluebird Bakery that only a
 * sync brings into the portal.
 */
import { demoId, demoInvoiceAccounts } from '../../db/seed/demo.ts'
import { demoInvoices } from '../../worker/src/adapters/billing.ts'
import type { WireInvoice } from './billing-api.ts'

/** The number of the invoice only the billing system has at first. */
export const NEW_BLUEBIRD_INVOICE = 'INV-SYNC-0001'

export function demoBillingHoldings(now = Date.now()): Record<string, WireInvoice[]> {
  const held: Record<string, WireInvoice[]> = {}
  for (const key of demoInvoiceAccounts) {
    const id = demoId('acc', key)
    held[id] = demoInvoices(id, now).map((i) => ({
      id: i.externalId,
      number: i.number,
      issuedAt: new Date(i.issuedAt).toISOString(),
      dueAt: i.dueAt === null ? null : new Date(i.dueAt).toISOString(),
      amountMinor: i.amountMinor,
      currency: i.currency,
      status: i.status,
      pdfUrl: i.pdfUrl,
    }))
  }
  held[demoId('acc', 'bluebird')]!.push({
    id: 'sync-bluebird-1',
    number: NEW_BLUEBIRD_INVOICE,
    issuedAt: new Date(now).toISOString(),
    dueAt: new Date(now + 14 * 24 * 3600 * 1000).toISOString(),
    amountMinor: 4500,
    currency: 'EUR',
    status: 'open',
    pdfUrl: 'https://billing.example.test/invoices/INV-SYNC-0001.pdf',
  })
  return held
}
