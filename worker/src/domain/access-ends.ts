import { and, gt, isNull, lte, sql, type SQL } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import { mailerFor } from '../adapters/email.ts'
import { END_REMINDER_DAYS } from '../authz/expiry.ts'
import { builtinRoleNames } from '../authz/roles.ts'
import type { DB } from '../db.ts'
import { createDb, schema } from '../db.ts'
import type { Bindings } from '../env.ts'
import { appendSystemEvent } from './activity.ts'
import { m } from '../i18n/paraglide/messages.js'
import { emailBrandFor, emailDate, inRecipientLanguage, renderEmail } from './emails.ts'
import { addNotices, type NoticeInput } from './inbox.ts'
import { closeLiveConnections, liveRightsChanged } from './live.ts'

/**
 * Access that ends by itself (docs/decisions/023), the daily run's half:
 * ended memberships and role grants are removed and logged, and the people
 * concerned are told a few days before. Every request already ignores what
 * has ended (domain/grants.ts); this tidies up, closes what is still open
 * and writes the record. Each row is claimed by the statement that changes
 * it (`DELETE … RETURNING`, `UPDATE … WHERE end_reminded_at IS NULL
 * RETURNING`), so two overlapping runs log and remind once.
 */

const { memberships, membershipRoles } = schema

const DAY = 24 * 60 * 60 * 1000
/** Rows handled per run and kind; the rest come the next day (they grant nothing meanwhile). */
export const ACCESS_END_BATCH = 500

/** An end as the log and emails say it (UTC, to the minute). */
export const endTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`

/** SQL: `column` is one of `ids` (one bound JSON array: D1 takes 100 bound values per statement). */
const inJson = (column: SQL | typeof memberships.id, ids: readonly string[]) => sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`

interface Ending {
  membershipId: string
  userId: string
  email: string
  accountId: string
  accountName: string
  accountPath: string
  endsAt: number
  setBy: string | null
  roleId: string | null
  roleName: string | null
}

/** The facts an event, an email and a notice need about memberships (or role grants) ending. */
function endingRows(db: DB, where: SQL, roles: boolean, limit: number) {
  return db.all<Ending>(sql`
    SELECT m.id AS membershipId, m.user_id AS userId, u.email AS email, m.account_id AS accountId, a.name AS accountName, a.path AS accountPath,
      ${roles ? sql`mr.ends_at AS endsAt, mr.ends_set_by AS setBy, mr.role_id AS roleId, r.name AS roleName` : sql`m.ends_at AS endsAt, m.ends_set_by AS setBy, NULL AS roleId, NULL AS roleName`}
    FROM memberships m JOIN users u ON u.id = m.user_id JOIN accounts a ON a.id = m.account_id
    ${roles ? sql`JOIN membership_roles mr ON mr.membership_id = m.id LEFT JOIN roles r ON r.id = mr.role_id` : sql``}
    WHERE ${where} ORDER BY endsAt LIMIT ${limit}`)
}

/** The scheduled run's record, in the member's account log, of their access having ended or ending soon. */
const memberEvent = (env: Bindings, r: Ending, type: 'access_expired' | 'access_ending', description: string) =>
  appendSystemEvent(
    env,
    { id: r.accountId, path: r.accountPath },
    { type, subject: { id: r.userId, email: r.email }, target: { kind: 'member', id: r.membershipId, label: r.email }, description },
    'scheduled',
  )

const roleName = (row: Ending) => row.roleName ?? builtinRoleNames.get(row.roleId ?? '') ?? row.roleId ?? 'a role'

/**
 * Remove the memberships and role grants whose end has passed, write one
 * `access_expired` event for each in its account's log, and close the live
 * sockets opened with them (a membership: access ended; a role: the page
 * reconnects with the rights left).
 */
export async function endExpiredAccess(env: Bindings, now = Date.now(), limit = ACCESS_END_BATCH) {
  const db = createDb(env.DB)
  const dueMembers = await endingRows(db, sql`m.ends_at <= ${now}`, false, limit)
  const goneMembers = dueMembers.length
    ? new Set(
        (
          await db
            .delete(memberships)
            .where(and(inJson(memberships.id, dueMembers.map((r) => r.membershipId)), lte(memberships.endsAt, now)))
            .returning({ id: memberships.id })
        ).map((r) => r.id),
      )
    : new Set<string>()
  const endedMembers = dueMembers.filter((r) => goneMembers.has(r.membershipId))
  const dueRoles = await endingRows(db, sql`mr.ends_at <= ${now}`, true, limit)
  const key = (membershipId: string, roleId: string) => `${membershipId}/${roleId}`
  const goneRoles = dueRoles.length
    ? new Set(
        (
          await db
            .delete(membershipRoles)
            .where(and(inJson(sql`${membershipRoles.membershipId} || '/' || ${membershipRoles.roleId}`, dueRoles.map((r) => key(r.membershipId, r.roleId!))), lte(membershipRoles.endsAt, now)))
            .returning({ membershipId: membershipRoles.membershipId, roleId: membershipRoles.roleId })
        ).map((r) => key(r.membershipId, r.roleId)),
      )
    : new Set<string>()
  const endedRoles = dueRoles.filter((r) => goneRoles.has(key(r.membershipId, r.roleId!)))
  // Sockets first: nothing keeps streaming while the log is written.
  if (endedMembers.length) {
    await closeLiveConnections(env, db, { membershipIds: endedMembers.map((r) => r.membershipId) }, 'accessEnded')
    await closeLiveConnections(env, db, { impersonatorIds: endedMembers.map((r) => r.userId) }, 'rightsChanged')
  }
  if (endedRoles.length) await liveRightsChanged(env, db, [...new Set(endedRoles.map((r) => r.membershipId))])
  for (const r of [...endedMembers, ...endedRoles]) {
    await memberEvent(
      env,
      r,
      'access_expired',
      r.roleId
        ? `The role ${roleName(r)} of ${r.email} in ${r.accountName} ended on ${endTime(r.endsAt)}, as set`
        : `The access of ${r.email} to ${r.accountName} ended on ${endTime(r.endsAt)}, as set`,
    )
  }
  return { memberships: endedMembers.length, roles: endedRoles.length }
}

/**
 * The rows of `table` (memberships, or single roles) whose end falls after
 * `now` and by `horizon` and was not yet told of: the first `limit` by `key`,
 * soonest end first, so one run claims a bounded batch.
 */
function endingSoon(table: typeof memberships | typeof membershipRoles, key: SQLiteColumn, due: { now: number; horizon: number; limit: number }) {
  return and(
    isNull(table.endRemindedAt),
    gt(table.endsAt, due.now),
    lte(table.endsAt, due.horizon),
    sql`${key} IN (SELECT ${sql.identifier(key.name)} FROM ${table} WHERE end_reminded_at IS NULL AND ends_at > ${due.now} AND ends_at <= ${due.horizon} ORDER BY ends_at LIMIT ${due.limit})`,
  )
}

/**
 * Tell the person, and whoever set the end, that access ends within
 * END_REMINDER_DAYS: an email and an inbox notice each, once per end date
 * (moving the date makes it due again), and an `access_ending` event.
 */
export async function remindAccessEnding(env: Bindings, now = Date.now(), limit = ACCESS_END_BATCH) {
  const db = createDb(env.DB)
  const horizon = now + END_REMINDER_DAYS * DAY
  const due = { now, horizon, limit }
  const memberClaim = await db.update(memberships).set({ endRemindedAt: now }).where(endingSoon(memberships, memberships.id, due)).returning({ id: memberships.id })
  // A role that ends with (or after) its membership is told of by the membership's reminder.
  const roleClaim = await db
    .update(membershipRoles)
    .set({ endRemindedAt: now })
    .where(and(endingSoon(membershipRoles, membershipRoles.membershipId, due), sql`NOT EXISTS (SELECT 1 FROM memberships m WHERE m.id = ${membershipRoles.membershipId} AND m.ends_at <= ${membershipRoles.endsAt})`))
    .returning({ membershipId: membershipRoles.membershipId, roleId: membershipRoles.roleId })
  const rows = [
    ...(memberClaim.length ? await endingRows(db, inJson(sql`m.id`, memberClaim.map((r) => r.id)), false, limit) : []),
    ...(roleClaim.length
      ? await endingRows(
          db,
          and(inJson(sql`mr.membership_id || '/' || mr.role_id`, roleClaim.map((r) => `${r.membershipId}/${r.roleId}`)), sql`mr.end_reminded_at = ${now}`)!,
          true,
          limit,
        )
      : []),
  ]
  const mailer = mailerFor(env, db)
  let sent = 0
  for (const r of rows) {
    // Each person reads it in their own language; the log keeps the English record (decision 034).
    const role = r.roleId ? roleName(r) : ''
    const what = (locale?: 'en') =>
      r.roleId ? m.ends_their_role({ role, email: r.email, account: r.accountName }, { locale }) : m.ends_their_access({ email: r.email, account: r.accountName }, { locale })
    const yours = () => (r.roleId ? m.ends_your_role({ role, account: r.accountName }) : m.ends_your_access({ account: r.accountName }))
    await memberEvent(env, r, 'access_ending', `${what('en')} ends on ${endTime(r.endsAt)}; they${r.setBy ? ' and whoever set the date' : ''} were told`)
    const setter = r.setBy && r.setBy !== r.userId ? await setterReach(db, r.setBy, r.accountPath, now) : null
    const { brand, origin } = await emailBrandFor(db, r.accountPath, env.PUBLIC_ORIGIN)
    const notices: NoticeInput[] = [
      await inRecipientLanguage(db, r.email, brand, () => ({
        userId: r.userId, membershipId: r.membershipId, accountId: r.accountId, type: 'access_ending',
        title: m.ends_title({ what: yours(), when: emailDate(r.endsAt) }), body: m.ends_notice_body(), link: `/a/${r.accountId}`,
      })),
    ]
    if (setter) {
      notices.push(
        await inRecipientLanguage(db, setter.email, brand, () => ({
          userId: setter.userId, membershipId: setter.membershipId, accountId: setter.accountId, type: 'access_ending',
          title: m.ends_title({ what: what(), when: emailDate(r.endsAt) }), body: m.ends_setter_notice_body(), link: `/a/${r.accountId}/staff`,
        })),
      )
    }
    await addNotices(env, db, notices, now)
    await mailer.send(
      await inRecipientLanguage(db, r.email, brand, () => {
        const the = { account: r.accountName, what: yours(), when: emailDate(r.endsAt) }
        return renderEmail(brand, r.email, m.ends_email_subject(the), {
          paragraphs: [m.ends_email_body(the), m.ends_email_next()],
          action: { label: m.ends_email_action(the), url: `${origin}/a/${r.accountId}` },
          footnote: m.ends_email_footnote({ days: END_REMINDER_DAYS }),
        })
      }),
    )
    sent++
    if (setter) {
      await mailer.send(
        await inRecipientLanguage(db, setter.email, brand, () => {
          const the = { account: r.accountName, what: what(), when: emailDate(r.endsAt) }
          return renderEmail(brand, setter.email, m.ends_email_subject(the), {
            paragraphs: [m.ends_setter_email_body(the), m.ends_setter_email_next()],
            action: { label: m.ends_setter_email_action(), url: `${origin}/a/${r.accountId}/staff` },
            footnote: m.ends_setter_email_footnote(),
          })
        }),
      )
      sent++
    }
  }
  return { reminded: rows.length, sent }
}

/** The setter's own membership that still reaches the account (theirs or an ancestor's), with their email; null when they no longer reach it. */
async function setterReach(db: DB, userId: string, accountPath: string, now: number) {
  const [row] = await db.all<{ membershipId: string; accountId: string; userId: string; email: string }>(sql`
    SELECT m.id AS membershipId, m.account_id AS accountId, m.user_id AS userId, u.email AS email
    FROM memberships m JOIN accounts a ON a.id = m.account_id JOIN users u ON u.id = m.user_id
    WHERE m.user_id = ${userId} AND substr(${accountPath}, 1, length(a.path)) = a.path AND (m.ends_at IS NULL OR m.ends_at > ${now})
    ORDER BY length(a.path) DESC LIMIT 1`)
  return row ?? null
}

