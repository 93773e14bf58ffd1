import { mailerFor } from '../adapters/email.ts'
import { can } from '../authz/decide.ts'
import type { DB } from '../db.ts'
import type { Bindings } from '../env.ts'
import { getAccount } from './accounts.ts'
import { formatMoney } from './billing.ts'
import { m } from '../i18n/paraglide/messages.js'
import { emailBrandFor, inRecipientLanguage, renderEmail } from './emails.ts'
import { grantsOfMembers } from './grants.ts'
import { membersOf, type OrderRow } from './purchasing.ts'

type Order = NonNullable<OrderRow>

/** "Business hosting (£9.00 a month)", in the language of the moment. */
const terms = (o: Order) => (o.period === 'yearly' ? m.order_terms_yearly : m.order_terms_monthly)({ plan: o.planName, price: formatMoney(o.priceMinor, o.currency) })

/** The people of `accountId` who hold `purchasing.manage` there now. */
async function deciders(db: DB, accountId: string) {
  const account = await getAccount(db, accountId)
  if (!account || account.blocked) return []
  const people = await membersOf(db, accountId)
  const grants = await grantsOfMembers(db, accountId, people.map((p) => p.membershipId))
  return people.filter((p) => {
    const g = grants.get(p.membershipId)
    return g && can([g], 'purchasing.manage', account).ok
  })
}

/** Tell the seller's deciders that an order waits for them (in the seller's brand). */
export async function emailOrderPlaced(env: Bindings, db: DB, order: Order) {
  const people = (await deciders(db, order.sellerAccountId)).filter((p) => p.userId !== order.orderedById)
  if (!people.length) return 0
  const { brand, origin } = await emailBrandFor(db, order.sellerPath, env.PUBLIC_ORIGIN)
  const mailer = mailerFor(env, db)
  for (const p of people) {
    await mailer.send(
      await inRecipientLanguage(db, p.email, brand, () => {
        const the = { seller: order.sellerName, buyer: order.buyerName, who: order.orderedByEmail, terms: terms(order), service: order.serviceName ?? '' }
        return renderEmail(brand, p.email, m.order_new_subject(the), {
          paragraphs: [order.serviceName ? m.order_new_body_named(the) : m.order_new_body(the), m.order_new_next()],
          action: { label: m.order_new_action(), url: `${origin}/a/${order.sellerAccountId}/purchasing?tab=received` },
          footnote: m.order_new_footnote(the),
        })
      }),
    )
  }
  return people.length
}

/** Tell whoever placed the order what became of it (in the buyer's brand), if they are still a member. */
export async function emailOrderDecided(env: Bindings, db: DB, order: Order) {
  const person = (await membersOf(db, order.buyerAccountId)).find((p) => p.userId === order.orderedById)
  if (!person) return 0
  const { brand, origin } = await emailBrandFor(db, order.buyerPath, env.PUBLIC_ORIGIN)
  const approved = order.status === 'approved'
  const message = await inRecipientLanguage(db, person.email, brand, () => {
    const the = { seller: order.sellerName, buyer: order.buyerName, plan: order.planName, terms: terms(order), service: order.serviceName ?? order.planName, reason: order.reason ?? m.order_no_reason() }
    return renderEmail(brand, person.email, approved ? m.order_approved_subject(the) : m.order_declined_subject(the), {
      paragraphs: approved ? [m.order_approved_body(the), m.order_approved_next(the)] : [m.order_declined_body(the), m.order_declined_reason(the)],
      action: approved
        ? { label: m.order_open_services(), url: `${origin}/a/${order.buyerAccountId}/services` }
        : { label: m.order_open_orders(), url: `${origin}/a/${order.buyerAccountId}/purchasing?tab=orders` },
    })
  })
  await mailerFor(env, db).send(message)
  return 1
}
