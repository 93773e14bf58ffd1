import { billingSourceFor } from '../adapters/billing.ts'
import { mailerFor } from '../adapters/email.ts'
import { createDb } from '../db.ts'
import type { Bindings } from '../env.ts'
import { getAccount } from './accounts.ts'
import { appendSystemEvent } from './activity.ts'
import { accountsToSync, claimReminder, formatMoney, invoicesToRemind, reminderRecipients, syncInvoices } from './billing.ts'
import { m } from '../i18n/paraglide/messages.js'
import { emailBrandFor, emailDay, inRecipientLanguage, renderEmail } from './emails.ts'

/** Accounts synced per cron run (oldest sync first): a bound on subrequests; every account comes round. */
export const SYNC_BATCH = 200
/** Reminders sent per cron run; the rest go the next day. */
export const REMINDER_BATCH = 500

/** The daily invoice sync: a failed account keeps its invoices and its error, and is tried again next run. */
export async function syncAllInvoices(env: Bindings, now = Date.now()) {
  const source = billingSourceFor(env)
  if (!source) return { synced: 0, failed: 0 }
  const db = createDb(env.DB)
  let synced = 0
  let failed = 0
  for (const account of await accountsToSync(db, SYNC_BATCH)) {
    const outcome = await syncInvoices(db, source, account.id, now)
    if (outcome.ok) synced++
    else failed++
  }
  return { synced, failed }
}

const dateOf = (ms: number | null) => (ms === null ? 'no due date' : new Date(ms).toISOString().slice(0, 10))

/**
 * Payment reminders: each open invoice due within 3 days, and each overdue
 * invoice, is told once per state. The (invoice, state) row is claimed before
 * anything is sent, so a rerun of the cron (or two at once) never repeats a
 * reminder; the account's log records it, and the account's members subscribed
 * to `payment_reminder` who hold `billing.view` get a branded email.
 */
export async function sendPaymentReminders(env: Bindings, now = Date.now()) {
  const db = createDb(env.DB)
  const mailer = mailerFor(env, db)
  let sent = 0
  for (const invoice of await invoicesToRemind(db, now, REMINDER_BATCH)) {
    if (!(await claimReminder(db, invoice.id, invoice.state, now))) continue
    const amount = formatMoney(invoice.amountMinor, invoice.currency)
    const overdue = invoice.state === 'overdue'
    const sentence = overdue
      ? `Invoice ${invoice.number} of ${invoice.accountName} (${amount}) is overdue: it was due on ${dateOf(invoice.dueAt)}.`
      : `Invoice ${invoice.number} of ${invoice.accountName} (${amount}) is due on ${dateOf(invoice.dueAt)}.`
    await appendSystemEvent(
      env,
      { id: invoice.accountId, path: invoice.accountPath },
      { type: 'payment_reminder', target: { kind: 'invoice', id: invoice.id, label: invoice.number }, description: `Payment reminder: ${sentence}` },
      'scheduled',
    )
    const account = await getAccount(db, invoice.accountId)
    if (!account || account.blocked) continue
    const recipients = await reminderRecipients(db, account)
    if (!recipients.length) continue
    const { brand, origin } = await emailBrandFor(db, invoice.accountPath, env.PUBLIC_ORIGIN)
    for (const r of recipients) {
      await mailer.send(
        await inRecipientLanguage(db, r.email, brand, () => {
          const the = { number: invoice.number, account: invoice.accountName, amount, due: invoice.dueAt === null ? m.bill_no_due_date() : emailDay(invoice.dueAt) }
          return renderEmail(brand, r.email, overdue ? m.bill_overdue_subject(the) : m.bill_due_subject(the), {
            paragraphs: [overdue ? m.bill_overdue_body(the) : m.bill_due_body(the), m.bill_next()],
            action: { label: m.bill_action(), url: `${origin}/a/${invoice.accountId}/billing` },
            footnote: m.bill_footnote(the),
          })
        }),
      )
      sent++
    }
  }
  return { sent }
}
