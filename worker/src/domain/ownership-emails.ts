import { mailerFor } from '../adapters/email.ts'
import type { DB } from '../db.ts'
import type { Bindings } from '../env.ts'
import { emailBrandFor, linkOrigin, renderEmail } from './emails.ts'

/** The offer of ownership, to the admin it names: a single-use link (links from PUBLIC_ORIGIN or a verified hostname, rule 13). */
export async function sendHandoffEmail(
  env: Bindings,
  db: DB,
  account: { name: string; path: string },
  from: { name: string; email: string },
  to: { email: string },
  token: string,
  expiresAt: number,
) {
  const { brand, origin } = await emailBrandFor(db, account.path, env.PUBLIC_ORIGIN)
  await mailerFor(env, db).send(
    renderEmail(brand, to.email, `${from.name} offers you ownership of ${account.name}`, {
      paragraphs: [
        `${from.name} (${from.email}) wants to make you the owner of ${account.name} on ${brand.name}.`,
        `As owner you hold every right in ${account.name}, and you alone can hand it on. ${from.name} stays as an admin.`,
        'Sign in with your own login to accept or decline. Nothing changes until you accept.',
      ],
      action: { label: 'Review the offer', url: `${origin}/ownership/${token}` },
      footnote: `This link works once and expires on ${new Date(expiresAt).toUTCString()}. If you did not expect it, ignore this email.`,
    }),
  )
}

/** A reseller's request to bring the owner's organisation under it, in the reseller's brand. */
export async function sendMoveRequestEmail(
  env: Bindings,
  db: DB,
  reseller: { name: string; path: string },
  requester: { name: string; email: string },
  to: { email: string },
  token: string,
  expiresAt: number,
) {
  // The reseller's brand, but the platform's address: the owner belongs to another portal and signs in only there or on the platform's.
  const { brand } = await emailBrandFor(db, reseller.path, env.PUBLIC_ORIGIN)
  const origin = linkOrigin(env.PUBLIC_ORIGIN, null)
  await mailerFor(env, db).send(
    renderEmail(brand, to.email, `${reseller.name} asks to become your partner`, {
      paragraphs: [
        `${requester.name} (${requester.email}) of ${reseller.name} asks you to move your organisation under ${reseller.name}.`,
        `If you accept, ${reseller.name} becomes your partner: it sees your organisation and supports it, and your current partner no longer reaches it. Partner access to your services starts off; you decide which ones ${reseller.name} may operate.`,
        'Sign in to choose the organisation and accept, or to decline. Nothing changes until you accept.',
      ],
      action: { label: 'Review the request', url: `${origin}/move/${token}` },
      footnote: `This link works once and expires on ${new Date(expiresAt).toUTCString()}. If you did not expect it, ignore this email.`,
    }),
  )
}
