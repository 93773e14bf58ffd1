/**
 * Sign-in security policy (decision record 014): each account may require a
 * second factor, forbid passwordless passkeys and cap how long a location is
 * trusted, for itself and every account below it. The strictest value on an
 * account's path wins, and a login in several trees gets the strictest of all
 * its memberships (a login is one person everywhere). Pure: no I/O.
 */

/** One account's own settings (a row of security_policies). */
export interface PolicySetting {
  requireTwoFactor: boolean
  allowPasswordless: boolean
  /** null = not set here; 0 = never trust a location. */
  trustedLocationDays: number | null
}

/** The policy in force. */
export interface EffectivePolicy {
  requireTwoFactor: boolean
  /** The account (nearest the root) whose setting requires it, or null. */
  requiredBy: string | null
  allowPasswordless: boolean
  trustedLocationDays: number
}

/** The most a location can be trusted, whatever an account sets. */
export const MAX_TRUSTED_LOCATION_DAYS = 90

/** The account ids of a materialised path, root first (`/a/b/c/` → a, b, c). */
export function pathIds(path: string): string[] {
  return path.split('/').filter(Boolean)
}

const NONE: EffectivePolicy = { requireTwoFactor: false, requiredBy: null, allowPasswordless: true, trustedLocationDays: 0 }

/** The policy in force over the accounts of several paths: OR for the requirement, AND for passwordless, MIN for trust. */
export function effectivePolicy(paths: readonly string[], settings: ReadonlyMap<string, PolicySetting>): EffectivePolicy {
  let requiredBy: string | null = null
  let allowPasswordless = true
  let trust: number | null = null
  for (const path of paths) {
    let pathTrust: number | null = null
    for (const id of pathIds(path)) {
      const s = settings.get(id)
      if (!s) continue
      if (s.requireTwoFactor && requiredBy === null) requiredBy = id
      if (!s.allowPasswordless) allowPasswordless = false
      if (s.trustedLocationDays !== null) pathTrust = pathTrust === null ? s.trustedLocationDays : Math.min(pathTrust, s.trustedLocationDays)
    }
    // A tree where nobody set a duration never trusts a location.
    const days = pathTrust ?? 0
    trust = trust === null ? days : Math.min(trust, days)
  }
  if (paths.length === 0) return { ...NONE }
  return {
    requireTwoFactor: requiredBy !== null,
    requiredBy,
    allowPasswordless,
    trustedLocationDays: Math.max(0, Math.min(trust ?? 0, MAX_TRUSTED_LOCATION_DAYS)),
  }
}

/** What the accounts above `path` (not the account itself) impose on it. */
export function inheritedPolicy(path: string, settings: ReadonlyMap<string, PolicySetting>): EffectivePolicy {
  const ids = pathIds(path)
  if (ids.length <= 1) return { ...NONE, trustedLocationDays: MAX_TRUSTED_LOCATION_DAYS }
  const parent = `/${ids.slice(0, -1).join('/')}/`
  const anySet = ids.slice(0, -1).some((id) => settings.get(id)?.trustedLocationDays != null)
  const p = effectivePolicy([parent], settings)
  // Above an account, "nobody set a duration" leaves the account free to choose one.
  return anySet ? p : { ...p, trustedLocationDays: MAX_TRUSTED_LOCATION_DAYS }
}
