import type { EmailMessage } from '../adapters/email.ts'
import { renderEmail, type EmailBrand } from './emails.ts'

const when = (at: number) => new Date(at).toUTCString()

/** The link that finishes a sign-up (on the portal's own origin). */
export function signupEmail(look: EmailBrand, origin: string, to: string, token: string, expiresAt: number): EmailMessage {
  return renderEmail(look, to, `Finish signing up for ${look.name}`, {
    paragraphs: [`Someone asked to sign up for ${look.name} with ${to}.`, 'Follow the link to confirm your email and finish: your login and your organisation are created only then.'],
    action: { label: 'Finish signing up', url: `${origin}/signup/${token}` },
    footnote: `This link works once and expires on ${when(expiresAt)}. If you did not sign up, ignore this email: nothing is created.`,
  })
}

/** The answer to a sign-up with an address that already has a login: nothing is created, sign in instead. */
export function signupExistingLoginEmail(look: EmailBrand, origin: string, to: string): EmailMessage {
  return renderEmail(look, to, `You already have a ${look.name} login`, {
    paragraphs: [
      `Someone asked to sign up for ${look.name} with ${to}, which already has a login. Nothing was created.`,
      'Sign in with your password instead (or reset it from the sign-in page). To add an organisation, ask your provider for an invitation.',
    ],
    action: { label: 'Sign in', url: `${origin}/login` },
    footnote: 'If you did not ask for this, ignore this email.',
  })
}

/** The parent's decision on an organisation that signed up. */
export function signupDecidedEmail(look: EmailBrand, origin: string, to: string, organisation: string, approved: boolean): EmailMessage {
  return approved
    ? renderEmail(look, to, `${organisation} is approved`, {
        paragraphs: [`${look.name} approved the sign-up of ${organisation}. You can sign in now.`],
        action: { label: 'Sign in', url: `${origin}/login` },
      })
    : renderEmail(look, to, `Your sign-up for ${look.name} was declined`, {
        paragraphs: [`${look.name} declined the sign-up of ${organisation}. Nothing of it was kept. Contact ${look.name} if you think this is a mistake.`],
      })
}
