import { sha256Hex } from '../crypto/tokens.ts'
import { toEvent, type ActivityEvent } from './activity-schema.ts'

// The log's hash chain (rule 10: tamper-evident): every event's hash covers its content and
// the previous event's hash, from a genesis value or, after retention, from a kept anchor.

/** The hash a chain starts from. */
export const GENESIS = '0'.repeat(64)

/** The canonical text that an event's hash covers (everything but the local seq). */
export function canonical(e: Omit<ActivityEvent, 'seq'>, prevHash: string) {
  return JSON.stringify([prevHash, e.id, e.time, e.accountId, e.accountPath, e.type, e.kind, e.actor, e.impersonator, e.subject, e.target, e.description, e.ip, e.userAgent])
}

/** The hash of an event that follows `prevHash` in the chain. */
export function chainHash(e: Omit<ActivityEvent, 'seq'>, prevHash: string): string {
  return sha256Hex(canonical(e, prevHash))
}

/** Recompute the chain from `anchor` over the stored events; report the first event whose stored hashes do not add up. */
export function verifyChain(sql: SqlStorage, anchor: string) {
  let prev = anchor
  let checked = 0
  for (const row of sql.exec('SELECT * FROM events ORDER BY seq')) {
    const e = toEvent(row)
    if (String(row.prev_hash) !== prev || chainHash(e, prev) !== String(row.hash)) {
      return { ok: false as const, checked, firstBroken: { seq: e.seq, id: e.id, position: checked + 1 } }
    }
    prev = String(row.hash)
    checked++
  }
  return { ok: true as const, checked, firstBroken: null }
}
