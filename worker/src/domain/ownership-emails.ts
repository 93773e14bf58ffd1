import { mailerFor } from '../adapters/email.ts'
import type { DB } from '../db.ts'
import type { Bindings } from '../env.ts'
import { emailBrandFor, linkOrigin, renderEmail, emailDate, inRecipientLanguage } from './emails.ts'
import { m } from '../i18n/paraglide/messages.js'

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
  const message = await inRecipientLanguage(db, to.email, brand, () => {
    const the = { from: from.name, fromEmail: from.email, account: account.name, brand: brand.name }
    return renderEmail(brand, to.email, m.own_offer_subject(the), {
      paragraphs: [m.own_offer_body(the), m.own_offer_rights(the), m.own_offer_next()],
      action: { label: m.own_offer_action(), url: `${origin}/ownership/${token}` },
      footnote: m.email_invite_footnote({ expires: emailDate(expiresAt) }),
    })
  })
  await mailerFor(env, db).send(message)
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
  const message = await inRecipientLanguage(db, to.email, brand, () => {
    const the = { requester: requester.name, requesterEmail: requester.email, reseller: reseller.name }
    return renderEmail(brand, to.email, m.move_subject(the), {
      paragraphs: [m.move_body(the), m.move_effect(the), m.move_next()],
      action: { label: m.move_action(), url: `${origin}/move/${token}` },
      footnote: m.email_invite_footnote({ expires: emailDate(expiresAt) }),
    })
  })
  await mailerFor(env, db).send(message)
}
