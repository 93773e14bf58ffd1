import { mailerFor } from '../adapters/email.ts'
import type { DB } from '../db.ts'
import type { Bindings } from '../env.ts'
import { emailBrandFor, renderEmail } from './emails.ts'
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
  const expires = new Date(inv.expiresAt).toUTCString()
  const footnote = `This link works once and expires on ${expires}. If you did not expect it, ignore this email.`
  const message =
    inv.kind === 'customer'
      ? renderEmail(brand, inv.email, `${inviter.name} invites you to ${brand.name}`, {
          paragraphs: [
            `${inviter.name} (${inviter.email}) of ${account.name} invites you to open an account with ${brand.name}.`,
            'Follow the link to name your organisation and set your password. You decide which of your services your partner may operate.',
          ],
          action: { label: 'Create your account', url },
          footnote,
        })
      : inv.level === 'owner'
        ? renderEmail(brand, inv.email, `Your partner portal ${account.name} is ready`, {
            paragraphs: [
              `${inviter.name} (${inviter.email}) set up ${account.name} on ${brand.name} with you as its owner.`,
              'Follow the link to open your portal: set your password, or sign in if you already have a login.',
            ],
            action: { label: 'Open your portal', url },
            footnote,
          })
        : renderEmail(brand, inv.email, `You are invited to ${account.name}`, {
            paragraphs: [`${inviter.name} (${inviter.email}) invites you to join ${account.name} on ${brand.name}.`],
            action: { label: 'Accept the invitation', url },
            footnote,
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
