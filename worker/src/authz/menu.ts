import { sections, type Permission, type SectionKey } from './catalogue.ts'
import { canActing, type Actor, type TargetAccount } from './decide.ts'

export interface MenuItem {
  key: SectionKey
  label: string
  icon: string
  path: string
  /** The actions of this section the caller holds here (always includes `view`). */
  actions: string[]
}

/**
 * The menu a principal sees in an account: every catalogue section whose
 * `view` the decision function allows, with the actions held in it. The API
 * guards ask the same function, so the menu and the API cannot disagree.
 */
export function menuFor(actor: Actor, account: TargetAccount): MenuItem[] {
  return sections.flatMap((s) => {
    const actions = s.actions.filter((a) => canActing(actor, `${s.key}.${a}` as Permission, account).ok)
    return actions.includes('view') ? [{ key: s.key, label: s.label, icon: s.icon, path: s.path, actions }] : []
  })
}
