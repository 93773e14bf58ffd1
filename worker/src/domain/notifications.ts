import { and, eq, ne } from 'drizzle-orm'
import type { Mailer } from '../adapters/email.ts'
import type { Permission } from '../authz/catalogue.ts'
import { can, type MembershipGrant, type TargetAccount } from '../authz/decide.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import type { ActivityType } from '../durable/activity-types.ts'
import { activityTypes } from '../durable/activity-types.ts'
import { getAccount } from './accounts.ts'
import { renderEmail, type EmailBrand } from './emails.ts'
import { emailLocale, withLocale } from '../i18n/locale.ts'
import { m } from '../i18n/paraglide/messages.js'
import type { Bindings } from '../env.ts'
import { grantsOfMembers } from './grants.ts'
import { addNotices } from './inbox.ts'

const { accounts, memberships, notificationSubscriptions, users } = schema

/** What a member can be emailed about: every action type (page views are never mailed). */
export const notifiableTypes = activityTypes.filter((t) => t !== 'page_view')

/**
 * The event types a member may be notified of in their account: those they
 * may view. The log shows every type to whoever holds `activity.view` there
 * (within the tree's access); payment reminders go to whoever holds
 * `billing.view`, with or without the log.
 */
export function viewableTypes(grant: MembershipGrant | undefined, account: TargetAccount): readonly ActivityType[] {
  if (!grant) return []
  const log = can([grant], 'activity.view', account).ok
  return notifiableTypes.filter((t) => {
    const own = sectionTypes[t]
    return own ? can([grant], own, account).ok : log
  })
}

/** An event type as a person reads it, in the current language ("Member created"). */
function typeLabel(type: ActivityType): string {
  const draw = (m as unknown as Record<string, (() => string) | undefined>)[`notify_type_${type}`]
  if (draw) return draw()
  const words = type.replaceAll('_', ' ')
  return `${words[0]!.toUpperCase()}${words.slice(1)}`
}

/** Types a member is told about through their section's own view permission, not the log's (invoices are for billing people). */
const sectionTypes: Partial<Record<ActivityType, Permission>> = { payment_reminder: 'billing.view' }

/** `viewableTypes` for one member of the account, read from D1. */
export async function viewableTypesOf(db: DB, account: TargetAccount, membershipId: string) {
  return viewableTypes((await grantsOfMembers(db, account.id, [membershipId])).get(membershipId), account)
}

/** The event types a member is emailed about. */
export async function subscriptionsOf(db: DB, membershipId: string) {
  const rows = await db.select({ type: notificationSubscriptions.type }).from(notificationSubscriptions).where(eq(notificationSubscriptions.membershipId, membershipId))
  return rows.map((r) => r.type as ActivityType).sort()
}

/** Replace a member's subscriptions in one atomic batch. */
export async function setSubscriptions(db: DB, accountId: string, membershipId: string, types: ActivityType[]) {
  await db.batch([
    db.delete(notificationSubscriptions).where(eq(notificationSubscriptions.membershipId, membershipId)),
    ...[...new Set(types)].map((type) => db.insert(notificationSubscriptions).values({ membershipId, accountId, type })),
  ])
}

/**
 * Email the members of the event's account who subscribed to its type —
 * except whoever did it, and anyone who may not view it any more (their
 * rights are checked now, not when they subscribed) — and put the same news
 * in their in-app inbox (domain/inbox.ts). Best effort by design: the event
 * itself is already durable, and a mail outage must not fail the request
 * that caused it.
 */
export async function notifySubscribers(
  db: DB,
  mailer: Mailer,
  event: { accountId: string; type: ActivityType; description: string; actorId: string | null },
  brand: () => Promise<{ brand: EmailBrand; origin: string }>,
  env?: Bindings,
) {
  const subscribed = await db
    .select({ membershipId: memberships.id, userId: users.id, email: users.email, locale: users.locale, accountName: accounts.name })
    .from(notificationSubscriptions)
    .innerJoin(accounts, eq(accounts.id, notificationSubscriptions.accountId))
    .innerJoin(memberships, eq(memberships.id, notificationSubscriptions.membershipId))
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(
      and(
        eq(notificationSubscriptions.accountId, event.accountId),
        eq(notificationSubscriptions.type, event.type),
        event.actorId ? ne(users.id, event.actorId) : undefined,
      ),
    )
  if (!subscribed.length) return 0
  // Only now, with someone to tell: the account as its people see it (a disabled tree shows them nothing) and their grants.
  const [account, grants] = await Promise.all([getAccount(db, event.accountId), grantsOfMembers(db, event.accountId, subscribed.map((r) => r.membershipId))])
  if (!account || account.blocked) return 0
  const recipients = subscribed.filter((r) => viewableTypes(grants.get(r.membershipId), account).includes(event.type))
  if (!recipients.length) return 0
  const accountName = recipients[0]!.accountName
  const link = `/a/${event.accountId}/activity`
  const { brand: look, origin } = await brand()
  // Each person reads of it in their own language (the description is the log's record, kept as written).
  const inTheirs = <T>(r: (typeof recipients)[number], draw: () => T) => withLocale(emailLocale(r.locale, look.defaultLocale), draw)
  // The inbox first: it needs no outside service, so a mail outage does not cost the notice.
  if (env) {
    await addNotices(
      env,
      db,
      recipients.map((r) => ({
        userId: r.userId, membershipId: r.membershipId, accountId: event.accountId, type: event.type,
        title: inTheirs(r, () => m.notify_title({ label: typeLabel(event.type), account: accountName })), body: event.description, link,
      })),
    )
  }
  await Promise.all(
    recipients.map((r) =>
      mailer.send(
        inTheirs(r, () => {
          // Inside a sentence: "server action", "clé API créée".
          const title = typeLabel(event.type)
          const label = `${title[0]!.toLowerCase()}${title.slice(1)}`
          return renderEmail(look, r.email, m.notify_subject({ label, account: accountName }), {
            paragraphs: [event.description],
            action: { label: m.notify_action(), url: `${origin}${link}` },
            footnote: m.notify_footnote({ label, account: accountName }),
          })
        }),
      ),
    ),
  )
  return recipients.length
}
