import { and, eq, ne } from 'drizzle-orm'
import type { Mailer } from '../adapters/email.ts'
import type { Permission } from '../authz/catalogue.ts'
import { can, type MembershipGrant, type TargetAccount } from '../authz/decide.ts'
import type { DB } from '../db.ts'
import { schema } from '../db.ts'
import type { ActivityType } from '../durable/activity-types.ts'
import { activityTypes } from '../durable/activity-types.ts'
import { getAccount } from './accounts.ts'
import { renderEmail, type EmailBrand, inRecipientLanguage } from './emails.ts'
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
    .select({ membershipId: memberships.id, userId: users.id, email: users.email, accountName: accounts.name })
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
  const label = event.type.replaceAll('_', ' ')
  const link = `/a/${event.accountId}/activity`
  // The inbox first: it needs no outside service, so a mail outage does not cost the notice.
  if (env) {
    await addNotices(
      env,
      db,
      recipients.map((r) => ({ userId: r.userId, membershipId: r.membershipId, accountId: event.accountId, type: event.type, title: `${label[0]!.toUpperCase()}${label.slice(1)} in ${accountName}`, body: event.description, link })),
    )
  }
  const { brand: look, origin } = await brand()
  await Promise.all(
    recipients.map((r) =>
      inRecipientLanguage(db, r.email, look, () =>
        renderEmail(look, r.email, `[${accountName}] ${label}`, {
          paragraphs: [event.description],
          action: { label: m.notify_action(), url: `${origin}${link}` },
          footnote: m.notify_footnote({ label, account: accountName }),
        }),
      ).then((message) => mailer.send(message)),
    ),
  )
  return recipients.length
}
