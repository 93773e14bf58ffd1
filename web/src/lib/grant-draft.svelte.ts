import type { Scope, ScopeMode } from '$lib/types'

/**
 * The grant being chosen in a dialog (a member's, an API key's): level, roles
 * and the scope picker's state, started afresh from a grant each time it opens.
 */
export class GrantDraft {
  level = $state<'admin' | 'user'>('user')
  roles = $state<string[]>([])
  scopeMode = $state<ScopeMode>('none')
  scopeServices = $state<string[]>([])
  scopeGroups = $state<string[]>([])
  scopeTags = $state<string[]>([])

  /** The scope as the API reads it. */
  get scope(): Scope {
    if (this.scopeMode === 'selected') return { mode: 'selected', services: this.scopeServices, groups: this.scopeGroups }
    if (this.scopeMode === 'tagged') return { mode: 'tagged', tags: this.scopeTags }
    return { mode: this.scopeMode }
  }

  /** Start from `grant` (a blank user-level grant reaching nothing when absent). */
  reset(grant: { level?: 'admin' | 'user'; roles?: string[]; scope?: Scope } = {}) {
    const scope = grant.scope ?? { mode: 'none' }
    this.level = grant.level ?? 'user'
    this.roles = grant.roles ?? []
    this.scopeMode = scope.mode
    this.scopeServices = scope.mode === 'selected' ? [...scope.services] : []
    this.scopeGroups = scope.mode === 'selected' ? [...scope.groups] : []
    this.scopeTags = scope.mode === 'tagged' ? [...scope.tags] : []
  }
}
