import type { EmailMessage } from '../adapters/email.ts'
import { m } from '../i18n/paraglide/messages.js'
import { emailDate, renderEmail, type EmailBrand } from './emails.ts'

// Drawn in the language of the moment: callers wrap them in inRecipientLanguage (decision 034).

/** The password reset email: the link (on the login's own portal) and what to do if it was not them. */
export function passwordResetEmail(look: EmailBrand, origin: string, to: string, token: string, expiresAt: number): EmailMessage {
  const the = { brand: look.name, email: to, expires: emailDate(expiresAt) }
  return renderEmail(look, to, m.email_reset_subject(the), {
    paragraphs: [m.email_reset_body(the), m.email_reset_next()],
    action: { label: m.email_reset_action(), url: `${origin}/reset-password/${token}` },
    footnote: m.email_reset_footnote(the),
  })
}

/** The email that asks a login to confirm its address. */
export function verifyEmailMessage(look: EmailBrand, origin: string, to: string, token: string, expiresAt: number): EmailMessage {
  const the = { brand: look.name, email: to, expires: emailDate(expiresAt) }
  return renderEmail(look, to, m.email_verify_subject(the), {
    paragraphs: [m.email_verify_body(the)],
    action: { label: m.email_verify_action(), url: `${origin}/verify-email/${token}` },
    footnote: m.email_verify_footnote(the),
  })
}

/** The email to a new address: the change happens only when it is confirmed from here. */
export function confirmEmailChangeMessage(look: EmailBrand, origin: string, change: { from: string; to: string }, token: string, expiresAt: number): EmailMessage {
  const the = { brand: look.name, from: change.from, to: change.to, expires: emailDate(expiresAt) }
  return renderEmail(look, change.to, m.email_change_subject(the), {
    paragraphs: [m.email_change_body(the), m.email_change_next()],
    action: { label: m.email_change_action(), url: `${origin}/verify-email/${token}` },
    footnote: m.email_change_footnote(the),
  })
}
