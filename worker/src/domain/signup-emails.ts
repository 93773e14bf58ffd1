import type { EmailMessage } from '../adapters/email.ts'
import { m } from '../i18n/paraglide/messages.js'
import { emailDate, renderEmail, type EmailBrand } from './emails.ts'

// Drawn in the language of the moment: callers wrap them in inRecipientLanguage (decision 034).

/** The link that finishes a sign-up (on the portal's own origin). */
export function signupEmail(look: EmailBrand, origin: string, to: string, token: string, expiresAt: number): EmailMessage {
  const the = { brand: look.name, email: to, expires: emailDate(expiresAt) }
  return renderEmail(look, to, m.email_signup_subject(the), {
    paragraphs: [m.email_signup_body(the), m.email_signup_next()],
    action: { label: m.email_signup_action(), url: `${origin}/signup/${token}` },
    footnote: m.email_signup_footnote(the),
  })
}

/** The answer to a sign-up with an address that already has a login: nothing is created, sign in instead. */
export function signupExistingLoginEmail(look: EmailBrand, origin: string, to: string): EmailMessage {
  const the = { brand: look.name, email: to }
  return renderEmail(look, to, m.email_signup_existing_subject(the), {
    paragraphs: [m.email_signup_existing_body(the), m.email_signup_existing_next()],
    action: { label: m.email_sign_in_action(), url: `${origin}/login` },
    footnote: m.email_ignore_if_not_you(),
  })
}

/** The parent's decision on an organisation that signed up. */
export function signupDecidedEmail(look: EmailBrand, origin: string, to: string, organisation: string, approved: boolean): EmailMessage {
  const the = { brand: look.name, organisation }
  return approved
    ? renderEmail(look, to, m.email_signup_approved_subject(the), {
        paragraphs: [m.email_signup_approved_body(the)],
        action: { label: m.email_sign_in_action(), url: `${origin}/login` },
      })
    : renderEmail(look, to, m.email_signup_declined_subject(the), { paragraphs: [m.email_signup_declined_body(the)] })
}
