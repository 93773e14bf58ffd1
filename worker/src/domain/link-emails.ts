import type { EmailMessage } from '../adapters/email.ts'
import { renderEmail, type EmailBrand } from './emails.ts'

const when = (at: number) => new Date(at).toUTCString()

/** The password reset email: the link (on the login's own portal) and what to do if it was not them. */
export function passwordResetEmail(look: EmailBrand, origin: string, to: string, token: string, expiresAt: number): EmailMessage {
  return renderEmail(look, to, `Reset your ${look.name} password`, {
    paragraphs: [
      `Someone asked to reset the password of the ${look.name} login ${to}.`,
      'Follow the link to choose a new password. Setting it signs the login out everywhere.',
    ],
    action: { label: 'Choose a new password', url: `${origin}/reset-password/${token}` },
    footnote: `This link works once and expires on ${when(expiresAt)}. If you did not ask for it, ignore this email: your password stays as it is.`,
  })
}

/** The email that asks a login to confirm its address. */
export function verifyEmailMessage(look: EmailBrand, origin: string, to: string, token: string, expiresAt: number): EmailMessage {
  return renderEmail(look, to, `Confirm your email for ${look.name}`, {
    paragraphs: [`Confirm that ${to} is the email of your ${look.name} login.`],
    action: { label: 'Confirm my email', url: `${origin}/verify-email/${token}` },
    footnote: `This link works once and expires on ${when(expiresAt)}. If you do not have a ${look.name} login, ignore this email.`,
  })
}

/** The email to a new address: the change happens only when it is confirmed from here. */
export function confirmEmailChangeMessage(look: EmailBrand, origin: string, change: { from: string; to: string }, token: string, expiresAt: number): EmailMessage {
  return renderEmail(look, change.to, `Confirm your new email for ${look.name}`, {
    paragraphs: [
      `The ${look.name} login ${change.from} asked to use ${change.to} as its email from now on.`,
      'Nothing changes until you confirm: follow the link to make this address the login’s email.',
    ],
    action: { label: 'Confirm the new email', url: `${origin}/verify-email/${token}` },
    footnote: `This link works once and expires on ${when(expiresAt)}. If you did not ask for this, ignore this email.`,
  })
}
