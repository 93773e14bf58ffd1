import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { effectivePolicy, inheritedPolicy, MAX_TRUSTED_LOCATION_DAYS, type PolicySetting } from '../../../worker/src/authz/security-policy.ts'

// A small tree: p → r1, r2 → c1..c4; paths as the accounts table stores them.
const ids = ['p', 'r1', 'r2', 'c1', 'c2', 'c3', 'c4']
const pathOf: Record<string, string> = { p: '/p/', r1: '/p/r1/', r2: '/p/r2/', c1: '/p/r1/c1/', c2: '/p/r1/c2/', c3: '/p/r2/c3/', c4: '/p/r2/c4/' }
const setting = fc.record<PolicySetting>({
  requireTwoFactor: fc.boolean(),
  allowPasswordless: fc.boolean(),
  trustedLocationDays: fc.option(fc.integer({ min: 0, max: MAX_TRUSTED_LOCATION_DAYS }), { nil: null }),
})
const settingsArb = fc.dictionary(fc.constantFrom(...ids), setting).map((d) => new Map(Object.entries(d)))
const pathsArb = fc.uniqueArray(fc.constantFrom(...ids), { minLength: 1, maxLength: 4 }).map((a) => a.map((id) => pathOf[id]!))

describe('sign-in security policy: the strictest account on every path wins', () => {
  it('requires 2FA exactly when some account on some path requires it, and names one that does', () => {
    fc.assert(
      fc.property(settingsArb, pathsArb, (settings, paths) => {
        const onPaths = new Set(paths.flatMap((p) => p.split('/').filter(Boolean)))
        const requiring = [...onPaths].filter((id) => settings.get(id)?.requireTwoFactor)
        const p = effectivePolicy(paths, settings)
        expect(p.requireTwoFactor).toBe(requiring.length > 0)
        if (p.requiredBy) expect(requiring).toContain(p.requiredBy)
      }),
    )
  })

  it('allows passwordless only when no account on any path forbids it', () => {
    fc.assert(
      fc.property(settingsArb, pathsArb, (settings, paths) => {
        const onPaths = new Set(paths.flatMap((p) => p.split('/').filter(Boolean)))
        expect(effectivePolicy(paths, settings).allowPasswordless).toBe(![...onPaths].some((id) => settings.get(id)?.allowPasswordless === false))
      }),
    )
  })

  it('trusts a location no longer than any set duration on any path, and never where a path sets none', () => {
    fc.assert(
      fc.property(settingsArb, pathsArb, (settings, paths) => {
        const days = effectivePolicy(paths, settings).trustedLocationDays
        for (const path of paths) {
          const set = path
            .split('/')
            .filter(Boolean)
            .map((id) => settings.get(id)?.trustedLocationDays)
            .filter((d): d is number => d !== null && d !== undefined)
          if (set.length === 0) expect(days).toBe(0)
          else expect(days).toBeLessThanOrEqual(Math.min(...set))
        }
        expect(days).toBeGreaterThanOrEqual(0)
      }),
    )
  })

  it('only gets stricter when an account is added to the login, or a setting is tightened', () => {
    fc.assert(
      fc.property(settingsArb, pathsArb, fc.constantFrom(...ids), (settings, paths, extra) => {
        const before = effectivePolicy(paths, settings)
        const after = effectivePolicy([...paths, pathOf[extra]!], settings)
        if (before.requireTwoFactor) expect(after.requireTwoFactor).toBe(true)
        if (!before.allowPasswordless) expect(after.allowPasswordless).toBe(false)
        expect(after.trustedLocationDays).toBeLessThanOrEqual(before.trustedLocationDays)
      }),
    )
  })

  it('reports what the ancestors impose without the account’s own setting', () => {
    fc.assert(
      fc.property(settingsArb, fc.constantFrom(...ids), setting, (settings, id, own) => {
        const a = inheritedPolicy(pathOf[id]!, settings)
        const b = inheritedPolicy(pathOf[id]!, new Map([...settings, [id, own]]))
        expect(b).toEqual(a)
      }),
    )
  })

  it('imposes nothing on a login without accounts', () => {
    expect(effectivePolicy([], new Map())).toEqual({ requireTwoFactor: false, requiredBy: null, allowPasswordless: true, trustedLocationDays: 0 })
  })
})
