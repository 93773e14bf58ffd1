import { mailerFor } from '../adapters/email.ts'
import type { DB } from '../db.ts'
import type { Bindings } from '../env.ts'
import { emailBrandFor, linkOrigin, renderEmail, emailDate, inRecipientLanguage, type EmailBrand } from './emails.ts'
import { m } from '../i18n/paraglide/messages.js'

/** A single-use link, to the one person it is for. */
interface SingleUseLink {
  to: { email: string }
  token: string
  expiresAt: number
}

/** An offer's email: its words in the recipient's language, one button to the link, and when the link expires. */
async function sendOffer(env: Bindings, db: DB, brand: EmailBrand, link: SingleUseLink, url: string, words: () => { subject: string; paragraphs: string[]; action: string }) {
  const message = await inRecipientLanguage(db, link.to.email, brand, () => {
    const w = words()
    return renderEmail(brand, link.to.email, w.subject, {
      paragraphs: w.paragraphs,
      action: { label: w.action, url },
      footnote: m.email_invite_footnote({ expires: emailDate(link.expiresAt) }),
    })
  })
  await mailerFor(env, db).send(message)
}

/** The offer of ownership, to the admin it names (links from PUBLIC_ORIGIN or a verified hostname, rule 13). */
export async function sendHandoffEmail(env: Bindings, db: DB, account: { name: string; path: string }, from: { name: string; email: string }, link: SingleUseLink) {
  const { brand, origin } = await emailBrandFor(db, account.path, env.PUBLIC_ORIGIN)
  await sendOffer(env, db, brand, link, `${origin}/ownership/${link.token}`, () => {
    const the = { from: from.name, fromEmail: from.email, account: account.name, brand: brand.name }
    return { subject: m.own_offer_subject(the), paragraphs: [m.own_offer_body(the), m.own_offer_rights(the), m.own_offer_next()], action: m.own_offer_action() }
  })
}

/** A reseller's request to bring the owner's organisation under it, in the reseller's brand. */
export async function sendMoveRequestEmail(env: Bindings, db: DB, reseller: { name: string; path: string }, requester: { name: string; email: string }, link: SingleUseLink) {
  // The reseller's brand, but the platform's address: the owner belongs to another portal and signs in only there or on the platform's.
  const { brand } = await emailBrandFor(db, reseller.path, env.PUBLIC_ORIGIN)
  await sendOffer(env, db, brand, link, `${linkOrigin(env.PUBLIC_ORIGIN, null)}/move/${link.token}`, () => {
    const the = { requester: requester.name, requesterEmail: requester.email, reseller: reseller.name }
    return { subject: m.move_subject(the), paragraphs: [m.move_body(the), m.move_effect(the), m.move_next()], action: m.move_action() }
  })
}
