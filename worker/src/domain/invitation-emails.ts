import { mailerFor } from '../adapters/email.ts'
import type { DB } from '../db.ts'
import type { Bindings } from '../env.ts'
import { m } from '../i18n/paraglide/messages.js'
import { emailBrandFor, emailDate, inRecipientLanguage, renderEmail } from './emails.ts'
import { createInvitation, getInvitation } from './invitations.ts'

/** Email the invitation link, in the brand of the reseller the account belongs to (links from PUBLIC_ORIGIN or a verified hostname, rule 13). */
export async function sendInvitationEmail(
  env: Bindings,
  db: DB,
  account: { name: string; path: string },
  inviter: { name: string; email: string },
  inv: { email: string; kind: 'member' | 'customer'; level: string | null; expiresAt: number },
  token: string,
) {
  const { brand, origin } = await emailBrandFor(db, account.path, env.PUBLIC_ORIGIN)
  const url = `${origin}/invite/${token}`
  const who = { inviter: inviter.name, inviterEmail: inviter.email, account: account.name, brand: brand.name }
  const message = await inRecipientLanguage(db, inv.email, brand, () => {
    const footnote = m.email_invite_footnote({ expires: emailDate(inv.expiresAt) })
    return inv.kind === 'customer'
      ? renderEmail(brand, inv.email, m.email_invite_customer_subject(who), {
          paragraphs: [m.email_invite_customer_body(who), m.email_invite_customer_next()],
          action: { label: m.email_invite_customer_action(), url },
          footnote,
        })
      : inv.level === 'owner'
        ? renderEmail(brand, inv.email, m.email_invite_owner_subject(who), {
            paragraphs: [m.email_invite_owner_body(who), m.email_invite_owner_next()],
            action: { label: m.email_invite_owner_action(), url },
            footnote,
          })
        : renderEmail(brand, inv.email, m.email_invite_member_subject(who), {
            paragraphs: [m.email_invite_member_body(who)],
            action: { label: m.email_invite_member_action(), url },
            footnote,
          })
  })
  await mailerFor(env, db).send(message)
}

/**
 * Invite the first owner of a new account (a reseller or customer): an
 * owner-level member invitation, emailed. Whoever the email belongs to — a new
 * person or an existing login of any tree — becomes owner only by accepting
 * it (rule 14). The caller records the event. Returns the invitation.
 */
export async function inviteOwner(
  env: Bindings,
  db: DB,
  account: { id: string; name: string; path: string },
  inviter: { id: string; name: string; email: string },
  owner: { email: string; name: string | null },
  /** False when an API key invites: it is no login, so the invitation names no inviter row. */
  inviterIsPerson = true,
) {
  const { id, token } = await createInvitation(db, {
    accountId: account.id,
    kind: 'member',
    email: owner.email,
    level: 'owner',
    roleIds: [],
    scope: { mode: 'all' },
    suggestedName: owner.name,
    invitedBy: inviterIsPerson ? inviter.id : null,
  })
  const invitation = (await getInvitation(db, account.id, id))!
  await sendInvitationEmail(env, db, account, inviter, invitation, token)
  return invitation
}
