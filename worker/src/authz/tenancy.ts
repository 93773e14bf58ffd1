import type { MembershipLevel } from '../../../db/schema/memberships.ts'

/** The facts about one membership that decisions need. */
export interface MembershipFact {
  accountId: string
  path: string
  level: MembershipLevel
}

/**
 * The membership through which a principal reaches an account at `targetPath`:
 * one in the account itself or in an ancestor (its path is a prefix), the
 * closest one winning. Null means the account is outside every tree the
 * principal belongs to (rule 1: never a sibling, never upwards).
 */
export function reachingMembership<M extends MembershipFact>(memberships: readonly M[], targetPath: string): M | null {
  let best: M | null = null
  for (const m of memberships) {
    if (targetPath.startsWith(m.path) && (!best || m.path.length > best.path.length)) best = m
  }
  return best
}
