import { mailerFor } from '../adapters/email.ts'
import { can } from '../authz/decide.ts'
import type { DB } from '../db.ts'
import type { Bindings } from '../env.ts'
import { getAccount } from './accounts.ts'
import { formatMoney } from './billing.ts'
import { emailBrandFor, renderEmail } from './emails.ts'
import { grantsOfMembers } from './grants.ts'
import { membersOf, type OrderRow } from './purchasing.ts'

type Order = NonNullable<OrderRow>

const terms = (o: Order) => `${o.planName} (${formatMoney(o.priceMinor, o.currency)} ${o.period === 'yearly' ? 'a year' : 'a month'})`

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
      renderEmail(brand, p.email, `[${order.sellerName}] New order from ${order.buyerName}`, {
        paragraphs: [
          `${order.orderedByEmail} of ${order.buyerName} ordered ${terms(order)}${order.serviceName ? ` for a new service named “${order.serviceName}”` : ''}.`,
          'The order waits for your approval: approving creates the service in their account.',
        ],
        action: { label: 'Review the order', url: `${origin}/a/${order.sellerAccountId}/purchasing?tab=received` },
        footnote: `You get this because you may approve orders in ${order.sellerName}.`,
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
  await mailerFor(env, db).send(
    renderEmail(brand, person.email, `[${order.buyerName}] Your order of ${order.planName} was ${approved ? 'approved' : 'declined'}`, {
      paragraphs: approved
        ? [`${order.sellerName} approved your order of ${terms(order)}.`, `The service “${order.serviceName ?? order.planName}” now exists in ${order.buyerName}.`]
        : [`${order.sellerName} declined your order of ${terms(order)}.`, `Reason: ${order.reason ?? 'none given'}`],
      action: { label: approved ? 'Open your services' : 'Open your orders', url: approved ? `${origin}/a/${order.buyerAccountId}/services` : `${origin}/a/${order.buyerAccountId}/purchasing?tab=orders` },
    }),
  )
  return 1
}
