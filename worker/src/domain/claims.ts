import { and, eq, gt, isNull, lte, or, sql, type SQL } from 'drizzle-orm'
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core'
import { isUniqueViolation, type DB } from '../db.ts'

/**
 * Claims on DNS names, proven by a TXT record (see dns-challenge.ts): portal
 * hostnames of resellers, email domains of organisations. Many may claim a
 * name; one at a time holds it verified (a partial unique index on the table).
 * Both tables keep a claim alike: an id, the name, its owner, a status
 * (pending or verified), when it was verified and checked, and when a pending
 * claim lapses.
 */
export interface ClaimTable {
  table: SQLiteTable
  /** `table.column` of the name, as a unique violation names it. */
  unique: string
  columns: { id: SQLiteColumn; name: SQLiteColumn; owner: SQLiteColumn; status: SQLiteColumn; expiresAt: SQLiteColumn; verifiedAt: SQLiteColumn }
}

/** A pending claim that another claim's verification ended. */
export interface DroppedClaim {
  id: string
  name: string
  ownerId: string
}

/** Whether someone holds this name verified in the claim table (a claim of it is refused). */
export function verifiedElsewhere(t: ClaimTable, name: SQL | string): SQL {
  return sql`EXISTS (SELECT 1 FROM ${t.table} v WHERE v.${sql.identifier(t.columns.name.name)} = ${name} AND v.status = 'verified')`
}

/**
 * A new pending claim of `name` by `ownerId`, lapsing after `ttlMs`; the owner's own lapsed claim of the name
 * gives way first. One statement inserts it unless someone holds the name verified (and the unique indexes
 * decide races): 'verified' when someone does, 'claimed' when the owner holds a live claim already.
 */
export async function addClaim(
  db: DB,
  t: ClaimTable,
  claim: { id: string; ownerId: string; name: string; token: string; extra: Record<string, string | null> },
  now: number,
  ttlMs: number,
): Promise<'added' | 'claimed' | 'verified'> {
  const c = t.columns
  await db.delete(t.table).where(and(eq(c.name, claim.name), eq(c.owner, claim.ownerId), eq(c.status, 'pending'), lte(c.expiresAt, now)))
  const row: Record<string, string | number | null> = {
    id: claim.id,
    [c.name.name]: claim.name,
    [c.owner.name]: claim.ownerId,
    status: 'pending',
    verification_token: claim.token,
    created_at: now,
    expires_at: now + ttlMs,
    ...claim.extra,
  }
  const columns = sql.join(Object.keys(row).map((name) => sql.identifier(name)), sql`, `)
  const values = sql.join(Object.values(row).map((value) => sql`${value}`), sql`, `)
  try {
    const result = await db.run(sql`INSERT INTO ${t.table} (${columns}) SELECT ${values} WHERE NOT ${verifiedElsewhere(t, claim.name)}`)
    return result.meta.changes ? 'added' : 'verified'
  } catch (error) {
    if (isUniqueViolation(error, t.unique)) return 'claimed'
    throw error
  }
}

/**
 * The TXT record was seen: in one batch the owner's pending claim becomes the
 * name's verified one (unless it lapsed or another claim was verified first),
 * and every other pending claim on the name is dropped and returned, so their
 * owners can be told. `changed: false` when the claim was not pending and in
 * time (the caller reads why from the row); `taken` when a verification of the
 * same name won the race.
 */
export async function verifyPendingClaim(db: DB, t: ClaimTable, ownerId: string, id: string, now: number): Promise<{ changed: true; dropped: DroppedClaim[] } | { changed: false; taken: boolean }> {
  const c = t.columns
  const name = sql.identifier(c.name.name)
  try {
    const [updated, dropped] = await db.batch([
      db
        .update(t.table)
        .set({ status: 'verified', verifiedAt: now, checkedAt: now, expiresAt: null })
        .where(and(eq(c.id, id), eq(c.owner, ownerId), eq(c.status, 'pending'), or(isNull(c.expiresAt), gt(c.expiresAt, now)), sql`NOT ${verifiedElsewhere(t, sql`${c.name}`)}`))
        .returning({ id: c.id }),
      db
        .delete(t.table)
        .where(and(eq(c.status, 'pending'), sql`${c.name} = (SELECT w.${name} FROM ${t.table} w WHERE w.id = ${id} AND w.status = 'verified' AND w.verified_at = ${now})`))
        .returning({ id: c.id, name: c.name, ownerId: c.owner }),
    ])
    return updated.length ? { changed: true, dropped: dropped as DroppedClaim[] } : { changed: false, taken: false }
  } catch (error) {
    // Two verifications of one name at once: the partial unique index lets one through.
    if (isUniqueViolation(error, t.unique)) return { changed: false, taken: true }
    throw error
  }
}
